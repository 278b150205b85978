"""``strapi::body``: parses JSON, form and text bodies of POST, PUT and PATCH requests (koa-body).

Malformed JSON and bodies over the limit are thrown to ``strapi::errors`` as http errors (400 and 413).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from ..compose import Middleware, Next
from ..errors import HttpError

PARSED_METHODS = ("POST", "PUT", "PATCH")


def parse_size(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    units = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "b": 1}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def middleware(config: dict[str, Any], strapi: Any) -> Middleware:
    config = config or {}
    json_limit = parse_size(config.get("jsonLimit"), 1024 * 1024)
    form_limit = parse_size(config.get("formLimit"), 56 * 1024)
    text_limit = parse_size(config.get("textLimit"), 56 * 1024)

    async def body(ctx: Any, next: Next) -> Any:
        if ctx.method in PARSED_METHODS:
            ctype = ctx.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype == "application/json" or ctype.endswith("+json"):
                raw = await ctx.read_body(json_limit)
                if raw.strip():
                    try:
                        ctx.request_body = json.loads(raw)
                    except (ValueError, UnicodeDecodeError) as exc:
                        # koa-body rethrows JSON.parse's SyntaxError with status 400.
                        raise HttpError(400, str(exc), name="SyntaxError") from exc
                else:
                    ctx.request_body = {}
            elif ctype == "application/x-www-form-urlencoded":
                raw = await ctx.read_body(form_limit)
                ctx.request_body = dict(parse_qsl(raw.decode("utf-8", "replace")))
            elif ctype.startswith("text/"):
                raw = await ctx.read_body(text_limit)
                ctx.request_body = raw.decode("utf-8", "replace")
            else:
                ctx.request_body = {}
        return await next()

    return body
