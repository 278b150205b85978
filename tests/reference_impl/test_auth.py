"""Content-API authentication and authorization: Public role, API tokens, JWT users, auth: false."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AppFactory

pytestmark = pytest.mark.anyio

FULL = "full-" + "f" * 40
READ = "read-" + "r" * 40
CUSTOM = "custom-" + "c" * 40
EXPIRED = "expired-" + "e" * 40

AUTH: dict[str, Any] = {
    "src/index.py": f"""
        def bootstrap(strapi):
            strapi.grant_public(["api::article.article.find", "api::who.who.me"])
            tokens = strapi.auth.api_tokens
            tokens.create("full", "full-access", access_key={FULL!r})
            tokens.create("read", "read-only", access_key={READ!r})
            tokens.create("custom", "custom", ["api::article.article.create"], access_key={CUSTOM!r})
            tokens.create("expired", "full-access", access_key={EXPIRED!r}, lifespan_s=-1)
            up = strapi.plugin("users-permissions")
            up.add_user("ann", "ann@example.com", "Secret123")
            blocked = up.add_user("bob", "bob@example.com", "Secret123")
            blocked.blocked = True
            up.grant("authenticated", ["api::article.article.find", "api::article.article.create", "api::who.who.me"])
    """,
    "src/api/who/routes/who.py": """
        def me(ctx):
            auth = ctx.state.get("auth")
            return {"isAuthenticated": ctx.state.get("isAuthenticated", False),
                    "strategy": auth["strategy"]["name"] if auth else None,
                    "user": (ctx.state.get("user") or {}).get("username"),
                    "hasAuth": auth is not None}

        routes = {"routes": [
            {"method": "GET", "path": "/who", "handler": "who.me"},
            {"method": "GET", "path": "/open", "handler": me, "config": {"auth": False}},
        ]}
    """,
    "src/api/who/controllers/who.py": """
        class Who:
            def __init__(self, strapi):
                pass

            def me(self, ctx):
                auth = ctx.state.get("auth")
                return {"isAuthenticated": ctx.state.get("isAuthenticated", False),
                        "strategy": auth["strategy"]["name"] if auth else None,
                        "user": (ctx.state.get("user") or {}).get("username"),
                        "hasAuth": auth is not None}

        controller = Who
    """,
}
FORBIDDEN = {"status": 403, "name": "ForbiddenError", "message": "Forbidden", "details": {}}
MISSING = {"status": 401, "name": "UnauthorizedError", "message": "Missing or invalid credentials", "details": {}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def jwt_for(app: Any, identifier: str = "ann", password: str = "Secret123") -> str:
    result = app.strapi.plugin("users-permissions").login(identifier, password)
    return str(result["jwt"])


async def test_public_role_permissions_apply_to_anonymous_requests(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        assert (await app.get("/api/articles")).status_code == 200
        r = await app.post("/api/articles", json={"data": {"title": "x"}})
        assert (r.status_code, r.json()["error"]) == (403, FORBIDDEN)
        who = (await app.get("/api/who")).json()
        assert who == {"isAuthenticated": True, "strategy": "users-permissions", "user": None, "hasAuth": True}


async def test_no_public_permission_at_all_is_401_missing_credentials(make_app: AppFactory) -> None:
    async with make_app({"src/index.py": "def bootstrap(strapi):\n    pass\n"}) as app:
        r = await app.get("/api/articles")
        assert (r.status_code, r.json()["error"]) == (401, MISSING)


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer a.b.c", "Bearer " + "x" * 200])
async def test_unknown_bearer_is_401_missing_or_invalid_credentials(make_app: AppFactory, header: str) -> None:
    async with make_app(AUTH) as app:
        r = await app.get("/api/articles", headers={"Authorization": header})
        assert (r.status_code, r.json()["error"]) == (401, MISSING)


async def test_read_only_token_reads_but_cannot_write(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        assert (await app.get("/api/tags", headers=bearer(READ))).status_code == 200
        r = await app.post("/api/tags", json={"data": {"label": "x"}}, headers=bearer(READ))
        assert (r.status_code, r.json()["error"]) == (403, FORBIDDEN)
        r = await app.delete("/api/tags/abc", headers=bearer(READ))
        assert r.status_code == 403


async def test_full_access_token_does_everything_and_sets_no_user(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        r = await app.post("/api/tags", json={"data": {"label": "x"}}, headers=bearer(FULL))
        assert r.status_code == 201
        doc = r.json()["data"]["documentId"]
        assert (await app.delete(f"/api/tags/{doc}", headers=bearer(FULL))).status_code == 204
        who = (await app.get("/api/who", headers=bearer(FULL))).json()
        assert who == {"isAuthenticated": True, "strategy": "api-token", "user": None, "hasAuth": True}


async def test_custom_token_has_exactly_its_permissions(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        assert (await app.post("/api/articles", json={"data": {"title": "t"}}, headers=bearer(CUSTOM))).status_code == 201
        assert (await app.get("/api/articles", headers=bearer(CUSTOM))).status_code == 403


async def test_expired_token_is_401(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        r = await app.get("/api/articles", headers=bearer(EXPIRED))
        assert r.status_code == 401
        assert r.json()["error"]["message"] == "Token expired"


async def test_jwt_user_sets_state_user_and_uses_its_role(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        token = await jwt_for(app)
        who = (await app.get("/api/who", headers=bearer(token))).json()
        assert who == {"isAuthenticated": True, "strategy": "users-permissions", "user": "ann", "hasAuth": True}
        assert (await app.post("/api/articles", json={"data": {"title": "t"}}, headers=bearer(token))).status_code == 201
        r = await app.delete("/api/articles/whatever", headers=bearer(token))
        assert (r.status_code, r.json()["error"]) == (403, FORBIDDEN)


async def test_blocked_user_is_401(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        up = app.strapi.plugin("users-permissions")
        bob = next(u for u in up.users.values() if u.username == "bob")
        r = await app.get("/api/who", headers=bearer(up.issue(bob)))
        assert r.status_code == 401


async def test_wrong_password_is_a_validation_error(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        with pytest.raises(Exception, match="Invalid identifier or password"):
            await jwt_for(app, password="wrong")


async def test_auth_false_routes_skip_authentication_even_with_a_valid_jwt(make_app: AppFactory) -> None:
    async with make_app(AUTH) as app:
        token = await jwt_for(app)
        for headers in ({}, bearer(token), bearer("garbage")):
            r = await app.get("/api/open", headers=headers)
            assert r.status_code == 200
            assert r.json() == {"isAuthenticated": False, "strategy": None, "user": None, "hasAuth": False}


async def test_a_401_or_403_stops_before_policies(make_app: AppFactory) -> None:
    files = {**AUTH, "src/policies/rec.py": """
        from tests.reference_impl.helpers import log

        def policy(policy_context, config, strapi):
            log(strapi, "policy")
    """, "src/api/article/routes/article.py": """
        from reference_impl.factories import create_core_router
        routes = create_core_router("api::article.article", config={
            a: {"policies": ["global::rec"]} for a in ("find", "findOne", "create", "update", "delete")})
    """}
    from .helpers import logged

    async with make_app(files) as app:
        assert (await app.post("/api/articles", json={"data": {}})).status_code == 403
        assert (await app.get("/api/articles", headers=bearer("garbage"))).status_code == 401
        assert logged(app.strapi) == []
        assert (await app.get("/api/articles")).status_code == 200
        assert logged(app.strapi) == ["policy"]
