"""The request path's speed-ups keep its behaviour: statements cached by params shape, reused
connections, one JSON writer or the other, document ids drawn in one read."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from reference_impl.app import dumps
from reference_impl.documents import new_document_id
from reference_impl.query import CachedStatement, _result_processor, iso

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
        # String leaves too (documentId, title): their sentinel must pass every check a text value passes.
        assert [k for k in cached if "('documentId', 's')" in repr(k)], "findOne by documentId was not cached"
        assert [k for k in cached if "('title', 's')" in repr(k)], "a filter on a text attribute was not cached"


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


async def test_direct_selects_answer_what_sqlalchemy_answers(make_app: AppFactory) -> None:
    """Cached SELECTs run on the DB-API cursor, their values converted as entries show them (SQLite
    DATETIME text sliced to ISO): the same entries as SQLAlchemy's own execution of the statement."""
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        for title, publish in (("one", "2024-03-06T13:42:05.098Z"), ("two", None), ("three", "1999-12-31T23:59:59.999Z")):
            await docs.create({"data": {"title": title, "publishDate": publish}, "status": "published"})
        db = app.strapi.db
        query = db.query(ARTICLE)
        for params in ({"where": {"publishedAt": {"$notNull": True}}}, {"where": {"title": "two"}}):
            await query.findMany(params)  # caches the shape
            key, leaves = query._shape_key("find", params["where"], None, None, None, None)
            stmt, bound = db.cached(key, leaves, lambda _: None)
            assert isinstance(stmt, CachedStatement) and stmt.direct is not None
            async with db.transaction():
                with db.connection() as conn:
                    direct = query.entries_of(stmt.direct.run(conn, bound))
                    slow = query.entries_of(conn.execute(stmt.stmt, bound))
            assert direct == slow and direct
            assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["createdAt"]) for e in direct)
        # Draft and published row: both read back as written.
        assert {e["publishDate"] for e in await query.findMany({"where": {"title": "one"}})} == {"2024-03-06T13:42:05.098Z"}
        # Text SQLite holds in another form (written by hand) takes the long way, with the same result.
        process = _result_processor(sa.DateTime(), sqlite.dialect(), None)
        assert process is not None
        assert process("2024-03-06 13:42:05.098765") == iso(datetime(2024, 3, 6, 13, 42, 5, 98765))
        assert process("2024-03-06 13:42:05") == iso(datetime(2024, 3, 6, 13, 42, 5))


