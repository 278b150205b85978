"""The Query Engine: every filter operator (also across relations), sort, pagination, fields and
populate, on each database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from reference_impl import ReferenceApp
from reference_impl.errors import ValidationError

from .conftest import AppFactory, database, write_project

pytestmark = pytest.mark.anyio

ARTICLE, AUTHOR, TAG = "api::article.article", "api::author.author", "api::tag.tag"

# title, views, rating, featured, publishDate, author index, tag indexes
ROWS = [
    ("Alpha", 1, 1.5, True, "2024-01-01T10:00:00.000Z", 0, [0]),
    ("beta", 5, 2.5, False, "2024-02-01T10:00:00.000Z", 0, [0, 1]),
    ("Gamma ray", 10, None, True, "2024-03-01T10:00:00.000Z", 1, [1]),
    ("delta_x", None, 4.0, None, None, None, []),
    ("100% pure", 20, 5.0, False, "2024-05-01T10:00:00.000Z", 1, [2]),
]


class Seeded:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.q = app.strapi.db.query(ARTICLE)

    async def titles(self, where: Any, **params: Any) -> list[str]:
        found = await self.q.findMany({"where": where, "orderBy": ["id"], **params})
        return [r["title"] for r in found]


async def seed(app: Any) -> Seeded:
    db = app.strapi.db
    authors = [await db.query(AUTHOR).create({"data": {"documentId": f"a{i}", "name": n}})
               for i, n in enumerate(("Ann", "Bob"))]
    tags = [await db.query(TAG).create({"data": {"documentId": f"t{i}", "label": n}})
            for i, n in enumerate(("red", "green", "blue"))]
    for i, (title, views, rating, featured, date, author, tag_ids) in enumerate(ROWS):
        await db.query(ARTICLE).create({"data": {
            "documentId": f"d{i}", "title": title, "views": views, "rating": rating, "featured": featured,
            "publishDate": date, "author": None if author is None else authors[author]["id"],
            "tags": [tags[t]["id"] for t in tag_ids]}})
    return Seeded(app)


ALL = [r[0] for r in ROWS]
OPERATOR_CASES: list[tuple[str, Any, list[str]]] = [
    ("implicit $eq", {"title": "beta"}, ["beta"]),
    ("$eq", {"title": {"$eq": "Alpha"}}, ["Alpha"]),
    ("$eq is case-sensitive", {"title": {"$eq": "alpha"}}, []),
    ("$eqi", {"title": {"$eqi": "ALPHA"}}, ["Alpha"]),
    ("$ne", {"views": {"$ne": 5}}, ["Alpha", "Gamma ray", "100% pure"]),
    ("$nei", {"title": {"$nei": "BETA"}}, ["Alpha", "Gamma ray", "delta_x", "100% pure"]),
    ("$lt", {"views": {"$lt": 10}}, ["Alpha", "beta"]),
    ("$lte", {"views": {"$lte": "10"}}, ["Alpha", "beta", "Gamma ray"]),
    ("$gt", {"rating": {"$gt": 2.5}}, ["delta_x", "100% pure"]),
    ("$gte", {"rating": {"$gte": 2.5}}, ["beta", "delta_x", "100% pure"]),
    ("$in", {"views": {"$in": [1, 20]}}, ["Alpha", "100% pure"]),
    ("implicit $in", {"title": ["beta", "delta_x"]}, ["beta", "delta_x"]),
    ("$notIn", {"views": {"$notIn": ["1", "5"]}}, ["Gamma ray", "100% pure"]),
    ("$contains is case-sensitive", {"title": {"$contains": "a"}}, ["Alpha", "beta", "Gamma ray", "delta_x"]),
    ("$contains upper", {"title": {"$contains": "A"}}, ["Alpha"]),
    ("$notContains", {"title": {"$notContains": "a"}}, ["100% pure"]),
    ("$containsi", {"title": {"$containsi": "GAMMA"}}, ["Gamma ray"]),
    ("$notContainsi", {"title": {"$notContainsi": "A"}}, ["100% pure"]),
    ("$contains escapes %", {"title": {"$contains": "0%"}}, ["100% pure"]),
    ("$contains escapes _", {"title": {"$contains": "_"}}, ["delta_x"]),
    ("$startsWith", {"title": {"$startsWith": "Al"}}, ["Alpha"]),
    ("$startsWith is case-sensitive", {"title": {"$startsWith": "al"}}, []),
    ("$startsWithi", {"title": {"$startsWithi": "al"}}, ["Alpha"]),
    ("$endsWith", {"title": {"$endsWith": "ray"}}, ["Gamma ray"]),
    ("$endsWith is case-sensitive", {"title": {"$endsWith": "RAY"}}, []),
    ("$endsWithi", {"title": {"$endsWithi": "RAY"}}, ["Gamma ray"]),
    ("$null", {"views": {"$null": True}}, ["delta_x"]),
    ("$null false", {"views": {"$null": "false"}}, ["Alpha", "beta", "Gamma ray", "100% pure"]),
    ("$notNull", {"rating": {"$notNull": True}}, ["Alpha", "beta", "delta_x", "100% pure"]),
    ("$between", {"views": {"$between": [5, 10]}}, ["beta", "Gamma ray"]),
    ("boolean", {"featured": True}, ["Alpha", "Gamma ray"]),
    ("boolean from text", {"featured": {"$eq": "false"}}, ["beta", "100% pure"]),
    ("datetime", {"publishDate": {"$gt": "2024-02-15T00:00:00.000Z"}}, ["Gamma ray", "100% pure"]),
    ("two operators on one field", {"views": {"$gt": 1, "$lt": 20}}, ["beta", "Gamma ray"]),
    ("$and", {"$and": [{"views": {"$gt": 1}}, {"featured": False}]}, ["beta", "100% pure"]),
    ("$or", {"$or": [{"title": "Alpha"}, {"views": 20}]}, ["Alpha", "100% pure"]),
    ("$not", {"$not": {"title": {"$contains": "a"}}}, ["100% pure"]),
    ("$not inside a field", {"views": {"$not": {"$gt": 5}}}, ["Alpha", "beta"]),
    ("$or inside a field", {"views": {"$or": [{"$eq": 1}, {"$eq": 20}]}}, ["Alpha", "100% pure"]),
    ("nested logic", {"$or": [{"$and": [{"featured": True}, {"views": {"$gt": 5}}]}, {"title": {"$startsWith": "d"}}]},
     ["Gamma ray", "delta_x"]),
    ("id and documentId", {"$or": [{"id": {"$in": []}}, {"documentId": "d1"}]}, ["beta"]),
    ("empty filter", {}, ALL),
    ("manyToOne relation", {"author": {"name": "Ann"}}, ["Alpha", "beta"]),
    ("relation operator", {"author": {"name": {"$startsWith": "B"}}}, ["Gamma ray", "100% pure"]),
    ("manyToMany relation: no duplicates", {"tags": {"label": {"$in": ["red", "green"]}}}, ["Alpha", "beta", "Gamma ray"]),
    ("$or across relations", {"$or": [{"author": {"name": "Bob"}}, {"tags": {"label": "red"}}]},
     ["Alpha", "beta", "Gamma ray", "100% pure"]),
    # As Strapi 5.54.0 answers: the negation applies to the joined rows, so beta (red and green) has
    # a tag that is not green, and delta_x (no tag: a row of NULLs) has none.
    ("$not across a relation", {"$not": {"tags": {"label": "green"}}}, ["Alpha", "beta", "100% pure"]),
    # An entry without author joins a row of NULLs: its author's id is null.
    ("relation $null", {"author": {"id": {"$null": True}}}, ["delta_x"]),
    ("operator on a relation: its id", {"author": {"$null": True}}, ["delta_x"]),
    ("relation field $null", {"tags": {"label": {"$null": True}}}, ["delta_x"]),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """One seeded app per database, on an event loop of its own, for the tests that only read: started
    and seeded once for all their cases instead of once per case (what each case reads is the same)."""
    folder = tmp_path_factory.mktemp("seeded")
    with database(request.param, folder) as url, asyncio.Runner() as runner:
        app = ReferenceApp(write_project(folder / "project"), url)
        runner.run(app.startup())
        try:
            yield Shared(runner, runner.run(seed(app)))
        finally:
            runner.run(app.shutdown())


class Shared:
    """The module's seeded app and the loop it runs on."""

    def __init__(self, runner: asyncio.Runner, seeded: Seeded) -> None:
        self.run = runner.run
        self.seeded = seeded


