"""``strapi::logger``: one ``<METHOD> <url> (<ms> ms) <status>`` line per request, after ``next()``."""

from __future__ import annotations

import logging
import time
from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp

log = logging.getLogger("reference_impl.http")


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    async def logger(ctx: Any, next: Next) -> Any:
        start = time.perf_counter()
        await next()
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s (%d ms) %s", ctx.method, ctx.url, (time.perf_counter() - start) * 1000, ctx.status)
        return None

    return logger
