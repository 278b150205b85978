"""Variants of the server stack: global middlewares, the router and the error answers."""

from __future__ import annotations

from typing import Any

import pytest

import reference_impl.strapi as strapi_mod
from reference_impl import errors, middlewares, router
from reference_impl.compose import Middleware, Next
from reference_impl.context import Context
from reference_impl.middlewares import security

from .faults import compose_calling_skipped_next, compose_unwinding_forward
from .patching import remove_item, replace, replace_item, wrap, wrap_item
from .variants import variant

MP = pytest.MonkeyPatch

# -- global middlewares ------------------------------------------------------------------------------


@variant("gmw-last-two-swapped", "global middlewares",
         "the last configured global middleware runs before the one configured before it (off-by-one insert)",
         kills="GM-001 CH-001")
def _(mp: MP) -> None:
    @wrap(mp, strapi_mod, "global_middlewares")
    def swapped(original: Any, config: Any, factories: Any, strapi: Any) -> list[Middleware]:
        stack = original(config, factories, strapi)
        stack[-2], stack[-1] = stack[-1], stack[-2]
        return stack


@variant("gmw-upstream-forward", "global middlewares",
         "on the way back the global middlewares run their after-next code in entry order, not in reverse",
         kills="GM-002 RM-002 CH-002")
def _(mp: MP) -> None:
    replace(mp, strapi_mod, "compose", compose_unwinding_forward)


@variant("gmw-short-circuit-still-routes", "global middlewares",
         "a global middleware that returns without calling next() does not stop the chain: the router still runs",
         kills="GM-003 GM-004 GM-005")
def _(mp: MP) -> None:
    replace(mp, strapi_mod, "compose", compose_calling_skipped_next)


@variant("global-middleware-query-change-lost", "global middlewares",
         "the router parses the query string again: a global middleware's change of ctx.query is lost",
         kills="GM-012")
def _(mp: MP) -> None:
    @wrap(mp, router.Router, "middleware")
    def middleware(original: Any, self: router.Router) -> Middleware:
        dispatch = original(self)

        async def reparsing(ctx: Context, next: Next) -> Any:
            if ctx.query_parser is not None:
                ctx.query = ctx.query_parser(ctx.querystring)
            return await dispatch(ctx, next)

        return reparsing


@variant("powered-by-on-thrown-errors", "global middlewares",
         "strapi::poweredBy sets X-Powered-By in a finally, so answers made from thrown errors carry it too",
         kills="GM-014")
def _(mp: MP) -> None:
    def powered_by(config: dict[str, Any], strapi: Any) -> Middleware:
        async def mw(ctx: Context, next: Next) -> Any:
            try:
                await next()
            finally:
                ctx.set("X-Powered-By", "Strapi <strapi.io>")

        return mw

    replace_item(mp, middlewares, "BUILTINS", "strapi::poweredBy", powered_by)


@variant("powered-by-missing", "global middlewares", "strapi::poweredBy does not set X-Powered-By",
         kills="GM-013 GM-004")
def _(mp: MP) -> None:
    def powered_by(config: dict[str, Any], strapi: Any) -> Middleware:
        async def mw(ctx: Context, next: Next) -> Any:
            return await next()

        return mw

    replace_item(mp, middlewares, "BUILTINS", "strapi::poweredBy", powered_by)


@variant("security-headers-missing", "global middlewares", "strapi::security omits X-Frame-Options",
         kills="GM-015")
def _(mp: MP) -> None:
    remove_item(mp, security, "HEADERS", "x-frame-options")


@variant("health-check-200", "global middlewares", "/_health answers 200 with a body instead of 204",
         kills="GM-016")
def _(mp: MP) -> None:
    @wrap(mp, strapi_mod, "health_route")
    def health_route(original: Any) -> router.Route:
        route = original()

        async def health(ctx: Context) -> Any:
            ctx.set("strapi", "You are so French!")
            return {"status": "ok"}

        route.handler = health
        return route


# -- the router ---------------------------------------------------------------------------------------


@variant("unknown-path-404-not-405", "routes",
         "no allowed-methods handling: a non-GET request to a path with only GET routes answers 404, not 405",
         kills="RT-008 ST-007")
def _(mp: MP) -> None:
    @wrap(mp, router.Router, "_find")
    def find(original: Any, self: router.Router, method: str, path: str) -> Any:
        route, params, _allowed = original(self, method, path)
        return route, params, set()


@variant("routes-without-prefix", "routes",
         "content API routes also answer without the /api prefix", kills="RT-009")
def _(mp: MP) -> None:
    @wrap(mp, strapi_mod, "api_routes")
    def routes(original: Any, project: Any, content_types: Any, prefix: str) -> list[router.Route]:
        out: list[router.Route] = original(project, content_types, prefix)
        return out + [router.Route(r.method, r.path[len(prefix):], r.handler, r.config, r.info)
                      for r in out if r.path.startswith(prefix + "/")]


