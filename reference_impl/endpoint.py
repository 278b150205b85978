"""One route's chain, composed as Strapi's ``compose-endpoint`` does:

route info → authenticate → authorize → policies → route middlewares → return-body → controller.

``authorize`` wraps everything downstream: an ``UnauthorizedError`` or ``ForbiddenError`` thrown by a
policy, middleware, controller, service or hook below it becomes the generic 401/403 answer, except
``PolicyError``, which is re-thrown so its message reaches the client.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from .compose import Middleware, Next, compose
from .errors import ForbiddenError, PolicyError, ProjectError, UnauthorizedError
from .policies import policies_middleware, resolve_policies

if TYPE_CHECKING:
    from .context import Context
    from .router import Route
    from .strapi import Strapi


def route_info_middleware(route: Route) -> Middleware:
    state_route = {
        "method": route.method,
        "path": route.path,
        "handler": route.handler,
        "config": route.config or {},
        "info": route.info,
    }

    async def route_info(ctx: Context, next: Next) -> Any:
        ctx.state["route"] = state_route
        return await next()

    return route_info


def authenticate_middleware(strapi: Strapi, route: Route) -> Middleware:
    async def authenticate(ctx: Context, next: Next) -> Any:
        if route.config.get("auth") is False:
            return await next()
        return await strapi.auth.authenticate(ctx, next)

    return authenticate


def authorize_middleware(strapi: Strapi, route: Route) -> Middleware:
    async def authorize(ctx: Context, next: Next) -> Any:
        try:
            await strapi.auth.verify(ctx.state.get("auth"), route.config.get("auth", {}))
            await next()
        except PolicyError:
            raise  # a publicly visible message, on purpose
        except UnauthorizedError:
            ctx.unauthorized()
        except ForbiddenError:
            ctx.forbidden()
        return None

    return authorize


async def return_body(ctx: Context, next: Next) -> Any:
    value = await next()
    if ctx.body is None and value is not None:
        ctx.body = value
    return value


def action_middleware(handler: Any) -> Middleware:
    async def action(ctx: Context, _next: Next) -> Any:
        value = handler(ctx)
        return await value if inspect.isawaitable(value) else value

    return action


def compose_endpoint(strapi: Strapi, route: Route) -> Middleware:
    """Build the route's chain; unknown policies, middlewares or handlers fail here, at start-up."""
    where = f"{route.method} {route.path}"
    api_name = route.info.get("apiName")
    try:
        handler = strapi.resolve_handler(route.handler, api_name)
        policies = resolve_policies(strapi, list(route.config.get("policies") or []), api_name)
        middlewares = strapi.resolve_route_middlewares(route.config.get("middlewares") or [], api_name)
    except (LookupError, ValueError, TypeError) as exc:
        raise ProjectError(f"Error creating endpoint {where}: {exc}") from exc
    return compose(
        [
            route_info_middleware(route),
            authenticate_middleware(strapi, route),
            authorize_middleware(strapi, route),
            policies_middleware(strapi, policies),
            *middlewares,
            return_body,
            action_middleware(handler),
        ]
    )
