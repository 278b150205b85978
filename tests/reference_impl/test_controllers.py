"""Core controllers and services over HTTP: statuses, shapes, 404s, validation, single types and
``super()`` overrides."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import AppFactory

pytestmark = pytest.mark.anyio

MISSING_DATA = {"status": 400, "name": "ValidationError", "message": 'Missing "data" payload in the request body',
                "details": {}}
NOT_FOUND = {"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found", "details": {}}}


async def test_create_is_201_with_a_flat_published_entry(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.post("/api/articles", json={"data": {"title": "Hello", "views": 3, "secret": "hidden"}})
        assert r.status_code == 201
        body = r.json()
        assert body["meta"] == {}
        data = body["data"]
        assert isinstance(data["id"], int)
        assert re.fullmatch(r"[a-z][a-z0-9]{23}", data["documentId"])
        assert data["title"] == "Hello" and data["views"] == 3
        assert data["publishedAt"] is not None
        assert "secret" not in data
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["createdAt"])


async def test_find_and_find_one(make_app: AppFactory) -> None:
    async with make_app() as app:
        created = (await app.post("/api/articles", json={"data": {"title": "One"}})).json()["data"]
        await app.post("/api/articles?status=draft", json={"data": {"title": "Draft only"}})
        r = await app.get("/api/articles")
        assert r.status_code == 200
        assert [a["title"] for a in r.json()["data"]] == ["One"]
        assert r.json()["meta"] == {"pagination": {"page": 1, "pageSize": 25, "pageCount": 1, "total": 1}}
        drafts = (await app.get("/api/articles?status=draft")).json()["data"]
        assert sorted(a["title"] for a in drafts) == ["Draft only", "One"]
        one = await app.get(f"/api/articles/{created['documentId']}")
        assert one.status_code == 200
        assert one.json() == {"data": created, "meta": {}}


async def test_find_one_of_an_unknown_document_is_404(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.get("/api/articles/doesnotexist")
        assert (r.status_code, r.json()) == (404, NOT_FOUND)


async def test_update(make_app: AppFactory) -> None:
    async with make_app() as app:
        doc = (await app.post("/api/articles", json={"data": {"title": "Old"}})).json()["data"]["documentId"]
        r = await app.put(f"/api/articles/{doc}", json={"data": {"title": "New"}})
        assert r.status_code == 200
        assert r.json()["data"]["title"] == "New"
        assert r.json()["data"]["documentId"] == doc
        assert (await app.get(f"/api/articles/{doc}")).json()["data"]["title"] == "New"
        r = await app.put("/api/articles/doesnotexist", json={"data": {"title": "x"}})
        assert (r.status_code, r.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("payload", [{}, {"title": "no wrapper"}, {"data": "text"}, {"data": 5}, {"data": None}])
async def test_missing_data_is_400(make_app: AppFactory, payload: Any) -> None:
    async with make_app() as app:
        r = await app.post("/api/articles", json=payload)
        assert (r.status_code, r.json()["error"]) == (400, MISSING_DATA)
        r = await app.put("/api/articles/abc", json=payload)
        assert (r.status_code, r.json()["error"]) == (400, MISSING_DATA)


async def test_data_as_an_array_reaches_the_entity_validator(make_app: AppFactory) -> None:
    # Strapi checks "data" with lodash's isObject (arrays pass); yup's object() then refuses it.
    message = 'this must be a `object` type, but the final value was: `null` (cast from the value `[\n  "1"\n]`).'
    async with make_app() as app:
        r = await app.post("/api/articles", json={"data": [1]})
        assert (r.status_code, r.json()["error"]) == (400, {
            "status": 400, "name": "ValidationError", "message": message,
            "details": {"errors": [{"path": [], "message": message, "name": "ValidationError", "value": None}]}})


@pytest.mark.parametrize("key", ["id", "documentId", "nope"])
async def test_invalid_body_keys_are_400(make_app: AppFactory, key: str) -> None:
    async with make_app() as app:
        r = await app.post("/api/articles", json={"data": {"title": "t", key: 1}})
        assert r.status_code == 400
        # As Strapi 5.54.0: id/documentId have no path key, an unknown attribute has path null.
        details = {"key": key, "source": "body"} if key != "nope" else {"key": key, "path": None, "source": "body"}
        assert r.json()["error"] == {"status": 400, "name": "ValidationError", "message": f"Invalid key {key}",
                                     "details": details}


async def test_delete_is_204_even_for_an_unknown_document(make_app: AppFactory) -> None:
    async with make_app() as app:
        doc = (await app.post("/api/articles", json={"data": {"title": "x"}})).json()["data"]["documentId"]
        r = await app.delete(f"/api/articles/{doc}")
        assert (r.status_code, r.content) == (204, b"")
        assert (await app.get(f"/api/articles/{doc}")).status_code == 404
        assert await app.strapi.db.query("api::article.article").count() == 0
        assert (await app.delete("/api/articles/doesnotexist")).status_code == 204


async def test_single_type(make_app: AppFactory) -> None:
    async with make_app() as app:
        assert (await app.get("/api/homepage")).json() == NOT_FOUND
        r = await app.put("/api/homepage", json={"data": {"headline": "Hi"}})
        assert r.status_code == 200
        doc = r.json()["data"]["documentId"]
        r = await app.put("/api/homepage", json={"data": {"headline": "Hello"}})
        assert (r.status_code, r.json()["data"]["documentId"]) == (200, doc)
        assert (await app.get("/api/homepage")).json()["data"]["headline"] == "Hello"
        assert (await app.put("/api/homepage", json={})).json()["error"] == MISSING_DATA
        assert (await app.delete("/api/homepage")).status_code == 204
        assert (await app.get("/api/homepage")).status_code == 404
        assert (await app.request("POST", "/api/homepage", json={"data": {}})).status_code == 405


async def test_relations_by_document_id_and_populate(make_app: AppFactory) -> None:
    async with make_app() as app:
        author = (await app.post("/api/authors", json={"data": {"name": "Ann"}})).json()["data"]
        tags = [(await app.post("/api/tags", json={"data": {"label": t}})).json()["data"] for t in ("a", "b")]
        r = await app.post("/api/articles", json={"data": {"title": "T", "author": author["documentId"],
                                                           "tags": [t["documentId"] for t in tags]}})
        assert r.status_code == 201
        doc = r.json()["data"]["documentId"]
        got = (await app.get(f"/api/articles/{doc}?populate=*")).json()["data"]
        assert got["author"]["name"] == "Ann"
        assert [t["label"] for t in got["tags"]] == ["a", "b"]
        got = (await app.get(f"/api/articles/{doc}?populate[author][fields][0]=name")).json()["data"]
        assert set(got["author"]) == {"id", "documentId", "name"}
        assert "tags" not in got
        back = (await app.get(f"/api/authors/{author['documentId']}?populate=articles")).json()["data"]
        assert [a["title"] for a in back["articles"]] == ["T"]
        r = await app.post("/api/articles", json={"data": {"title": "T", "author": "nosuchdoc"}})
        assert r.status_code == 400


OVERRIDES: dict[str, Any] = {
    "src/api/article/controllers/article.py": """
        from reference_impl.controllers import CoreController
        from reference_impl.factories import create_core_controller

        class ArticleController(CoreController):
            async def find(self, ctx):
                result = await super().find(ctx)
                result["meta"]["custom"] = True
                return result

            async def hello(self, ctx):
                ctx.created({"hello": ctx.params.get("name")})

        controller = create_core_controller("api::article.article", ArticleController)
    """,
    "src/api/article/services/article.py": """
        from reference_impl.factories import create_core_service
        from reference_impl.services import CoreService

        class ArticleService(CoreService):
            async def create(self, params=None):
                params["data"]["title"] = params["data"]["title"].upper()
                return await super().create(params)

        service = create_core_service("api::article.article", ArticleService)
    """,
    "src/api/article/routes/custom.py": """
        routes = {"routes": [{"method": "POST", "path": "/hello/:name", "handler": "article.hello",
                              "config": {"auth": False}}]}
    """,
}


async def test_super_overrides_and_custom_actions(make_app: AppFactory) -> None:
    async with make_app(OVERRIDES) as app:
        r = await app.post("/api/articles", json={"data": {"title": "shout"}})
        assert (r.status_code, r.json()["data"]["title"]) == (201, "SHOUT")
        r = await app.get("/api/articles")
        assert r.json()["meta"]["custom"] is True
        assert r.json()["meta"]["pagination"]["total"] == 1
        r = await app.post("/api/hello/bob")
        assert (r.status_code, r.json()) == (201, {"hello": "bob"})


def test_core_factories_reject_classes_that_do_not_extend_the_core() -> None:
    from reference_impl.factories import create_core_controller, create_core_service

    with pytest.raises(TypeError):
        create_core_controller("api::x.x", dict)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        create_core_service("api::x.x", dict)  # type: ignore[arg-type]


async def test_core_router_only_and_except(make_app: AppFactory) -> None:
    files = {"src/api/tag/routes/tag.py": """
        from reference_impl.factories import create_core_router
        routes = create_core_router("api::tag.tag", only=["find", "create"])
    """, "src/api/author/routes/author.py": """
        from reference_impl.factories import create_core_router
        routes = create_core_router("api::author.author", except_=["delete"], prefix="/v2")
    """}
    async with make_app(files) as app:
        assert (await app.get("/api/tags")).status_code == 200
        assert (await app.get("/api/tags/x")).status_code == 404
        assert (await app.get("/api/v2/authors")).status_code == 200
        assert (await app.delete("/api/v2/authors/x")).status_code == 405