async def test_postgresql_reads_survive_psycopg_dropping_prepared_statements(make_app: AppFactory, db_url: str) -> None:
    """On PostgreSQL a read outside a transaction runs through libpq's prepared statements; psycopg
    deallocates every prepared statement after a ROLLBACK, and the next read prepares it again."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        made = await docs.create({"data": {"title": "kept"}, "status": "published"})
        for _ in range(2):  # the first read caches the statement, the second prepares it
            assert (await docs.findOne({"documentId": made["documentId"]}))["title"] == "kept"
        direct = [v.direct.pg for v in app.strapi.db.statements.values()
                  if v is not None and v.direct is not None and v.direct.pg is not None]
        assert any(len(pg.prepared) for pg in direct), "no read went through a prepared statement"
        with pytest.raises(RuntimeError):
            async with app.strapi.db.transaction():
                await docs.create({"data": {"title": "rolled back"}})
                raise RuntimeError("boom")  # ROLLBACK: psycopg sends DEALLOCATE ALL
        for _ in range(2):
            assert (await docs.findOne({"documentId": made["documentId"]}))["title"] == "kept"
        assert [e["title"] for e in await docs.findMany({})] == ["kept"]


async def test_postgresql_prepared_statements_are_bounded_per_connection(
        make_app: AppFactory, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the limit a connection prepares nothing more: new shapes are read through psycopg."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from reference_impl import query as query_module

    monkeypatch.setattr(query_module, "_PG_PREPARED_LIMIT", 1)
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        await docs.create({"data": {"title": "a"}, "status": "published"})
        for params in ({}, {"filters": {"title": "a"}}, {"filters": {"title": {"$ne": "b"}}}, {"sort": "title"}):
            for _ in range(2):
                assert [e["title"] for e in await docs.findMany(params)] == ["a"]
        prepared = [len(names) for v in app.strapi.db.statements.values() if v is not None and v.direct is not None
                    and v.direct.pg is not None for names in v.direct.pg.prepared.values()]
        assert sum(prepared) <= len(query_module._PG_PREPARED), prepared
        assert max(query_module._PG_PREPARED.values()) == 1


async def test_postgresql_waits_leave_the_event_loop_free(make_app: AppFactory, db_url: str) -> None:
    """On PostgreSQL a request waiting for the server does not hold up the others: a read blocked by
    another session's lock waits on the event loop, which meanwhile runs other tasks."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        await docs.create({"data": {"title": "kept"}, "status": "published"})
        for _ in range(2):  # the first read caches the statement and learns its columns
            assert [e["title"] for e in await docs.findMany({"status": "published"})] == ["kept"]
        locker = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        conn = locker.connect()
        conn.execute(sa.text("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE"))
        # A read that blocked the loop would never let this test release the lock: a timer does, late.
        timer = threading.Timer(5.0, conn.rollback)
        timer.start()
        try:
            started = time.monotonic()
            read = asyncio.ensure_future(docs.findMany({"status": "published"}))
            await asyncio.sleep(0.3)
            waited = time.monotonic() - started
            pending = not read.done()
            timer.cancel()
            conn.rollback()
            assert [e["title"] for e in await read] == ["kept"]
        finally:
            timer.cancel()
            conn.close()
            locker.dispose()
        assert pending and waited < 2.0, f"the event loop was blocked {waited:.1f} s by a waiting read"


async def test_postgresql_write_rolled_back_after_its_insert(make_app: AppFactory, db_url: str) -> None:
    """The INSERT of a write runs inside its transaction (BEGIN sent first): a failure later in the
    action undoes it, and the connection's prepared statements serve the next write."""
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        await docs.create({"data": {"title": "kept"}})
        for _ in range(2):
            with pytest.raises(RuntimeError):
                async with app.strapi.db.transaction():
                    await docs.create({"data": {"title": "rolled back"}})
                    raise RuntimeError("boom")
        await docs.create({"data": {"title": "after"}})
        assert sorted(e["title"] for e in await docs.findMany({})) == ["after", "kept"]


async def test_postgresql_dates_read_through_libpq_as_through_sqlalchemy(make_app: AppFactory, db_url: str) -> None:
    """Read through libpq, timestamps are sliced from PostgreSQL's text (fraction digits only as
    needed: none for whole seconds, one for a tenth): the same entries as SQLAlchemy's execution."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        for title, publish in (("whole", "2024-03-06T13:42:05.000Z"), ("tenth", "2024-03-06T13:42:05.100Z"),
                               ("milli", "1999-12-31T23:59:59.999Z"), ("none", None)):
            await docs.create({"data": {"title": title, "publishDate": publish}})
        db = app.strapi.db
        query = db.query(ARTICLE)
        params: dict[str, Any] = {"where": {"publishedAt": {"$null": True}}}
        await query.findMany(params)  # caches the shape and learns its columns
        key, leaves = query._shape_key("find", params["where"], None, None, None, None)
        stmt, bound = db.cached(key, leaves, lambda _: None)
        assert isinstance(stmt, CachedStatement) and stmt.direct is not None and stmt.direct.pg is not None
        async with db.transaction():
            with db.connection() as conn:
                fast = query.entries_of(await stmt.direct.run_async(conn, bound))
                slow = query.entries_of(conn.execute(stmt.stmt, bound))
        assert fast == slow
        assert {e["title"]: e["publishDate"] for e in fast} == {
            "whole": "2024-03-06T13:42:05.000Z", "tenth": "2024-03-06T13:42:05.100Z",
            "milli": "1999-12-31T23:59:59.999Z", "none": None}
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["createdAt"]) for e in fast)
