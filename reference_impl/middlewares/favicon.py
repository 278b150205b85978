"""``strapi::favicon``: serves ``/favicon.ico`` from the project when present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    root = Path(strapi.dir)
    icon = next((p for p in (root / "favicon.png", root / "favicon.ico") if p.is_file()), None)
    data = icon.read_bytes() if icon else None

    async def favicon(ctx: Any, next: Next) -> Any:
        if ctx.path == "/favicon.ico" and data is not None and ctx.method in ("GET", "HEAD"):
            ctx.set("Cache-Control", "public, max-age=86400")
            ctx.set("Content-Type", "image/x-icon")
            ctx.status = 200
            ctx.body = data
            return None
        return await next()

    return favicon
