"""The router: matches method and path to a route's composed endpoint, like @koa/router.

``router.routes()`` dispatches to the first route whose path and method match; ``allowed_methods``
answers 405 (plain text, with ``Allow``) when the path matches only under other methods, and
OPTIONS with the allowed list, as ``router.allowedMethods()`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .compose import Middleware, Next

_PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")


def compile_path(path: str) -> re.Pattern[str]:
    """``/api/articles/:id`` → a regex with named groups (a param matches one path segment)."""
    out, pos = [], 0
    for m in _PARAM.finditer(path):
        out.append(re.escape(path[pos : m.start()]))
        out.append(f"(?P<{m.group(1)}>[^/]+)")
        pos = m.end()
    out.append(re.escape(path[pos:]))
    return re.compile("^" + "".join(out) + "/?$")


@dataclass
class Route:
    method: str
    path: str
    handler: Any
    config: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    endpoint: Middleware | None = None
    matcher: Callable[[str], dict[str, str] | None] | None = None

    def match(self, path: str) -> dict[str, str] | None:
        if self.matcher is not None:
            return self.matcher(path)
        m = self._re.match(path)
        return None if m is None else m.groupdict()

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self._re = compile_path(self.path)


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, route: Route) -> None:
        self.routes.append(route)

    def _find(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        # ``allowed`` keeps @koa/router's order: route order, with HEAD just before GET.
        allowed: list[str] = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method in (method, "ALL") or (method == "HEAD" and route.method == "GET"):
                return route, params, allowed
            for m in ("HEAD", "GET") if route.method == "GET" else (route.method,):
                if m not in allowed:
                    allowed.append(m)
        return None, {}, allowed

    def middleware(self) -> Middleware:
        """``router.routes()`` followed by ``router.allowedMethods()``."""

        async def dispatch(ctx: Any, next: Next) -> Any:
            route, params, allowed = self._find(ctx.method, ctx.path)
            if route is not None and route.endpoint is not None:
                ctx.params = {k: _unquote(v) for k, v in params.items()}
                ctx.state["matched_route"] = route
                await route.endpoint(ctx, next)
                return None
            await next()
            if allowed and not ctx.explicit_status:
                if ctx.method == "OPTIONS":
                    ctx.status = 200
                    ctx.body = ""
                else:
                    ctx.status = 405
                ctx.set("Allow", ", ".join(allowed))
            return None

        return dispatch


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)
