"""Strapi's built-in global middlewares: security headers, CORS, poweredBy, responseTime, favicon."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AppFactory

pytestmark = pytest.mark.anyio


def stack(*overrides: Any) -> dict[str, str]:
    """The default middleware list with some entries given a config (by name)."""
    by_name = {o["name"]: o for o in overrides}
    names = ["strapi::logger", "strapi::errors", "strapi::security", "strapi::cors", "strapi::poweredBy",
             "strapi::query", "strapi::body", "strapi::session", "strapi::favicon", "strapi::public"]
    entries = [by_name.get(n, n) for n in names] + [o for o in overrides if o["name"] not in names]
    return {"config/middlewares.py": f"config = {entries!r}\n"}


async def test_security_headers_on_every_answer(make_app: AppFactory) -> None:
    async with make_app() as app:
        for r in (await app.get("/api/tags"), await app.get("/nowhere"), await app.post("/api/tags", json={})):
            assert r.headers["x-frame-options"] == "SAMEORIGIN"
            assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
            assert "img-src 'self' data: blob: https://market-assets.strapi.io" in r.headers["content-security-policy"]
            assert r.headers["x-content-type-options"] == "nosniff"


async def test_cors_defaults_echo_the_origin_with_credentials(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.get("/api/tags", headers={"Origin": "https://site.example"})
        assert r.headers["access-control-allow-origin"] == "https://site.example"
        assert r.headers["access-control-allow-credentials"] == "true"
        pre = await app.request("OPTIONS", "/api/tags", headers={"Origin": "https://site.example",
                                                                  "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-methods"] == "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"
        assert pre.headers["access-control-allow-headers"] == "Content-Type,Authorization,Origin,Accept"
        assert pre.headers["access-control-max-age"] == "31536000"


async def test_cors_origin_list(make_app: AppFactory) -> None:
    files = stack({"name": "strapi::cors", "config": {"origin": ["https://ok.example"]}})
    async with make_app(files) as app:
        ok = await app.get("/api/tags", headers={"Origin": "https://ok.example"})
        assert ok.headers["access-control-allow-origin"] == "https://ok.example"
        other = await app.get("/api/tags", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_powered_by_response_time_and_favicon(make_app: AppFactory) -> None:
    files = {**stack({"name": "strapi::poweredBy", "config": {"poweredBy": "Tests"}},
                     {"name": "strapi::responseTime", "config": {}}),
             "favicon.ico": "icon-bytes"}
    async with make_app(files) as app:
        r = await app.get("/api/tags")
        assert r.headers["x-powered-by"] == "Tests"
        assert r.headers["x-response-time"].endswith("ms")
        icon = await app.get("/favicon.ico")
        assert (icon.status_code, icon.content) == (200, b"icon-bytes")
        assert icon.headers["content-type"] == "image/x-icon"
