"""``strapi::query``: parses the query string with a qs parser (strict null handling, depth 20,
arrays up to 100 items), as Strapi installs ``qs`` on the Koa request."""

from __future__ import annotations

from typing import Any

import qs_codec

from ..compose import Middleware, Next


def make_parser(config: dict[str, Any]) -> Any:
    options = qs_codec.DecodeOptions(
        strict_null_handling=config.get("strictNullHandling", True),
        depth=config.get("depth", 20),
        list_limit=config.get("arrayLimit", 100),
    )

    def parse(querystring: str) -> dict[str, Any]:
        return qs_codec.decode(querystring, options) if querystring else {}

    return parse


def middleware(config: dict[str, Any], strapi: Any) -> Middleware:
    parse = make_parser(config or {})
    # Strapi replaces the request's query getter at start-up: every ctx parses with qs from then on,
    # whatever the middleware's position in the stack.
    strapi.query_parser = parse

    async def query(ctx: Any, next: Next) -> Any:
        return await next()

    return query
