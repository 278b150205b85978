"""The routes the server answers: the project's API routes (``src/api/*/routes``) and the built-in
ones (health, the OpenAPI document, the users-permissions login)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .auth import RateLimit
from .errors import ProjectError
from .factories import CoreRouter
from .router import Route

if TYPE_CHECKING:
    from .context import Context
    from .loader import Project
    from .schema import ContentType
    from .strapi import Strapi


def api_routes(project: Project, content_types: dict[str, ContentType], api_prefix: str) -> list[Route]:
    """Every route of the project's route files, with the default auth scope ``<uid>.<action>``."""
    out: list[Route] = []
    for api_name, export in project.routes:
        if isinstance(export, CoreRouter):
            if export.uid not in content_types:
                raise ProjectError(f"createCoreRouter: unknown content type {export.uid}")
            route_defs = export.routes(content_types[export.uid])
        elif isinstance(export, dict):
            route_defs = export.get("routes", [])
        else:
            route_defs = list(export)
        for spec in route_defs:
            config = spec.setdefault("config", {})
            handler = spec["handler"]
            if config.get("auth") is not False and isinstance(handler, str):
                uid, _, action = handler.rpartition(".")
                if "::" not in uid:
                    uid = f"api::{api_name}.{uid}"
                auth = config.setdefault("auth", {})
                auth.setdefault("scope", [f"{uid}.{action}"])
            path = api_prefix + spec["path"]
            out.append(Route(spec["method"], path, handler, config, {"apiName": api_name, "type": "content-api"}))
    return out


def users_permissions_routes(strapi: Strapi) -> list[Route]:
    """The users-permissions plugin's content API route used by clients to log in."""
    strategy = strapi.auth.users_permissions

    async def login(ctx: Context) -> Any:
        body = ctx.request_body if isinstance(ctx.request_body, dict) else {}
        return strategy.login(str(body.get("identifier", "")), str(body.get("password", "")))

    info = {"pluginName": "users-permissions", "type": "content-api"}
    up_config = ((strapi.config.get("plugins", {}).get("users-permissions") or {}).get("config") or {})
    config = {"auth": False, "middlewares": [RateLimit(up_config.get("ratelimit"))]}
    return [Route("POST", f"{strapi.api_prefix}/auth/local", login, config, info)]


def health_route() -> Route:
    async def health(ctx: Context) -> None:
        ctx.set("strapi", "You are so French!")
        ctx.status = 204

    return Route("ALL", "/_health", health, {"auth": False})


def openapi_route(strapi: Strapi) -> Route:
    """``GET /openapi.json``: the content API as loaded (built per request: permissions may change)."""

    async def openapi(ctx: Context) -> None:
        from .openapi import build_openapi

        ctx.body = build_openapi(strapi)

    return Route("GET", "/openapi.json", openapi, {"auth": False})
