"""The Document Service: every action, draft and publish, and its middlewares."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AppFactory
from .helpers import log, logged

pytestmark = pytest.mark.anyio

ARTICLE = "api::article.article"
TAG = "api::tag.tag"


async def rows(app: Any, document_id: str) -> list[dict[str, Any]]:
    return await app.strapi.db.query(ARTICLE).findMany({"where": {"documentId": document_id}, "orderBy": ["id"]})


async def test_create_makes_a_draft_and_reads_default_to_draft(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        draft = await docs.create({"data": {"title": "T", "id": 99, "documentId": "forced"}})
        assert draft["publishedAt"] is None
        assert draft["documentId"] != "forced" and draft["id"] != 99
        assert (await docs.findOne({"documentId": draft["documentId"]}))["title"] == "T"
        assert await docs.findOne({"documentId": draft["documentId"], "status": "published"}) is None
        assert await docs.count() == 1
        assert await docs.count({"status": "published"}) == 0
        assert await docs.findOne({"documentId": "unknown"}) is None


async def test_create_published_writes_a_draft_and_a_published_row(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        entry = await docs.create({"data": {"title": "T"}, "status": "published"})
        assert entry["publishedAt"] is not None
        versions = await rows(app, entry["documentId"])
        assert [r["publishedAt"] is None for r in versions] == [True, False]
        assert await docs.count({"status": "published"}) == 1


async def test_update_changes_the_draft_and_returns_none_for_unknown(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        entry = await docs.create({"data": {"title": "A"}, "status": "published"})
        doc = entry["documentId"]
        updated = await docs.update({"documentId": doc, "data": {"title": "B"}})
        assert updated["title"] == "B" and updated["publishedAt"] is None
        assert (await docs.findOne({"documentId": doc, "status": "published"}))["title"] == "A"
        republished = await docs.update({"documentId": doc, "data": {"title": "C"}, "status": "published"})
        assert republished["title"] == "C" and republished["publishedAt"] is not None
        assert len(await rows(app, doc)) == 2
        assert await docs.update({"documentId": "unknown", "data": {"title": "x"}}) is None


async def test_publish_unpublish_discard_draft(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        doc = (await docs.create({"data": {"title": "v1"}}))["documentId"]
        published = await docs.publish({"documentId": doc})
        assert published["documentId"] == doc
        assert [e["title"] for e in published["entries"]] == ["v1"]
        assert published["entries"][0]["publishedAt"] is not None
        await docs.update({"documentId": doc, "data": {"title": "v2"}})
        discarded = await docs.discardDraft({"documentId": doc})
        assert [e["title"] for e in discarded["entries"]] == ["v1"]
        assert discarded["entries"][0]["publishedAt"] is None
        assert (await docs.findOne({"documentId": doc}))["title"] == "v1"
        unpublished = await docs.unpublish({"documentId": doc})
        assert [e["publishedAt"] is not None for e in unpublished["entries"]] == [True]
        assert await docs.findOne({"documentId": doc, "status": "published"}) is None
        assert (await docs.findOne({"documentId": doc}))["title"] == "v1"
        assert (await docs.discardDraft({"documentId": doc}))["entries"] == []
        assert (await docs.publish({"documentId": "unknown"}))["entries"] == []


async def test_publish_keeps_relations(make_app: AppFactory) -> None:
    async with make_app() as app:
        tag = await app.strapi.documents(TAG).create({"data": {"label": "x"}})
        docs = app.strapi.documents(ARTICLE)
        doc = (await docs.create({"data": {"title": "T", "tags": [tag["documentId"]]}}))["documentId"]
        await docs.publish({"documentId": doc})
        got = await docs.findOne({"documentId": doc, "status": "published", "populate": ["tags"]})
        assert [t["label"] for t in got["tags"]] == ["x"]


async def test_delete_removes_every_row_and_rejects_draft_status(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        doc = (await docs.create({"data": {"title": "T"}, "status": "published"}))["documentId"]
        with pytest.raises(RuntimeError, match="Cannot delete a draft document"):
            await docs.delete({"documentId": doc, "status": "draft"})
        result = await docs.delete({"documentId": doc})
        assert result["documentId"] == doc and len(result["entries"]) == 2
        assert await rows(app, doc) == []


async def test_find_many_first_and_count_with_params(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        for i in range(5):
            await docs.create({"data": {"title": f"t{i}", "views": i}})
        found = await docs.findMany({"filters": {"views": {"$gte": 1}}, "sort": "views:desc", "start": 1, "limit": 2,
                                     "fields": ["title"]})
        assert [(f["title"], set(f)) for f in found] == [("t3", {"id", "documentId", "title"}),
                                                         ("t2", {"id", "documentId", "title"})]
        paged = await docs.findMany({"sort": ["views"], "page": 2, "pageSize": 2})
        assert [f["views"] for f in paged] == [2, 3]
        assert (await docs.findFirst({"sort": {"views": "desc"}}))["views"] == 4
        assert await docs.count({"filters": {"views": {"$lt": 2}}}) == 2


async def test_draft_and_publish_actions_exist_only_on_draft_and_publish_types(make_app: AppFactory) -> None:
    async with make_app() as app:
        tags = app.strapi.documents(TAG)
        assert tags.publish is None and tags.unpublish is None and tags.discardDraft is None
        publish: Any = tags.publish
        with pytest.raises(TypeError):
            await publish({"documentId": "x"})
        entry = await tags.create({"data": {"label": "l"}})
        assert entry["publishedAt"] is not None  # types without D&P store one published row


MIDDLEWARES = {"src/index.py": """
    from tests.reference_impl.helpers import log

    def tracer(name):
        async def mw(context, next):
            log(STRAPI[0], (name, "in", context["action"], context["uid"]))
            result = await next()
            log(STRAPI[0], (name, "out", context["action"]))
            return result
        return mw

    STRAPI = []

    def register(strapi):
        STRAPI.append(strapi)
        strapi.documents.use(tracer("first"))
        strapi.documents.use(tracer("second"))
        strapi.grant_public(["api::article.article.find", "api::article.article.create"])

    def bootstrap(strapi):
        pass
