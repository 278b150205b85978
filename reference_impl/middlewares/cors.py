"""``strapi::cors``: @koa/cors with Strapi's defaults (origin ``*``, credentials, a year of max-age).

As @koa/cors 5 behaves under Strapi 5: ``Vary: Origin`` on every answer; the allowed origin is the
request's own when it matches (``*`` matches any), and with credentials a ``*`` becomes the request's
origin, so a request without ``Origin`` gets ``Access-Control-Allow-Origin`` with an empty value
(what Strapi 5.54.0 sends, see conformance/targets/strapi/NOTES.md). An origin outside the list gets
no CORS header at all, and its preflight goes on down the stack unanswered.
"""

from __future__ import annotations

from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp

DEFAULTS = {
    "origin": "*",
    "maxAge": 31536000,
    "credentials": True,
    "methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    "headers": ["Content-Type", "Authorization", "Origin", "Accept"],
    "expose": None,
}


def _join(value: Any) -> str:
    return ",".join(value) if isinstance(value, (list, tuple)) else str(value)


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    options = {**DEFAULTS, **(config or {})}
    configured = options["origin"]
    if configured is None:
        origins = ["*"]
    elif isinstance(configured, (list, tuple)):
        origins = [str(o) for o in configured]
    else:
        origins = [o.strip() for o in str(configured).split(",")]
    credentials = bool(options["credentials"])

    def match_origin(request_origin: str) -> str:
        """Strapi's ``matchOrigin``: ``*`` without an Origin header, the origin if allowed, else ''."""
        if not request_origin:
            return "*"
        if "*" in origins or request_origin in origins:
            return request_origin
        return ""

    async def cors(ctx: Any, next: Next) -> Any:
        request_origin = ctx.headers.get("origin", "")
        vary = ctx.response_headers.get("vary")
        if not vary:
            ctx.set("Vary", "Origin")
        elif "origin" not in [v.strip().lower() for v in vary.split(",")]:
            ctx.set("Vary", f"{vary}, Origin")
        origin = match_origin(request_origin)
        if not origin:
            return await next()
        if credentials and origin == "*":
            origin = request_origin
        if ctx.method != "OPTIONS":
            ctx.set("Access-Control-Allow-Origin", origin)
            if credentials:
                ctx.set("Access-Control-Allow-Credentials", "true")
            if options["expose"]:
                ctx.set("Access-Control-Expose-Headers", _join(options["expose"]))
            return await next()
        if not ctx.headers.get("access-control-request-method"):
            return await next()  # not a preflight
        ctx.set("Access-Control-Allow-Origin", origin)
        if credentials:
            ctx.set("Access-Control-Allow-Credentials", "true")
        if options["maxAge"]:
            ctx.set("Access-Control-Max-Age", str(options["maxAge"]))
        if options["methods"]:
            ctx.set("Access-Control-Allow-Methods", _join(options["methods"]))
        allow_headers = _join(options["headers"]) if options["headers"] else ctx.headers.get("access-control-request-headers")
        if allow_headers:
            ctx.set("Access-Control-Allow-Headers", allow_headers)
        ctx.status = 204
        return None

    return cors