# -- strapi::errors and the error envelope ---------------------------------------------------------


def _errors_middleware(not_found: bool = True, formatter: Any = None) -> Any:
    """``strapi::errors`` with one of its two duties changed."""

    def factory(config: dict[str, Any], strapi: Any) -> Middleware:
        async def mw(ctx: Context, next: Next) -> Any:
            try:
                await next()
                if not_found and not ctx.explicit_status:
                    ctx.not_found()
            except Exception as err:  # noqa: BLE001 (an error middleware catches everything)
                status, body = (formatter or errors.format_error)(err)
                ctx.status = status
                ctx.body = body

        return mw

    return factory


@variant("unanswered-not-404-json", "errors",
         "strapi::errors does not turn a request nothing answered into the JSON 404 (Koa's text 404 instead)",
         kills="GM-005 GM-010 RT-007 RM-005 CT-008 SV-004 DS-008")
def _(mp: MP) -> None:
    replace_item(mp, middlewares, "BUILTINS", "strapi::errors", _errors_middleware(not_found=False))


@variant("error-details-dropped", "errors", "the error envelope loses the details of application errors",
         kills="GM-006 PO-008 PO-012 RM-010 CT-015 SV-005 ER-001 ER-002 DS-011 LC-006")
def _(mp: MP) -> None:
    def format_error(err: BaseException) -> tuple[int, dict[str, Any]]:
        status, body = errors.format_error(err)
        body["error"]["details"] = {}
        return status, body

    replace_item(mp, middlewares, "BUILTINS", "strapi::errors", _errors_middleware(formatter=format_error))


@variant("error-body-without-data", "errors", "error bodies carry only {error}, without data: null",
         kills="ER-011 ER-014")
def _(mp: MP) -> None:
    def format_error(err: BaseException) -> tuple[int, dict[str, Any]]:
        status, body = errors.format_error(err)
        body.pop("data", None)
        return status, body

    replace_item(mp, middlewares, "BUILTINS", "strapi::errors", _errors_middleware(formatter=format_error))


@variant("error-500-reveals-message", "errors",
         "an unexpected error answers 500 with its own message and name instead of revealing nothing",
         kills="ER-009 GM-009 PO-014 CT-017")
def _(mp: MP) -> None:
    def format_error(err: BaseException) -> tuple[int, dict[str, Any]]:
        if isinstance(err, (errors.ApplicationError, errors.HttpError)):
            return errors.format_error(err)
        return 500, errors.error_envelope(500, type(err).__name__, str(err), {})

    replace_item(mp, middlewares, "BUILTINS", "strapi::errors", _errors_middleware(formatter=format_error))


@variant("error-statuses-all-400", "errors",
         "every application error answers 400, whatever its class (NotFound, Forbidden, RateLimit, ...)",
         kills="ER-003 ER-004 ER-006 ER-007 ER-008 GM-007 GM-008 PO-001 PO-013")
def _(mp: MP) -> None:
    def format_error(err: BaseException) -> tuple[int, dict[str, Any]]:
        status, body = errors.format_error(err)
        if isinstance(err, errors.ApplicationError):
            body["error"]["status"] = status = 400
        return status, body

    replace_item(mp, middlewares, "BUILTINS", "strapi::errors", _errors_middleware(formatter=format_error))


@variant("error-default-message-lost", "errors",
         "an error thrown without a message answers an empty message instead of its class's default",
         kills="ER-004 ER-007 PO-009")
def _(mp: MP) -> None:
    @wrap(mp, errors.ApplicationError, "__init__")
    def init(original: Any, self: errors.ApplicationError, message: str | None = None, details: Any = None) -> None:
        original(self, "" if message is None else message, details)


@variant("bad-json-body-500", "errors", "a malformed JSON body crashes with 500 instead of answering 400",
         kills="ER-014", crash_ok=True)
def _(mp: MP) -> None:
    @wrap_item(mp, middlewares, "BUILTINS", "strapi::body")
    def factory(original: Any, config: dict[str, Any], strapi: Any) -> Middleware:
        inner = original(config, strapi)

        async def mw(ctx: Context, next: Next) -> Any:
            try:
                return await inner(ctx, next)
            except errors.HttpError as exc:
                if exc.status == 400:
                    raise ValueError(exc.message) from exc
                raise

        return mw


@variant("body-limit-ignored", "errors", "strapi::body reads bodies of any size: no 413", kills="ER-015")
def _(mp: MP) -> None:
    @wrap(mp, Context, "read_body")
    async def read_body(original: Any, self: Context, limit: int) -> bytes:
        return await original(self, 1 << 40)


