"""Variants of one route's chain: authentication, authorization, policies and route middlewares.

``compose_endpoint`` composes ``[route info, authenticate, authorize, policies, *route middlewares,
return-body, action]``; several variants re-order that list on its way into ``compose``.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from reference_impl import auth, endpoint
from reference_impl.compose import Middleware, Next, compose
from reference_impl.context import Context
from reference_impl.controllers import CoreController
from reference_impl.errors import ForbiddenError, PolicyError, UnauthorizedError, ValidationError
from reference_impl.policies import PolicyContext

from .faults import compose_calling_skipped_next
from .patching import replace, wrap
from .variants import variant

MP = pytest.MonkeyPatch
Layers = list[Middleware]


def _reorder_endpoint(mp: MP, reorder: Callable[[Layers, Layers, Layers], Layers]) -> None:
    """Patch the route chain: ``reorder(head, middlewares, tail)`` with head = info, authenticate,
    authorize, policies and tail = return-body, action."""

    def composing(layers: Sequence[Middleware]) -> Middleware:
        layers = list(layers)
        return compose(reorder(layers[:4], layers[4:-2], layers[-2:]))

    replace(mp, endpoint, "compose", composing)


# -- authentication and authorization ---------------------------------------------------------------


@variant("public-request-not-authenticated", "auth",
         "an anonymous request the Public role allows is left with isAuthenticated false", kills="AU-011")
def _(mp: MP) -> None:
    @wrap(mp, auth.Auth, "authenticate")
    async def authenticate(original: Any, self: auth.Auth, ctx: Any, next: Any) -> Any:
        async def downstream() -> Any:
            if (ctx.state.get("auth") or {}).get("credentials") is None:
                ctx.state["isAuthenticated"] = False
            return await next()

        return await original(self, ctx, downstream)


@variant("auth-bypassed", "auth", "the route's scope is never checked: any caller may call any action",
         kills="AU-002 AU-005 AU-006 AU-012 AU-017")
def _(mp: MP) -> None:
    async def verify(self: auth.Auth, auth_state: Any, config: Any) -> None:
        return None

    replace(mp, auth.Auth, "verify", verify)


@variant("unknown-token-is-public", "auth",
         "a bearer token no strategy recognises falls back to the Public role instead of answering 401",
         kills="AU-003 PO-019 AU-016 CH-010")
def _(mp: MP) -> None:
    @wrap(mp, auth.UsersPermissionsStrategy, "authenticate")
    async def authenticate(original: Any, self: auth.UsersPermissionsStrategy, ctx: Context) -> dict[str, Any]:
        result = await original(self, ctx)
        if not result.get("authenticated") and self.roles.get("public"):
            return {"authenticated": True, "credentials": None, "ability": self.roles["public"]}
        return result


@variant("read-only-token-writes", "auth", "a read-only API token may call every action",
         kills="AU-005 AU-006 AU-017")
def _(mp: MP) -> None:
    @wrap(mp, auth.ApiTokenStrategy, "verify")
    async def verify(original: Any, self: auth.ApiTokenStrategy, auth_state: dict[str, Any], config: dict[str, Any]) -> None:
        if auth_state["credentials"].type == "read-only":
            return None
        return await original(self, auth_state, config)


@variant("read-only-token-refused", "auth", "a read-only API token may not even read", kills="AU-004")
def _(mp: MP) -> None:
    @wrap(mp, auth.ApiTokenStrategy, "verify")
    async def verify(original: Any, self: auth.ApiTokenStrategy, auth_state: dict[str, Any], config: dict[str, Any]) -> None:
        if auth_state["credentials"].type == "read-only":
            raise ForbiddenError()
        return await original(self, auth_state, config)


@variant("authenticated-role-ignored", "auth", "a logged-in user gets no permission from the Authenticated role",
         kills="AU-013 AU-010")
def _(mp: MP) -> None:
    @wrap(mp, auth.UsersPermissionsStrategy, "authenticate")
    async def authenticate(original: Any, self: auth.UsersPermissionsStrategy, ctx: Context) -> dict[str, Any]:
        result = await original(self, ctx)
        return {**result, "ability": set()} if result.get("credentials") else result


@variant("full-access-token-scoped", "auth",
         "a full-access API token is checked against its (empty) permission list like a custom token",
         kills="AU-007 AU-009 AU-018")
def _(mp: MP) -> None:
    @wrap(mp, auth.ApiTokenStrategy, "verify")
    async def verify(original: Any, self: auth.ApiTokenStrategy, auth_state: dict[str, Any],
                     config: dict[str, Any]) -> None:
        token = auth_state["credentials"]
        if token.type == "full-access":  # checked as a custom token with the same (empty) permissions
            auth_state = {**auth_state, "credentials": dataclasses.replace(token, type="custom")}
        await original(self, auth_state, config)


@variant("missing-permission-401", "auth",
         "an anonymous request for an action the Public role lacks answers 401 instead of 403",
         kills="AU-002")
def _(mp: MP) -> None:
    @wrap(mp, auth.UsersPermissionsStrategy, "verify")
    async def verify(original: Any, self: auth.UsersPermissionsStrategy, auth_state: dict[str, Any], config: dict[str, Any]) -> None:
        try:
            await original(self, auth_state, config)
        except ForbiddenError:
            if not auth_state.get("credentials"):
                raise UnauthorizedError() from None
            raise


@variant("auth-false-authenticates", "auth",
         "a route with auth: false still authenticates, so a bad token is refused", kills="AU-015")
def _(mp: MP) -> None:
    def authenticate_middleware(strapi: Any, route: Any) -> Middleware:
        async def authenticate(ctx: Context, next: Next) -> Any:
            return await strapi.auth.authenticate(ctx, next)

        return authenticate

    replace(mp, endpoint, "authenticate_middleware", authenticate_middleware)


@variant("user-not-in-state", "auth", "users-permissions authenticates a JWT without putting the user in ctx.state",
         kills="AU-010")
def _(mp: MP) -> None:
    @wrap(mp, auth.UsersPermissionsStrategy, "authenticate")
    async def authenticate(original: Any, self: auth.UsersPermissionsStrategy, ctx: Context) -> dict[str, Any]:
        result = await original(self, ctx)
        ctx.state.pop("user", None)
        return result


@variant("token-sets-user", "auth", "an API token authentication puts a user in ctx.state", kills="AU-009")
def _(mp: MP) -> None:
    @wrap(mp, auth.ApiTokenStrategy, "authenticate")
    async def authenticate(original: Any, self: auth.ApiTokenStrategy, ctx: Context) -> dict[str, Any]:
        result = await original(self, ctx)
        if result.get("authenticated"):
            ctx.state["user"] = {"username": result["credentials"].name}
        return result


@variant("login-failure-401", "auth", "a failed login throws UnauthorizedError (401) instead of 400 ValidationError",
         kills="AU-014")
def _(mp: MP) -> None:
    @wrap(mp, auth.UsersPermissionsStrategy, "login")
    def login(original: Any, self: auth.UsersPermissionsStrategy, identifier: str, password: str) -> dict[str, Any]:
        try:
            return original(self, identifier, password)
        except ValidationError as exc:
            raise UnauthorizedError(exc.message) from exc


def _authorize(translate: tuple[type[Exception], ...]) -> Callable[[Any, Any], Middleware]:
    """``authorize`` that turns only ``translate`` errors into the generic 401/403 answers."""

    def authorize_middleware(strapi: Any, route: Any) -> Middleware:
        async def authorize(ctx: Context, next: Next) -> Any:
            try:
                await strapi.auth.verify(ctx.state.get("auth"), route.config.get("auth", {}))
                await next()
            except translate as exc:
                if isinstance(exc, UnauthorizedError):
                    ctx.unauthorized()
                else:
                    ctx.forbidden()

        return authorize

    return authorize_middleware


@variant("policy-error-made-generic", "auth",
         "authorize does not re-throw PolicyError: it becomes the generic 403 Forbidden, losing message and details",
         kills="PO-001 PO-008 PO-009 RM-011 ER-008")
def _(mp: MP) -> None:
    replace(mp, endpoint, "authorize_middleware", _authorize((UnauthorizedError, ForbiddenError)))


@variant("forbidden-not-translated", "auth",
         "authorize lets a ForbiddenError thrown below it through with its own message",
         kills="PO-010 RM-008 CT-016 SV-006 DS-012 LC-015")
def _(mp: MP) -> None:
    replace(mp, endpoint, "authorize_middleware", _authorize((UnauthorizedError,)))


@variant("unauthorized-not-translated", "auth",
         "authorize lets an UnauthorizedError thrown below it through with its own message",
         kills="PO-011 RM-009 SV-007 ER-013")
def _(mp: MP) -> None:
    replace(mp, endpoint, "authorize_middleware", _authorize((PolicyError, ForbiddenError)))


@variant("policies-before-auth", "auth", "policies run before authentication", kills="PO-019 AU-016 AU-017 CH-010")
def _(mp: MP) -> None:
    _reorder_endpoint(mp, lambda head, mws, tail: [head[0], head[3], head[1], head[2], *mws, *tail])


# -- policies ---------------------------------------------------------------------------------------


def _passes(result: Any) -> bool:
    return result is True or result is None


def _policies(passes: Callable[[Any], bool] = _passes, stop_at_first: bool = True,
              config_of: Callable[[dict[str, Any]], dict[str, Any]] = lambda c: c,
              rethrow: Callable[[PolicyError], Exception] = lambda e: e,
              recheck_after: bool = False) -> Callable[..., Middleware]:
    """A ``policies_middleware`` with its verdict, its stop rule, its config, its errors or its
    place in the onion changed."""

    def policies_middleware(strapi: Any, policies: list[tuple[Any, dict[str, Any]]]) -> Middleware:
        async def check(ctx: Context) -> None:
            policy_context = PolicyContext(ctx)
            failed = False
            for handler, config in policies:
                try:
                    result = handler(policy_context, config_of(config), strapi)
                    if inspect.isawaitable(result):
                        result = await result
                except PolicyError as exc:
                    raise rethrow(exc) from exc
                if not passes(result):
                    failed = True
                    if stop_at_first:
                        break
            if failed:
                raise PolicyError()

        async def run_policies(ctx: Context, next: Next) -> Any:
            await check(ctx)
            result = await next()
            if recheck_after:
                await check(ctx)
            return result

        return run_policies

    return policies_middleware


@variant("policy-false-ignored", "policies", "a policy that returns false lets the request through",
         kills="PO-001 PO-015 PO-016 PO-022 CH-009 RM-013 WH-010")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware", _policies(lambda r: r is True or r is None or r is False))


@variant("policy-truthy-passes", "policies",
         "a policy passes on any truthy value (JavaScript truthiness) instead of only true or nothing",
         kills="PO-006 PO-007")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware",
               _policies(lambda r: r is None or isinstance(r, dict) or r not in (False, 0, "")))


@variant("policy-nothing-blocks", "policies", "a policy that returns nothing blocks the request (only true passes)",
         kills="PO-003")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware", _policies(lambda r: r is True))


@variant("policy-true-blocks", "policies", "a policy that returns true blocks the request (only nothing passes)",
         kills="PO-004 PO-002 CH-001", exit2=r"probes could not prove")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware", _policies(lambda r: r is None))


@variant("policies-rechecked-on-the-way-back", "policies", "policies run again after the controller, on the way back",
         kills="PO-020")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware", _policies(recheck_after=True))


@variant("bare-policy-name-skipped", "policies",
         "a policy named without prefix is looked up as a global policy only, and skipped when there is none",
         kills="PO-018 PO-002 CH-001")
def _(mp: MP) -> None:
    @wrap(mp, endpoint, "resolve_policies")
    def resolve_policies(original: Any, strapi: Any, entries: list[Any], api_name: str | None) -> list[Any]:
        def known(entry: Any) -> bool:
            name = entry.get("name") if isinstance(entry, dict) else entry
            return not isinstance(name, str) or "::" in name or f"global::{name}" in strapi.policies

        return original(strapi, [e for e in entries if known(e)], api_name)


@variant("policy-later-still-run", "policies", "the policies after a failing one still run before the 403",
         kills="PO-001 PO-015")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware", _policies(stop_at_first=False))


@variant("policy-error-details-lost", "policies", "a PolicyError thrown by a policy loses its details",
         kills="PO-008")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware",
               _policies(rethrow=lambda e: PolicyError(e.message)))


@variant("policy-error-message-lost", "policies", "a PolicyError thrown by a policy answers the default message",
         kills="PO-008")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware",
               _policies(rethrow=lambda e: PolicyError(None, e.details)))


@variant("policy-config-lost", "policies", "a policy referenced with {name, config} is called without its config",
         kills="PO-017 PO-002 RT-011 CH-001")
def _(mp: MP) -> None:
    replace(mp, endpoint, "policies_middleware", _policies(config_of=lambda c: {}))


# -- route middlewares ------------------------------------------------------------------------------


@variant("route-middlewares-before-policies", "route middlewares", "route middlewares run before the policies",
         kills="PO-002 RM-001 RM-013 PO-001 PO-016")
def _(mp: MP) -> None:
    _reorder_endpoint(mp, lambda head, mws, tail: [*head[:3], *mws, head[3], *tail])


@variant("route-middlewares-reversed", "route middlewares", "route middlewares run in the reverse of the listed order",
         kills="RM-001 RM-002 CH-001 CH-002 RT-011")
def _(mp: MP) -> None:
    _reorder_endpoint(mp, lambda head, mws, tail: [*head, *reversed(mws), *tail])


@variant("route-middleware-short-circuit-ignored", "route middlewares",
         "a route middleware that returns without calling next() does not stop the controller",
         kills="RM-003 RM-005 CH-008")
def _(mp: MP) -> None:
    _reorder_endpoint(mp, lambda head, mws, tail: [*head, compose_calling_skipped_next(mws), *tail])


@variant("return-body-outside-route-middlewares", "route middlewares",
         "the return-body step wraps the route middlewares, which do not pass the controller's value back",
         kills="CT-006 RT-003 CT-009 CT-001", exit2=r"probes could not prove")
def _(mp: MP) -> None:
    _reorder_endpoint(mp, lambda head, mws, tail: [*head, tail[0], *mws, tail[1]])


@variant("route-middleware-query-change-lost", "route middlewares",
         "the controller reads the query as the route received it: route middlewares cannot change it",
         kills="RM-006")
def _(mp: MP) -> None:
    @wrap(mp, endpoint, "route_info_middleware")
    def route_info_middleware(original_info: Any, route: Any) -> Middleware:
        inner = original_info(route)

        async def info(ctx: Context, next: Next) -> Any:
            ctx.state["meta_query_at_route"] = json.loads(json.dumps(ctx.query))
            return await inner(ctx, next)

        return info

    @wrap(mp, CoreController, "sanitize_query")
    def sanitize_query(original_sanitize: Any, self: CoreController, ctx: Context) -> dict[str, Any]:
        if "meta_query_at_route" in ctx.state:
            ctx.query = ctx.state["meta_query_at_route"]
        return original_sanitize(self, ctx)


@variant("route-middleware-body-change-lost", "route middlewares",
         "the controller re-reads the raw request body: a route middleware's change of the data is lost",
         kills="RM-007")
def _(mp: MP) -> None:
    @wrap(mp, CoreController, "_body_data")
    def body_data(original: Any, self: CoreController, ctx: Context) -> dict[str, Any]:
        if ctx.raw_body:
            ctx.request_body = json.loads(ctx.raw_body)
        return original(self, ctx)