@pytest.mark.parametrize(("where", "expected"), [c[1:] for c in OPERATOR_CASES], ids=[c[0] for c in OPERATOR_CASES])
def test_filter_operators(shared: Shared, where: Any, expected: list[str]) -> None:
    seeded = shared.seeded
    assert shared.run(seeded.titles(where)) == expected
    assert shared.run(seeded.q.count({"where": where})) == len(expected)


async def test_inverse_relation_filter(make_app: AppFactory) -> None:
    async with make_app() as app:
        await seed(app)
        found = await app.strapi.db.query(AUTHOR).findMany({"where": {"articles": {"views": {"$gte": 10}}}})
        assert [a["name"] for a in found] == ["Bob"]


# (A list for a one-value operator is an OR of its items, and a boolean takes any value as
# JavaScript's truthiness, as in Strapi: neither is an error.)
@pytest.mark.parametrize("where", [{"nope": 1}, {"title": {"$fake": 1}}, {"views": "many"}, {"views": {"$gt": {"a": 1}}},
                                   {"rating": "lots"}, "title"])
def test_invalid_filters_are_validation_errors(shared: Shared, where: Any) -> None:
    with pytest.raises(ValidationError):
        shared.run(shared.seeded.titles(where))


async def test_sort_limit_offset_and_fields(make_app: AppFactory) -> None:
    async with make_app() as app:
        seeded = await seed(app)
        q = seeded.q
        desc = await q.findMany({"where": {"views": {"$notNull": True}}, "orderBy": [{"views": "desc"}]})
        assert [r["views"] for r in desc] == [20, 10, 5, 1]
        two_keys = await q.findMany({"where": {"featured": {"$notNull": True}},
                                     "orderBy": [{"featured": "asc"}, {"views": "desc"}]})
        assert [r["title"] for r in two_keys] == ["100% pure", "beta", "Gamma ray", "Alpha"]
        by_string = await q.findMany({"orderBy": ["documentId"], "limit": 2, "offset": 1})
        assert [r["documentId"] for r in by_string] == ["d1", "d2"]
        selected = await q.findOne({"where": {"documentId": "d0"}, "select": ["title"]})
        assert selected == {"id": selected["id"], "documentId": "d0", "title": "Alpha"}


