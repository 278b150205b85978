"""``strapi::responseTime``: an ``X-Response-Time`` header."""

from __future__ import annotations

import time
from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    async def response_time(ctx: Any, next: Next) -> Any:
        start = time.perf_counter()
        await next()
        ctx.set("X-Response-Time", f"{(time.perf_counter() - start) * 1000:.0f}ms")
        return None

    return response_time
