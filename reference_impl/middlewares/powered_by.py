"""``strapi::poweredBy``: sets ``X-Powered-By`` after ``next()``, so not on answers from thrown errors."""

from __future__ import annotations

from typing import Any

from ..compose import Middleware, Next


def middleware(config: dict[str, Any], strapi: Any) -> Middleware:
    value = (config or {}).get("poweredBy", "Strapi <strapi.io>")

    async def powered_by(ctx: Any, next: Next) -> Any:
        await next()
        ctx.set("X-Powered-By", value)
        return None

    return powered_by
