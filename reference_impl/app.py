"""The ASGI application: turns each HTTP request into a Koa-like ``Context``, runs the server stack
(request context → global middlewares → router) and writes the response as Koa would.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from .context import EMPTY_STATUSES, Context
from .errors import STATUS_PHRASES
from .strapi import Strapi

try:  # optional: several times faster than the standard library on response bodies
    import orjson
except ImportError:  # pragma: no cover - the standard library gives the same bytes, slower
    orjson = None  # type: ignore[assignment]

log = logging.getLogger("reference_impl")
JSON_TYPE = b"application/json; charset=utf-8"
# Dates and dataclasses go through ``default=str`` as with the standard library, not orjson's own forms.
_ORJSON_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS) if orjson else 0


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON; what orjson refuses (integers beyond 64 bits, non-string keys, lone
    surrogates) is written by the standard library, as before."""
    if orjson is not None:
        try:
            return orjson.dumps(body, default=str, option=_ORJSON_OPTIONS)
        except (TypeError, orjson.JSONEncodeError):
            pass
    # A lone surrogate (only in a V8 error message quoting half a pair) is written as its JSON escape.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str).encode(errors="backslashreplace")


def encode_body(ctx: Context) -> tuple[bytes, bytes | None]:
    """Body bytes and default content type, as Koa's ``respond`` chooses them."""
    body = ctx.body
    if ctx.status in EMPTY_STATUSES:
        return b"", None
    if body is None:
        # Koa answers an explicit status without a body with its reason phrase.
        return (ctx.message or STATUS_PHRASES.get(ctx.status, str(ctx.status))).encode(), b"text/plain; charset=utf-8"
    if isinstance(body, bytes):
        return body, b"application/octet-stream"
    if isinstance(body, str):
        kind = b"text/html; charset=utf-8" if body.lstrip().startswith("<") else b"text/plain; charset=utf-8"
        return body.encode(), kind
    return dumps(body), JSON_TYPE


class ReferenceApp:
    """``ReferenceApp(project_dir)`` is an ASGI app; start-up happens in the lifespan (or lazily)."""

    def __init__(self, project_dir: str | Path, database_url: str | None = None) -> None:
        self.strapi = Strapi(project_dir, database_url)
        self.started = False

    async def startup(self) -> None:
        if not self.started:
            await self.strapi.start()
            self.started = True

    async def shutdown(self) -> None:
        if self.started:
            await self.strapi.stop()
            self.started = False

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if not self.started:
            await self.startup()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        ctx = Context(
            self,
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            receive,
            scope.get("client"),
        )
        strapi = self.strapi
        ctx.query_parser = strapi.query_parser
        assert strapi.handler is not None
        try:
            await strapi.handler(ctx)
        except Exception:  # only reachable when strapi::errors is not first
            log.exception("unhandled error")
            ctx.status = 500
            ctx.body = "Internal Server Error"
        body, default_type = encode_body(ctx)
        out_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in ctx.response_headers.items()]
        if default_type is not None and "content-type" not in ctx.response_headers:
            out_headers.append((b"content-type", default_type))
        if ctx.status not in EMPTY_STATUSES:
            out_headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": ctx.status, "headers": out_headers})
        await send({"type": "http.response.body", "body": b"" if ctx.method == "HEAD" else body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # noqa: BLE001 (ASGI lifespan: any start-up failure is reported to the server)
                    await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(project_dir: str | Path, database_url: str | None = None) -> ReferenceApp:
    return ReferenceApp(project_dir, database_url)
