"""``strapi::cors``: @koa/cors with Strapi's defaults (origin ``*``, credentials, a year of max-age)."""

from __future__ import annotations

from typing import Any

from ..compose import Middleware, Next

DEFAULTS = {
    "origin": "*",
    "maxAge": 31536000,
    "credentials": True,
    "methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    "headers": ["Content-Type", "Authorization", "Origin", "Accept"],
}


def middleware(config: dict[str, Any], strapi: Any) -> Middleware:
    options = {**DEFAULTS, **(config or {})}
    origins = options["origin"]
    if isinstance(origins, str) and origins != "*":
        origins = [o.strip() for o in origins.split(",")]

    def allowed_origin(request_origin: str) -> str:
        if origins == "*":
            return "*" if not request_origin else request_origin if options["credentials"] else "*"
        return request_origin if request_origin in origins else ""

    async def cors(ctx: Any, next: Next) -> Any:
        request_origin = ctx.headers.get("origin", "")
        if not request_origin:
            return await next()
        origin = allowed_origin(request_origin)
        if ctx.method == "OPTIONS" and ctx.headers.get("access-control-request-method"):
            if origin:
                ctx.set("Access-Control-Allow-Origin", origin)
                if options["credentials"]:
                    ctx.set("Access-Control-Allow-Credentials", "true")
                ctx.set("Access-Control-Max-Age", str(options["maxAge"]))
                ctx.set("Access-Control-Allow-Methods", ",".join(options["methods"]))
                ctx.set("Access-Control-Allow-Headers", ",".join(options["headers"]))
            ctx.status = 204
            return None
        if origin:
            ctx.set("Access-Control-Allow-Origin", origin)
            if options["credentials"]:
                ctx.set("Access-Control-Allow-Credentials", "true")
        ctx.set("Vary", "Origin")
        return await next()

    return cors
