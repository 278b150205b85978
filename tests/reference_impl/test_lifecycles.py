"""Query Engine lifecycle hooks: before/after around the query, subscriber order, per-subscriber
state, nested findOne, aborting, and the hooks each Document Service action fires."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AppFactory
from .helpers import RECORDS, log, logged, record

pytestmark = pytest.mark.anyio

ARTICLE, TAG = "api::article.article", "api::tag.tag"

LIFECYCLES = {"src/api/article/content-types/article/lifecycles.py": """
    from tests.reference_impl.helpers import record

    def beforeCreate(event):
        record(("file", event.action, "createdAt" in event.params["data"]))

    def afterCreate(event):
        record(("file", event.action, event.result["title"]))
"""}


def subscriber(strapi: Any, name: str, actions: tuple[str, ...] = ("create", "findOne")) -> dict[str, Any]:
    hooks: dict[str, Any] = {"models": [ARTICLE]}
    for action in actions:
        for when in ("before", "after"):
            hook = when + action[0].upper() + action[1:]
            hooks[hook] = (lambda h: lambda event: log(strapi, (name, h)))(hook)
    return hooks


async def test_before_and_after_surround_the_query_with_the_nested_find_one(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi
        q = strapi.db.query(ARTICLE)

        async def before_create(event: Any) -> None:
            log(strapi, ("beforeCreate", await q.count({"where": {"title": "x"}})))

        async def after_create(event: Any) -> None:
            log(strapi, ("afterCreate", await q.count({"where": {"title": "x"}}), event.result["title"]))

        strapi.db.lifecycles.subscribe({"models": [ARTICLE], "beforeCreate": before_create, "afterCreate": after_create,
                                        "beforeFindOne": lambda e: log(strapi, "beforeFindOne"),
                                        "afterFindOne": lambda e: log(strapi, "afterFindOne")})
        await q.create({"data": {"documentId": "d", "title": "x"}})
        assert logged(strapi) == [("beforeCreate", 0), "beforeFindOne", "afterFindOne", ("afterCreate", 1, "x")]


async def test_subscriber_order_timestamps_then_file_then_programmatic(make_app: AppFactory) -> None:
    RECORDS.clear()
    async with make_app(LIFECYCLES) as app:
        strapi = app.strapi
        for name in ("p1", "p2"):
            strapi.db.lifecycles.subscribe({"models": [ARTICLE],
                                            "beforeCreate": lambda e, n=name: record((n, "beforeCreate")),
                                            "afterCreate": lambda e, n=name: record((n, "afterCreate"))})
        await strapi.db.query(ARTICLE).create({"data": {"documentId": "d", "title": "t"}})
        # The file's beforeCreate already sees the timestamps subscriber's createdAt.
        assert RECORDS == [("file", "beforeCreate", True), ("p1", "beforeCreate"), ("p2", "beforeCreate"),
                           ("file", "afterCreate", "t"), ("p1", "afterCreate"), ("p2", "afterCreate")]


async def test_timestamps_are_set_on_create_and_update(make_app: AppFactory) -> None:
    async with make_app() as app:
        q = app.strapi.db.query(TAG)
        created = await q.create({"data": {"documentId": "t", "label": "a"}})
        assert created["createdAt"] and created["createdAt"] == created["updatedAt"]
        updated = await q.update({"where": {"id": created["id"]},
                                  "data": {"label": "b", "updatedAt": "2000-01-01T00:00:00.000Z"}})
        assert updated["createdAt"] == created["createdAt"]
        assert updated["updatedAt"] > "2000-01-01T00:00:00.000Z"


async def test_state_is_per_subscriber_and_survives_replacement(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi

        def before_a(event: Any) -> None:
            event.state["mine"] = "a"

        def before_b(event: Any) -> None:
            assert event.state == {}
            event.state = "doStuffAfterWards"

        strapi.db.lifecycles.subscribe({"models": [TAG], "beforeCreate": before_a,
                                        "afterCreate": lambda e: log(strapi, ("a", e.state))})
        strapi.db.lifecycles.subscribe({"models": [TAG], "beforeCreate": before_b,
                                        "afterCreate": lambda e: log(strapi, ("b", e.state))})
        await strapi.db.query(TAG).create({"data": {"documentId": "t", "label": "x"}})
        assert logged(strapi) == [("a", {"mine": "a"}), ("b", "doStuffAfterWards")]


async def test_event_carries_action_model_params_and_result(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi
        events: list[Any] = []
        strapi.db.lifecycles.subscribe(lambda event: events.append(event))
        q = strapi.db.query(TAG)
        await q.create({"data": {"documentId": "t", "label": "x"}})
        events.clear()
        params = {"where": {"label": "x"}}
        assert await q.count(params) == 1
        assert [(e.action, e.model.uid, e.params is params) for e in events] == [
            ("beforeCount", TAG, True), ("afterCount", TAG, True)]
        assert events[1].result == 1 and events[0].result is None
        events.clear()
        await q.findMany({})
        assert isinstance(events[1].result, list) and events[1].result[0]["label"] == "x"


async def test_a_before_hook_can_change_data_or_abort(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi

        def before_create(event: Any) -> None:
            if event.params["data"]["label"] == "forbidden":
                raise ValueError("no")
            event.params["data"]["label"] = event.params["data"]["label"].upper()

        strapi.db.lifecycles.subscribe({"models": [TAG], "beforeCreate": before_create,
                                        "afterCreate": lambda e: log(strapi, "after")})
        q = strapi.db.query(TAG)
        assert (await q.create({"data": {"documentId": "t", "label": "x"}}))["label"] == "X"
        with pytest.raises(ValueError):
            await q.create({"data": {"documentId": "u", "label": "forbidden"}})
        assert await q.count() == 1
        assert logged(strapi) == ["after"]


async def test_update_or_delete_of_nothing_returns_none_without_after_hook(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi
        strapi.db.lifecycles.subscribe(subscriber(strapi, "s", ("update", "delete")) | {"models": [TAG]})
        q = strapi.db.query(TAG)
        assert await q.update({"where": {"id": 12345}, "data": {"label": "x"}}) is None
        assert await q.delete({"where": {"id": 12345}}) is None
        assert logged(strapi) == [("s", "beforeUpdate"), ("s", "beforeDelete")]


async def test_unsubscribe(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi
        unsubscribe = strapi.db.lifecycles.subscribe(lambda event: log(strapi, event.action))
        await strapi.db.query(TAG).count()
        unsubscribe()
        await strapi.db.query(TAG).count()
        assert logged(strapi) == ["beforeCount", "afterCount"]


def writes(log_items: list[Any]) -> list[str]:
    return [h for _, h in log_items if h.startswith("before") and h[6:] in ("Create", "Update", "Delete")]


async def test_hooks_fired_by_document_service_actions(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi
        strapi.db.lifecycles.subscribe(subscriber(strapi, "s", ("create", "update", "delete", "findOne", "findMany",
                                                               "count", "createMany", "deleteMany", "updateMany")))
        docs = strapi.documents(ARTICLE)

        async def run(coro: Any) -> list[str]:
            strapi.test_log = []
            await coro
            return writes(logged(strapi))

        assert await run(docs.create({"data": {"title": "a"}})) == ["beforeCreate"]
        doc = (await docs.findFirst())["documentId"]
        assert await run(docs.create({"data": {"title": "b"}, "status": "published"})) == ["beforeCreate"] * 2
        assert await run(docs.update({"documentId": doc, "data": {"title": "c"}})) == ["beforeUpdate"]
        assert await run(docs.publish({"documentId": doc})) == ["beforeCreate"]
        assert await run(docs.update({"documentId": doc, "data": {"title": "d"}, "status": "published"})) == [
            "beforeUpdate", "beforeDelete", "beforeCreate"]
        assert await run(docs.discardDraft({"documentId": doc})) == ["beforeDelete", "beforeCreate"]
        assert await run(docs.unpublish({"documentId": doc})) == ["beforeDelete"]
        assert await run(docs.delete({"documentId": doc})) == ["beforeDelete"]
        strapi.test_log = []
        await docs.findMany()
        await docs.count()
        assert [h for _, h in logged(strapi) if h.startswith("before")] == ["beforeFindMany", "beforeCount"]
        assert not any("Many" in h and "Find" not in h for _, h in logged(strapi))
