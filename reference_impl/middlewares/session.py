"""``strapi::session``: no session store is needed by the content API; kept so the name resolves."""

from __future__ import annotations

from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    async def session(ctx: Any, next: Next) -> Any:
        return await next()

    return session
