"""The request path's speed-ups keep its behaviour: statements cached by params shape, reused
connections, one JSON writer or the other, document ids drawn in one read."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from reference_impl.app import dumps
from reference_impl.documents import new_document_id

from .conftest import AppFactory

pytestmark = pytest.mark.anyio

ARTICLE = "api::article.article"
TAG = "api::tag.tag"


async def test_one_statement_shape_serves_every_value(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        made = [await docs.create({"data": {"title": f"T{i}"}}) for i in range(3)]
        for entry in reversed(made):  # the shape is cached by the first read, the others reuse it
            found = await docs.findOne({"documentId": entry["documentId"]})
            assert found is not None and found["title"] == entry["title"] and found["id"] == entry["id"]
        query = app.strapi.db.query(ARTICLE)
        assert [r["title"] for r in await query.findMany({"where": {"title": "T1"}})] == ["T1"]
        assert [r["title"] for r in await query.findMany({"where": {"title": "T2"}})] == ["T2"]
        assert await query.findOne({"where": {"id": made[0]["id"] + 1000}}) is None
        assert await query.count({"where": {"title": {"$ne": "T0"}}}) == 2
        assert await query.count({"where": {"title": {"$ne": "T1"}}}) == 2
        cached = [k for k, v in app.strapi.db.statements.items() if v is not None and k[0] == "find"]
        assert cached, "the reads above should have cached their statements"


async def test_values_that_change_the_sql_are_part_of_the_shape(make_app: AppFactory) -> None:
    async with make_app() as app:
        query = app.strapi.db.query(ARTICLE)
        await app.strapi.documents(ARTICLE).create({"data": {"title": "Case"}})
        await app.strapi.documents(ARTICLE).create({"data": {"title": None}})
        # $null true and false differ by a boolean: never the same statement.
        assert await query.count({"where": {"title": {"$null": True}}}) == 1
        assert await query.count({"where": {"title": {"$null": False}}}) == 1
        # A transformed value (lower-cased, LIKE pattern) is never cached: each value gives its answer.
        assert await query.count({"where": {"title": {"$eqi": "CASE"}}}) == 1
        assert await query.count({"where": {"title": {"$eqi": "other"}}}) == 0
        assert await query.count({"where": {"title": {"$containsi": "AS"}}}) == 1
        assert await query.count({"where": {"title": {"$containsi": "zz"}}}) == 0
        shapes = {k[-1]: v for k, v in app.strapi.db.statements.items() if k[0] == "count"}
        assert any(v is None for v in shapes.values()), "a $eqi shape must be marked as not cacheable"
        # A value the builder rejects is rejected every time, cached shape or not.
        for _ in range(2):
            with pytest.raises(Exception, match="Invalid value"):
                await query.count({"where": {"views": "not-a-number"}})


async def test_populate_statements_take_each_requests_owners(make_app: AppFactory) -> None:
    async with make_app() as app:
        tags = app.strapi.documents(TAG)
        red = await tags.create({"data": {"label": "red"}})
        blue = await tags.create({"data": {"label": "blue"}})
        docs = app.strapi.documents(ARTICLE)
        a = await docs.create({"data": {"title": "A", "tags": [red["documentId"]]}, "status": "published"})
        b = await docs.create({"data": {"title": "B", "tags": [blue["documentId"], red["documentId"]]},
                               "status": "published"})
        for entry, names in ((a, ["red"]), (b, ["blue", "red"]), (a, ["red"])):
            found = await docs.findOne({"documentId": entry["documentId"], "status": "published", "populate": ["tags"]})
            assert [t["label"] for t in found["tags"]] == names


async def test_on_commit_callbacks_run_after_commit_only(make_app: AppFactory) -> None:
    async with make_app() as app:
        db = app.strapi.db
        ran: list[str] = []
        async with db.transaction():
            db.on_commit(lambda: ran.append("committed"))
            assert ran == []
        assert ran == ["committed"]
        with pytest.raises(RuntimeError):
            async with db.transaction():
                db.on_commit(lambda: ran.append("rolled back"))
                raise RuntimeError("boom")
        assert ran == ["committed"]
        # The connection of a rolled-back transaction is not handed to the next one in a broken state.
        async with db.transaction():
            assert await db.query(ARTICLE).count() == 0


def test_document_ids_are_24_lowercase_alphanumerics_starting_with_a_letter() -> None:
    ids = {new_document_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[a-z][a-z0-9]{23}", i) for i in ids)
    assert set("".join(i[1:] for i in ids)) == set("abcdefghijklmnopqrstuvwxyz0123456789")


@pytest.mark.parametrize("body", [
    {"data": [{"id": 1, "title": "é ✓", "rating": 1.5, "big": 2**70}], "meta": {}},
    {1: "non-string key"},
    {"when": __import__("datetime").datetime(2024, 3, 6, 13, 42, 5)},
    {"plain": [None, True, False, 0, -1, "a\"b\\c\n"]},
])
def test_response_bodies_are_the_standard_librarys_json(body: Any) -> None:
    expected = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    assert dumps(body) == expected
