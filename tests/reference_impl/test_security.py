"""Security of the reference implementation: token and JWT checks, read-only tokens, private
attributes, CORS and security headers as Strapi 5.54.0 sends them, and the login rate limit the
users-permissions documentation promises.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa

from conformance.webhooks import WebhookReceiver, fetch_deliveries
from reference_impl import auth as auth_module

from .conftest import AppFactory, RefApp

pytestmark = pytest.mark.anyio

FULL = "full-" + "f" * 40
READ = "read-" + "r" * 40
SECRET = "reference-implementation-jwt-secret-0123456789"
NOTES = Path(__file__).resolve().parents[2] / "conformance" / "targets" / "strapi" / "NOTES.md"

PROJECT: dict[str, Any] = {
    "src/index.py": f"""
        from tests.reference_impl.conftest import ALL_ACTIONS

        def bootstrap(strapi):
            strapi.grant_public(["api::article.article.find"])
            strapi.auth.api_tokens.create("full", "full-access", access_key={FULL!r})
            strapi.auth.api_tokens.create("read", "read-only", access_key={READ!r})
            up = strapi.plugin("users-permissions")
            up.add_user("ann", "ann@example.com", "Secret123")
            up.grant("authenticated", ALL_ACTIONS)
    """,
    # A custom write route with no scope (a plain function handler): no read may reach it.
    "src/api/custom/routes/custom.py": """
        async def touch(ctx):
            await ctx.app.strapi.documents("api::tag.tag").create({"data": {"label": "touched"}})
            ctx.status = 201
            ctx.body = {"data": {"touched": True}}

        routes = {"routes": [{"method": "POST", "path": "/custom/touch", "handler": touch, "config": {}}]}
    """,
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert body["data"] is None and body["error"]["status"] == r.status_code, body
    return dict(body["error"])


# -- API tokens and JWTs ----------------------------------------------------------------------------
async def test_api_tokens_are_compared_in_constant_time(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = auth_module.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    async with make_app(PROJECT) as app:
        monkeypatch.setattr(auth_module.hmac, "compare_digest", spy)
        stored = len(app.strapi.auth.api_tokens.tokens)
        assert (await app.get("/api/tags", headers=bearer(FULL))).status_code == 200
        # Every stored hash is compared, the match included, whatever the order: no early exit.
        assert len(calls) == stored == 2
        calls.clear()
        assert (await app.get("/api/tags", headers=bearer("nope"))).status_code == 401
        assert len(calls) == stored


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_expired_and_unsigned_jwts_are_401(make_app: AppFactory) -> None:
    now = int(time.time())
    unsigned = jwt.encode({"id": 1, "iat": now}, key="", algorithm="none")
    forged = {
        "alg none": unsigned,
        "alg none, no signature part": unsigned.rstrip("."),
        "wrong secret": jwt.encode({"id": 1, "iat": now}, "not-the-secret", algorithm="HS256"),
        "expired": jwt.encode({"id": 1, "iat": now - 100, "exp": now - 10}, SECRET, algorithm="HS256"),
        "another algorithm": jwt.encode({"id": 1}, SECRET, algorithm="HS512"),
        "id not a number": jwt.encode({"id": "abc"}, SECRET, algorithm="HS256"),
        "id an object": jwt.encode({"id": {"$gt": 0}}, SECRET, algorithm="HS256"),
        "id true": jwt.encode({"id": True}, SECRET, algorithm="HS256"),
        "no such user": jwt.encode({"id": 99}, SECRET, algorithm="HS256"),
        "garbage": "a.b.c",
    }
    async with make_app(PROJECT) as app:
        good = jwt.encode({"id": 1, "iat": now, "exp": now + 60}, SECRET, algorithm="HS256")
        assert (await app.get("/api/tags", headers=bearer(good))).status_code == 200
        for name, token in forged.items():
            r = await app.get("/api/tags", headers=bearer(token))
            assert r.status_code == 401, (name, r.status_code, r.text)
            assert error(r)["name"] == "UnauthorizedError", name


async def test_a_read_only_token_never_writes_whatever_the_route(make_app: AppFactory) -> None:
    async with make_app(PROJECT) as app:
        created = await app.post("/api/tags", json={"data": {"label": "kept"}}, headers=bearer(FULL))
        doc = created.json()["data"]["documentId"]
        before = table_counts(app)
        tried = []
        for route in app.strapi.router.routes:
            if route.method in ("GET", "HEAD", "ALL") or "/auth/" in route.path:
                continue
            path = re.sub(r":\w+", doc, route.path)
            r = await app.request(route.method, path, json={"data": {"label": "written"}}, headers=bearer(READ))
            tried.append(f"{route.method} {route.path}")
            assert r.status_code == 403, (route.method, route.path, r.status_code, r.text)
            assert error(r)["name"] == "ForbiddenError"
        assert "POST /api/custom/touch" in tried and len(tried) >= 10, tried
        assert table_counts(app) == before
        labels = [t["label"] for t in (await app.get("/api/tags", headers=bearer(READ))).json()["data"]]
        assert labels == ["kept"]


def table_counts(app: RefApp) -> dict[str, int]:
    db = app.strapi.db
    with db.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in db.metadata.sorted_tables}


# -- private attributes -------------------------------------------------------------------------------
async def test_private_attributes_never_leak(make_app: AppFactory) -> None:
    receiver = WebhookReceiver().start()
    project = {**PROJECT, "src/index.py": PROJECT["src/index.py"] + f"""
            strapi.webhook_runner.create_webhook("all", {receiver.hook_url!r},
                ["entry.create", "entry.update", "entry.delete", "entry.publish", "entry.unpublish"])
    """}
    try:
        async with make_app(project) as app:
            h = bearer(FULL)
            author = (await app.post("/api/authors", json={"data": {"name": "A"}}, headers=h)).json()["data"]
            r = await app.post("/api/articles?status=published",
                               json={"data": {"title": "T", "secret": "s3cr3t-value", "author": author["documentId"]}},
                               headers=h)
            assert r.status_code == 201
            doc = r.json()["data"]["documentId"]
            answers = [r]
            for target in ("/api/articles", f"/api/articles/{doc}", "/api/articles?populate=*",
                           "/api/articles?fields=*", "/api/articles?populate[author][populate]=*",
                           "/api/authors?populate=*", "/api/authors?populate[articles][populate]=*",
                           "/api/articles?status=draft", "/api/articles?fields[0]=secret", "/api/articles?sort=secret",
                           "/api/articles?filters[secret][$eq]=s3cr3t-value", "/api/articles?populate[0]=secret",
                           f"/api/authors/{author['documentId']}?populate[articles][fields][0]=secret"):
                answers.append(await app.get(target, headers=h))
                answers.append(await app.get(target, headers={**h, "Strapi-Response-Format": "v4"}))
            answers.append(await app.put(f"/api/articles/{doc}", json={"data": {"title": "U", "secret": "s3cr3t-value"}},
                                         headers=h))
            answers.append(await app.delete(f"/api/articles/{doc}", headers=h))
            for r in answers:
                assert r.status_code < 500, r.text
                assert "s3cr3t-value" not in r.text, (str(r.request.url), r.text)
                assert '"secret":' not in r.text, (str(r.request.url), r.text)
            deadline = time.monotonic() + 5
            while len(deliveries := await asyncio.to_thread(fetch_deliveries, receiver.events_url)) < 3:
                assert time.monotonic() < deadline, deliveries
                await asyncio.sleep(0.05)
            for delivery in deliveries:
                text = str(delivery["body"])
                assert "s3cr3t-value" not in text and "'secret'" not in text, delivery
    finally:
        receiver.stop()


# -- CORS and security headers: what Strapi 5.54.0 answers (conformance/targets/strapi/NOTES.md) -------
def strapi_csp() -> str:
    match = re.search(r"`Content-Security-Policy: ([^`]+)`", NOTES.read_text(encoding="utf-8"))
    assert match, "NOTES.md records Strapi's Content-Security-Policy"
    return match.group(1)


STRAPI_HEADERS = {
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
    "x-permitted-cross-domain-policies": "none",
    "vary": "Origin",
    "access-control-allow-credentials": "true",
}


async def test_security_and_cors_headers_are_strapis(make_app: AppFactory) -> None:
    async with make_app(PROJECT) as app:
        for r in (await app.get("/api/articles"), await app.get("/api/nothing"), await app.get("/_health"),
                  await app.post("/api/tags", content=b"{", headers={"Content-Type": "application/json"})):
            assert r.headers["content-security-policy"] == strapi_csp()
            for name, value in STRAPI_HEADERS.items():
                assert r.headers.get(name) == value, (r.request.url, name, r.headers.get(name))
            # No Origin: @koa/cors turns the credentialed "*" into the request's (absent) origin.
            assert r.headers.get("access-control-allow-origin") == ""
            assert "x-xss-protection" not in r.headers
        r = await app.get("/api/articles", headers={"Origin": "http://example.com"})
        assert r.headers["access-control-allow-origin"] == "http://example.com"
        assert r.headers["vary"] == "Origin"


async def test_cors_preflight_and_refused_origins(make_app: AppFactory) -> None:
    config = ('config = ["strapi::logger", "strapi::errors", "strapi::security", '
              '{"name": "strapi::cors", "config": {"origin": ["https://ok.example"]}}, "strapi::poweredBy", '
              '"strapi::query", "strapi::body", "strapi::session", "strapi::favicon", "strapi::public"]\n')
    async with make_app({**PROJECT, "config/middlewares.py": config}) as app:
        pre = await app.request("OPTIONS", "/api/articles", headers={"Origin": "https://ok.example",
                                                                  "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-origin"] == "https://ok.example"
        assert pre.headers["access-control-allow-methods"] == "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"
        evil = {"Origin": "https://evil.example"}
        r = await app.get("/api/articles", headers=evil)
        assert r.status_code == 200 and r.headers["vary"] == "Origin"
        assert "access-control-allow-origin" not in r.headers and "access-control-allow-credentials" not in r.headers
        pre = await app.request("OPTIONS", "/api/articles", headers={**evil, "Access-Control-Request-Method": "DELETE"})
        assert pre.status_code != 204 and "access-control-allow-origin" not in pre.headers


# -- the login rate limit -----------------------------------------------------------------------------
async def login(app: RefApp, password: str = "wrong") -> httpx.Response:
    return await app.post("/api/auth/local", json={"identifier": "ann", "password": password})


async def test_login_is_rate_limited_as_documented(make_app: AppFactory) -> None:
    async with make_app(PROJECT) as app:
        answers = [await login(app, "Secret123" if i == 0 else "wrong") for i in range(5)]
        assert [r.status_code for r in answers] == [200, 400, 400, 400, 400]
        assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["4", "3", "2", "1", "0"]
        assert {r.headers["x-ratelimit-limit"] for r in answers} == {"5"}
        reset = int(answers[0].headers["x-ratelimit-reset"])
        assert 290 <= reset - time.time() <= 301  # the documented interval: 5 minutes
        r = await login(app, "Secret123")  # the right password does not get through either
        assert r.status_code == 429
        assert error(r) == {"status": 429, "name": "RateLimitError",
                            "message": "Too many requests, please try again later.", "details": {}}
        # Only the login route is limited.
        assert (await app.get("/api/tags", headers=bearer(FULL))).status_code == 200


async def test_the_rate_limit_follows_the_plugin_config(make_app: AppFactory) -> None:
    off = {"config/plugins.py": 'config = {"users-permissions": {"config": {"ratelimit": {"enabled": False}}}}\n'}
    async with make_app({**PROJECT, **off}) as app:
        assert {(await login(app)).status_code for _ in range(8)} == {400}
    two = {"config/plugins.py": 'config = {"users-permissions": {"config": {"ratelimit": {"max": 2, "interval": 60000}}}}\n'}
    async with make_app({**PROJECT, **two}) as app:
        assert [(await login(app)).status_code for _ in range(3)] == [400, 400, 429]


async def test_the_rate_limit_window_is_fixed_and_per_client() -> None:
    now = [1000.0]
    limit = auth_module.RateLimit({"interval": {"sec": 10}, "max": 1}, clock=lambda: now[0])

    class Ctx:
        def __init__(self, ip: str) -> None:
            self.path, self.client = "/api/auth/local/", (ip, 1)
            self.headers: dict[str, str] = {}

        def set(self, name: str, value: str) -> None:
            self.headers[name] = value

    async def nothing() -> str:
        return "ok"

    assert await limit(Ctx("10.0.0.1"), nothing) == "ok"  # type: ignore[arg-type]
    with pytest.raises(auth_module.RateLimitError):
        await limit(Ctx("10.0.0.1"), nothing)  # type: ignore[arg-type]
    assert await limit(Ctx("10.0.0.2"), nothing) == "ok"  # type: ignore[arg-type]
    now[0] += 10
    assert await limit(Ctx("10.0.0.1"), nothing) == "ok"  # type: ignore[arg-type]