async def test_values_come_back_typed(make_app: AppFactory) -> None:
    async with make_app() as app:
        seeded = await seed(app)
        row = await seeded.q.findOne({"where": {"documentId": "d1"}})
        assert row["views"] == 5 and row["rating"] == 2.5 and row["featured"] is False
        assert row["publishDate"] == "2024-02-01T10:00:00.000Z"


async def test_populate(make_app: AppFactory) -> None:
    async with make_app() as app:
        seeded = await seed(app)
        rows = await seeded.q.findMany({"orderBy": ["id"], "populate": {
            "author": {"select": ["name"]},
            "tags": {"where": {"label": {"$ne": "green"}}, "orderBy": ["label"]},
        }})
        by_title = {r["title"]: r for r in rows}
        assert by_title["Alpha"]["author"] == {"id": by_title["Alpha"]["author"]["id"], "documentId": "a0", "name": "Ann"}
        assert by_title["delta_x"]["author"] is None
        assert [t["label"] for t in by_title["beta"]["tags"]] == ["red"]
        assert by_title["delta_x"]["tags"] == []
        authors = await app.strapi.db.query(AUTHOR).findMany({"orderBy": ["id"], "populate": {
            "articles": {"populate": {"tags": True}}}})
        bob = authors[1]
        assert [a["title"] for a in bob["articles"]] == ["Gamma ray", "100% pure"]
        assert [t["label"] for t in bob["articles"][1]["tags"]] == ["blue"]


async def test_update_delete_and_delete_many(make_app: AppFactory) -> None:
    async with make_app() as app:
        seeded = await seed(app)
        q = seeded.q
        updated = await q.update({"where": {"documentId": "d0"}, "data": {"title": "A2", "tags": []}})
        assert updated["title"] == "A2"
        assert (await q.findOne({"where": {"documentId": "d0"}, "populate": {"tags": True}}))["tags"] == []
        assert await q.update({"where": {"documentId": "none"}, "data": {"title": "x"}}) is None
        deleted = await q.delete({"where": {"documentId": "d1"}})
        assert deleted["title"] == "beta"
        assert await q.delete({"where": {"documentId": "d1"}}) is None
        assert await q.deleteMany({"where": {"views": {"$gte": 10}}}) == {"count": 2}
        assert await seeded.titles({}) == ["A2", "delta_x"]
        # The link rows of deleted entries went with them: Bob has no article left, Ann still has A2.
        authors = await app.strapi.db.query(AUTHOR).findMany({"where": {"articles": {"id": {"$notNull": True}}}})
        assert [a["name"] for a in authors] == ["Ann"]


async def test_sort_is_the_same_on_every_database(make_app: AppFactory) -> None:
    # SQLite's order: NULL is the smallest value, and text compares by code point (upper case first).
    async with make_app() as app:
        seeded = await seed(app)
        q = seeded.q
        asc = await q.findMany({"orderBy": [{"views": "asc"}]})
        assert [r["views"] for r in asc] == [None, 1, 5, 10, 20]
        desc = await q.findMany({"orderBy": [{"rating": "desc"}]})
        assert [r["rating"] for r in desc] == [5.0, 4.0, 2.5, 1.5, None]
        by_title = await q.findMany({"orderBy": [{"title": "asc"}]})
        assert [r["title"] for r in by_title] == ["100% pure", "Alpha", "Gamma ray", "beta", "delta_x"]
