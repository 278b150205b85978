"""strapi::body: JSON, form and text parsing, invalid JSON (400) and bodies over the limit (413)."""

from __future__ import annotations

from typing import Any

import pytest

from reference_impl.middlewares.body import parse_size

from .conftest import AppFactory

pytestmark = pytest.mark.anyio

MIDDLEWARES = """
config = ["strapi::logger", "strapi::errors", "strapi::security", "strapi::cors", "strapi::poweredBy",
          "strapi::query", {"name": "strapi::body", "config": {"jsonLimit": "1kb", "formLimit": 64, "textLimit": 64}},
          "strapi::session", "strapi::favicon", "strapi::public"]
"""
ECHO = """
async def echo(ctx):
    return {"body": ctx.request_body}

routes = {"routes": [{"method": m, "path": "/echo", "handler": echo, "config": {"auth": False}}
                     for m in ("POST", "PUT", "PATCH", "DELETE")]}
"""
FILES: dict[str, Any] = {"config/middlewares.py": MIDDLEWARES, "src/api/echo/routes/echo.py": ECHO}


@pytest.mark.parametrize(("text", "size"), [("1kb", 1024), ("1mb", 1024**2), ("56kb", 56 * 1024), ("10", 10),
                                            (None, 7), (99, 99), ("0.5mb", 512 * 1024)])
def test_parse_size(text: Any, size: int) -> None:
    assert parse_size(text, 7) == size


async def test_json_form_and_text_bodies(make_app: AppFactory) -> None:
    async with make_app(FILES) as app:
        assert (await app.post("/api/echo", json={"a": [1, {"b": None}]})).json() == {"body": {"a": [1, {"b": None}]}}
        r = await app.put("/api/echo", content=b'{"x":1}', headers={"content-type": "application/vnd.api+json"})
        assert r.json() == {"body": {"x": 1}}
        r = await app.post("/api/echo", data={"k": "v w"})
        assert r.json() == {"body": {"k": "v w"}}
        r = await app.request("PATCH", "/api/echo", content=b"hello", headers={"content-type": "text/plain"})
        assert r.json() == {"body": "hello"}
        r = await app.post("/api/echo", content=b"", headers={"content-type": "application/json"})
        assert r.json() == {"body": {}}
        r = await app.post("/api/echo", content=b"\x00\x01", headers={"content-type": "application/octet-stream"})
        assert r.json() == {"body": {}}
        r = await app.delete("/api/echo")
        assert r.json() == {"body": None}  # DELETE bodies are not parsed


@pytest.mark.parametrize("raw", [b"{", b"{'single': 1}", b"[1,]", b"\xff\xfe"])
async def test_invalid_json_is_400(make_app: AppFactory, raw: bytes) -> None:
    async with make_app(FILES) as app:
        r = await app.post("/api/echo", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 400
        # As koa-body: JSON.parse's SyntaxError, the parser's own message, no details.
        error = r.json()["error"]
        assert (r.json()["data"], error["status"], error["name"]) == (None, 400, "SyntaxError")
        assert error["message"] and "details" not in error


@pytest.mark.parametrize(
    ("content_type", "size"),
    [("application/json", 1025), ("application/x-www-form-urlencoded", 65), ("text/plain", 65)],
)
async def test_bodies_over_the_limit_are_413(make_app: AppFactory, content_type: str, size: int) -> None:
    async with make_app(FILES) as app:
        # A JSON body is an object (co-body's strict mode): {"a":"xx...x"} of exactly ``size`` bytes.
        payload = b'{"a":"' + b"x" * (size - 8) + b'"}' if content_type == "application/json" else b"x" * size
        assert len(payload) == size
        r = await app.post("/api/echo", content=payload, headers={"content-type": content_type})
        assert r.status_code == 413
        assert r.json()["error"] == {"status": 413, "name": "PayloadTooLargeError", "message": "request entity too large"}
        ok = payload[:-3] + payload[-2:]
        assert (await app.post("/api/echo", content=ok, headers={"content-type": content_type})).status_code == 200


async def test_an_invalid_json_create_never_reaches_the_controller(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.post("/api/articles", content=b"{nope", headers={"content-type": "application/json"})
        assert r.status_code == 400
        assert await app.strapi.db.query("api::article.article").count() == 0
