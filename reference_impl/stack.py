"""The server's global middleware stack, in ``config/middlewares`` order (Strapi's default order when
the project has none); a missing required middleware or an unknown name stops start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .compose import Middleware, Next
from .errors import ProjectError
from .layers import StrapiApp
from .middlewares import DEFAULT_ORDER, REQUIRED


def global_middlewares(config: Mapping[str, Any], factories: Mapping[str, Any], strapi: StrapiApp) -> list[Middleware]:
    """Instantiate every configured global middleware with ``factory(config, strapi)``."""
    entries = config.get("middlewares", DEFAULT_ORDER)
    names = [e if isinstance(e, str) else (e.get("name") if isinstance(e, dict) else None) for e in entries]
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise ProjectError(
            "Missing required middlewares in configuration. Add the following middlewares: "
            + ", ".join(f'"{n}"' for n in missing)
        )
    stack = []
    for entry in entries:
        options: dict[str, Any]
        if isinstance(entry, str):
            name, options = entry, {}
        elif isinstance(entry, dict) and entry.get("name"):
            name, options = entry["name"], entry.get("config") or {}
        else:
            raise ProjectError("Invalid middleware configuration. Missing name or resolve properties.")
        factory = factories.get(name)
        if factory is None:
            raise ProjectError(f"Middleware {name} not found.")
        try:
            mw = factory(options, strapi)
        except Exception as exc:
            raise ProjectError(f'Middleware "{name}": {exc}') from exc
        stack.append(mw if mw is not None else _pass_through)
    return stack


async def _pass_through(ctx: Any, next: Next) -> Any:
    return await next()