"""}


async def test_middleware_order_is_registration_order_onion_style(make_app: AppFactory) -> None:
    async with make_app(MIDDLEWARES) as app:
        await app.strapi.documents(ARTICLE).findMany()
        assert logged(app.strapi) == [("first", "in", "findMany", ARTICLE), ("second", "in", "findMany", ARTICLE),
                                      ("second", "out", "findMany"), ("first", "out", "findMany")]


async def test_rest_requests_as_seen_by_document_middlewares(make_app: AppFactory) -> None:
    async with make_app(MIDDLEWARES) as app:
        await app.get("/api/articles")
        assert [e[2] for e in logged(app.strapi) if e[0] == "first" and e[1] == "in"] == ["findMany", "count"]
        app.strapi.test_log.clear()
        await app.post("/api/articles", json={"data": {"title": "x"}})
        # Publishing during a REST create is internal: no publish action reaches the middlewares.
        assert [e[2] for e in logged(app.strapi) if e[0] == "first" and e[1] == "in"] == ["create"]


async def test_params_mutation_and_replacement_reach_the_query(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        for title in ("keep", "drop"):
            await docs.create({"data": {"title": title}})

        async def only_keep(context: dict[str, Any], next: Any) -> Any:
            if context["action"] == "findMany":
                context["params"]["filters"] = {"title": "keep"}
            return await next()

        unsubscribe = app.strapi.documents.use(only_keep)
        caller_params: dict[str, Any] = {}
        assert [e["title"] for e in await docs.findMany(caller_params)] == ["keep"]
        assert caller_params == {"filters": {"title": "keep"}}  # the caller's own object was mutated
        unsubscribe()

        async def replace(context: dict[str, Any], next: Any) -> Any:
            context["params"] = {"filters": {"title": "drop"}, "fields": ["title"]}
            return await next()

        unsubscribe = app.strapi.documents.use(replace)
        assert [e["title"] for e in await docs.findMany({"filters": {"title": "keep"}})] == ["drop"]
        unsubscribe()
        assert len(await docs.findMany()) == 2


async def test_the_outermost_middleware_return_is_what_the_caller_gets(make_app: AppFactory) -> None:
    async with make_app() as app:
        docs = app.strapi.documents(ARTICLE)
        await docs.create({"data": {"title": "x"}})

        async def wrap(context: dict[str, Any], next: Any) -> Any:
            return {"wrapped": await next()}

        async def halt(context: dict[str, Any], next: Any) -> Any:
            log(app.strapi, "halt")
            return "halted"

        app.strapi.documents.use(wrap)
        unsubscribe_halt = app.strapi.documents.use(halt)
        assert await docs.create({"data": {"title": "never"}}) == {"wrapped": "halted"}
        unsubscribe_halt()
        unsubscribe_halt()  # unsubscribing twice is harmless
        result = await docs.findMany()
        assert [e["title"] for e in result["wrapped"]] == ["x"]


async def test_nested_calls_run_the_chain_again(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi

        async def count_too(context: dict[str, Any], next: Any) -> Any:
            log(strapi, context["action"])
            result = await next()
            if context["action"] == "findMany":
                log(strapi, ("count", await strapi.documents(context["uid"]).count()))
            return result

        strapi.documents.use(count_too)
        await strapi.documents(ARTICLE).findMany()
        assert logged(strapi) == ["findMany", "count", ("count", 0)]


async def test_a_throwing_action_rolls_back_the_transaction(make_app: AppFactory) -> None:
    async with make_app() as app:
        def boom(event: Any) -> None:
            if event.action == "afterCreate":
                raise ValueError("rollback please")

        app.strapi.db.lifecycles.subscribe({"models": [ARTICLE], "afterCreate": boom})
        with pytest.raises(ValueError):
            await app.strapi.documents(ARTICLE).create({"data": {"title": "x"}})
        assert await app.strapi.db.query(ARTICLE).count() == 0


async def test_lifecycle_hooks_run_inside_the_document_middlewares(make_app: AppFactory) -> None:
    async with make_app() as app:
        strapi = app.strapi

        async def mw(context: dict[str, Any], next: Any) -> Any:
            log(strapi, "docmw:in")
            result = await next()
            log(strapi, "docmw:out")
            return result

        strapi.documents.use(mw)
        strapi.db.lifecycles.subscribe({"models": [ARTICLE], "beforeFindMany": lambda e: log(strapi, "before"),
                                        "afterFindMany": lambda e: log(strapi, "after")})
        await strapi.documents(ARTICLE).findMany()
        assert logged(strapi) == ["docmw:in", "before", "after", "docmw:out"]


async def test_a_deleted_rows_id_is_never_given_again(make_app: AppFactory) -> None:
    """Ids only grow, as with knex's increments() (AUTOINCREMENT on SQLite, a sequence on PostgreSQL):
    a client that deleted id N must not find another entry at id N."""
    async with make_app() as app:
        docs = app.strapi.documents(TAG)
        first = await docs.create({"data": {"label": "first"}})
        last = await docs.create({"data": {"label": "last"}})
        await docs.delete({"documentId": last["documentId"]})
        again = await docs.create({"data": {"label": "again"}})
        assert again["id"] > last["id"] > first["id"]
