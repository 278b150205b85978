"""``strapi::public``: not a middleware but two routes: ``GET /`` redirects to the admin, and every
other GET path is served from ``./public`` (deferred, so unknown files end as the JSON 404).

Because that catch-all matches any path for GET, a non-GET request to an unknown path gets 405
"Method Not Allowed" from the router's allowed-methods handling, as in Strapi.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp
from ..router import Route


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    root = (Path(strapi.dir) / "public").resolve()

    async def redirect(ctx: Any) -> None:
        ctx.status = 302
        ctx.set("Location", "/admin")
        ctx.body = "Redirecting to /admin."

    async def serve(ctx: Any) -> None:
        try:
            target = (root / ctx.path.lstrip("/")).resolve()
            found = root in target.parents and target.is_file()
        except (OSError, ValueError):  # a name too long for the file system, a NUL byte: no such file
            return
        if found:
            ctx.set("Content-Type", mimetypes.guess_type(target.name)[0] or "application/octet-stream")
            ctx.set("Cache-Control", "max-age=60")
            ctx.body = target.read_bytes()

    strapi.add_route(Route("GET", "/", redirect, {"auth": False}), system=True)
    static = Route("GET", "/*", serve, {"auth": False})
    static.matcher = lambda path: {} if path != "/" and not path.startswith("/uploads/") else None
    strapi.add_route(static, system=True)

    async def public(ctx: Any, next: Next) -> Any:
        return await next()

    return public
