"""``strapi::poweredBy``: sets ``X-Powered-By`` after ``next()``, so not on answers from thrown errors."""

from __future__ import annotations

from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    value = (config or {}).get("poweredBy", "Strapi <strapi.io>")

    async def powered_by(ctx: Any, next: Next) -> Any:
        await next()
        ctx.set("X-Powered-By", value)
        return None

    return powered_by
