"""The route chain: authorize's translation of 401/403 from anywhere downstream, PolicyError
passthrough, other errors reaching strapi::errors, and the return-body step."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AppFactory

pytestmark = pytest.mark.anyio

# One route whose every layer (policy, route middleware, controller, service, Document Service
# middleware, lifecycle hook) throws the error the query names when ?where=<layer>.
PROBE: dict[str, Any] = {
    "src/policies/check.py": """
        from tests.reference_impl.helpers import maybe_raise

        def policy(policy_context, config, strapi):
            maybe_raise("policy")
            return True
    """,
    "src/middlewares/gate.py": """
        from tests.reference_impl.helpers import maybe_raise

        def middleware(config, strapi):
            async def gate(ctx, next):
                maybe_raise("global")
                return await next()
            return gate
    """,
    "src/api/probe/middlewares/mw.py": """
        from tests.reference_impl.helpers import maybe_raise

        def middleware(config, strapi):
            async def mw(ctx, next):
                maybe_raise("middleware")
                return await next()
            return mw
    """,
    "src/api/probe/services/probe.py": """
        from tests.reference_impl.helpers import maybe_raise

        class ProbeService:
            def __init__(self, strapi):
                self.strapi = strapi

            async def run(self):
                maybe_raise("service")
                return await self.strapi.documents("api::tag.tag").findMany()

        service = ProbeService
    """,
    "src/api/probe/controllers/probe.py": """
        from tests.reference_impl.helpers import maybe_raise

        class ProbeController:
            def __init__(self, strapi):
                self.strapi = strapi

            async def run(self, ctx):
                maybe_raise("controller")
                return {"data": await self.strapi.service("api::probe.probe").run()}

        controller = ProbeController
    """,
    "src/api/probe/routes/probe.py": """
        routes = {"routes": [{"method": "GET", "path": "/probe", "handler": "probe.run", "config": {
            "auth": False, "policies": ["global::check"], "middlewares": ["api::probe.mw"]}}]}
    """,
    "config/middlewares.py": """
        config = ["strapi::logger", "strapi::errors", "strapi::security", "strapi::cors", "strapi::poweredBy",
                  "strapi::query", "strapi::body", "strapi::session", "strapi::favicon", "strapi::public",
                  "global::gate"]
    """,
    "src/index.py": """
        from tests.reference_impl.helpers import maybe_raise

        async def docmw(context, next):
            maybe_raise("docmw")
            return await next()

        def register(strapi):
            strapi.documents.use(docmw)
            strapi.db.lifecycles.subscribe(lambda event: maybe_raise("lifecycle"))
    """,
}
LAYERS = ("policy", "middleware", "controller", "service", "docmw", "lifecycle")


async def test_the_probe_route_answers_when_nothing_throws(make_app: AppFactory) -> None:
    async with make_app(PROBE) as app:
        r = await app.get("/api/probe")
        assert r.status_code == 200
        assert r.json() == {"data": []}


async def test_forbidden_and_unauthorized_anywhere_downstream_lose_their_message(make_app: AppFactory) -> None:
    async with make_app(PROBE) as app:
        for layer in LAYERS:
            r = await app.get(f"/api/probe?where={layer}&error=ForbiddenError&message=custom&details[a]=1")
            assert (layer, r.status_code, r.json()) == (layer, 403, {"data": None, "error": {
                "status": 403, "name": "ForbiddenError", "message": "Forbidden", "details": {}}})
            r = await app.get(f"/api/probe?where={layer}&error=UnauthorizedError&message=custom")
            assert (layer, r.status_code, r.json()["error"]) == (layer, 401, {
                "status": 401, "name": "UnauthorizedError", "message": "Unauthorized", "details": {}})


async def test_policy_error_passes_through_with_its_message_and_details(make_app: AppFactory) -> None:
    async with make_app(PROBE) as app:
        for layer in LAYERS:
            r = await app.get(f"/api/probe?where={layer}&error=PolicyError&message=Nope&details[why]=x")
            assert (layer, r.status_code, r.json()["error"]) == (layer, 403, {
                "status": 403, "name": "PolicyError", "message": "Nope", "details": {"why": "x"}})


async def test_other_application_errors_reach_strapi_errors_unchanged(make_app: AppFactory) -> None:
    async with make_app(PROBE) as app:
        for layer in LAYERS:
            r = await app.get(f"/api/probe?where={layer}&error=ValidationError&message=bad&details[f]=1")
            assert (layer, r.status_code, r.json()["error"]) == (layer, 400, {
                "status": 400, "name": "ValidationError", "message": "bad", "details": {"f": "1"}})
            r = await app.get(f"/api/probe?where={layer}&error=NotFoundError")
            assert (layer, r.status_code, r.json()["error"]["message"]) == (layer, 404, "Entity not found")


async def test_plain_errors_are_a_500_without_details(make_app: AppFactory) -> None:
    async with make_app(PROBE) as app:
        for layer in LAYERS:
            r = await app.get(f"/api/probe?where={layer}&error=Error&message=secret")
            assert (layer, r.status_code, r.json()) == (layer, 500, {"data": None, "error": {
                "status": 500, "name": "InternalServerError", "message": "Internal Server Error"}})


async def test_a_global_middleware_is_outside_authorize_and_keeps_its_message(make_app: AppFactory) -> None:
    async with make_app(PROBE) as app:
        r = await app.get("/api/probe?where=global&error=ForbiddenError&message=custom")
        assert r.status_code == 403
        assert r.json()["error"] == {"status": 403, "name": "ForbiddenError", "message": "custom", "details": {}}


async def test_powered_by_is_missing_on_thrown_errors_only(make_app: AppFactory) -> None:
    async with make_app(PROBE) as app:
        assert (await app.get("/api/probe")).headers["x-powered-by"] == "Strapi <strapi.io>"
        assert "x-powered-by" not in (await app.get("/api/probe?where=controller&error=ValidationError")).headers
        assert (await app.get("/api/probe?where=policy&error=ForbiddenError")).headers["x-powered-by"]


RETURN_BODY: dict[str, Any] = {
    "src/api/rb/middlewares/short.py": """
        def middleware(config, strapi):
            async def short(ctx, next):
                mode = ctx.query.get("mw")
                if mode == "return":
                    return {"from": "middleware"}
                if mode == "body":
                    ctx.body = {"from": "middleware-body"}
                    return None
                if mode == "status":
                    ctx.status = 202
                    return None
                return await next()
            return short
    """,
    "src/api/rb/routes/rb.py": """
        async def handler(ctx):
            mode = ctx.query.get("c")
            if mode == "none":
                return None
            if mode == "both":
                ctx.body = {"set": "body"}
                return {"returned": "value"}
            if mode == "status":
                ctx.status = 201
                return {"created": True}
            return {"returned": "value"}

        routes = {"routes": [{"method": "GET", "path": "/rb", "handler": handler,
                              "config": {"auth": False, "middlewares": ["api::rb.short"]}}]}
    """,
}


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        ("", 200, {"returned": "value"}),
        ("c=status", 201, {"created": True}),
        ("c=both", 200, {"set": "body"}),
        ("c=none", 404, {"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found",
                                                 "details": {}}}),
        ("mw=return", 404, None),
        ("mw=body", 200, {"from": "middleware-body"}),
    ],
)
async def test_return_body(make_app: AppFactory, query: str, status: int, body: Any) -> None:
    async with make_app(RETURN_BODY) as app:
        r = await app.get(f"/api/rb?{query}")
        assert r.status_code == status
        if body is not None:
            assert r.json() == body
        else:
            assert r.json()["error"]["name"] == "NotFoundError"


async def test_status_without_body_sends_the_reason_phrase(make_app: AppFactory) -> None:
    async with make_app(RETURN_BODY) as app:
        r = await app.get("/api/rb?mw=status")
        assert r.status_code == 202
        assert r.text == "Accepted"
