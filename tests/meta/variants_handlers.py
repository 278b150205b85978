"""Variants of the handlers: core controllers (statuses, shapes, sanitizing) and core services."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest

from reference_impl import controllers, endpoint
from reference_impl.compose import Next
from reference_impl.context import Context
from reference_impl.controllers import CoreController
from reference_impl.documents import DocumentFacade
from reference_impl.services import CoreService

from .patching import during, replace, wrap
from .variants import variant

MP = pytest.MonkeyPatch


def _wrap_action(mp: MP, cls: type, action: str, after: Any) -> None:
    """Patch ``cls.action`` so that ``after(self, args, result)`` decides what it returns."""

    @wrap(mp, cls, action)
    async def wrapped(original: Any, self: Any, *args: Any) -> Any:
        return after(self, args, await original(self, *args))


# -- controllers ------------------------------------------------------------------------------------


@variant("controller-skips-service", "controllers",
         "core controller actions call a fresh core service instead of the content type's registered service",
         kills="CT-001 CT-018 SV-001 SV-004 CH-001")
def _(mp: MP) -> None:
    replace(mp, CoreController, "service", property(lambda self: CoreService(self.strapi, self.uid)))


@variant("create-answers-200", "controllers", "create answers 200 instead of 201",
         kills="RT-003 CT-009 PO-021 DS-004 LC-003 CH-003 DP-001", exit2=r"i18n")  # the i18n probe sees it first
def _(mp: MP) -> None:
    def after(self: Any, args: tuple[Any, ...], result: Any) -> Any:
        args[0].status = 200
        return result

    _wrap_action(mp, CoreController, "create", after)


@variant("delete-answers-200", "controllers", "delete answers 200 with the deleted document instead of 204",
         kills="RT-005 RT-011 CH-006 LC-009 AU-008 ST-005")
def _(mp: MP) -> None:
    def after(self: Any, args: tuple[Any, ...], result: Any) -> Any:
        ctx: Context = args[0]
        ctx.status = 200
        return {"data": {"documentId": ctx.params.get("id")}, "meta": {}}

    _wrap_action(mp, CoreController, "delete", after)


@variant("return-body-missing", "controllers",
         "the value a content-API controller returns never becomes the body (no return-body step)",
         kills="RT-003 CT-009 AU-001", exit2=r"probes could not prove")
def _(mp: MP) -> None:
    @wrap(mp, endpoint, "return_body")
    async def return_body(original: Any, ctx: Context, next: Next) -> Any:
        # The fixture's own routes keep their bodies: without them discovery and the capability
        # probes fail and the run tests a black-box target (or refuses to start), not this fault.
        if ctx.path.startswith("/api/conformance/"):
            return await original(ctx, next)
        return await next()


@variant("return-value-replaces-body", "controllers",
         "the value a controller returns always becomes the body, even null, replacing a body it set",
         kills="CT-007 CT-008 SV-004 DS-008 RT-012 CT-011 DP-005")
def _(mp: MP) -> None:
    async def return_body(ctx: Context, next: Next) -> Any:
        value = await next()
        ctx.body = value
        return value

    replace(mp, endpoint, "return_body", return_body)


@variant("private-attributes-answered", "controllers", "the controller does not remove private attributes",
         kills="CT-005")
def _(mp: MP) -> None:
    replace(mp, controllers, "sanitize_output", lambda ct, types, data: data)


@variant("response-v4-shape", "controllers", "entries are answered in the v4 shape {id, attributes: {...}}",
         kills="CT-004 RT-001 RT-002 CT-002 CT-003", exit2=r"i18n")  # the i18n probe sees it first
def _(mp: MP) -> None:
    def nest(entry: Any) -> Any:
        if not isinstance(entry, dict):
            return entry
        return {"id": entry.get("id"), "attributes": {k: v for k, v in entry.items() if k != "id"}}

    @wrap(mp, controllers, "transform_response")
    def transform_response(original: Any, data: Any, meta: dict[str, Any] | None = None, **kw: Any) -> Any:
        data = [nest(e) for e in data] if isinstance(data, list) else nest(data)
        return original(data, meta, **kw)


@variant("single-entry-without-meta", "controllers", "one-entry answers leave out the empty meta object",
         kills="RT-002 CT-003 CT-009 CT-010 ST-002 ST-004")
def _(mp: MP) -> None:
    @wrap(mp, controllers, "transform_response")
    def transform_response(original: Any, data: Any, meta: dict[str, Any] | None = None, **kw: Any) -> Any:
        out = original(data, meta, **kw)
        if isinstance(out, dict) and meta is None:
            out.pop("meta", None)
        return out


@variant("not-found-answers-null-data", "controllers",
         "a document that does not exist answers 200 {data: null} instead of 404",
         kills="RT-006 RT-012 CT-011 DP-005 ST-001")
def _(mp: MP) -> None:
    @wrap(mp, controllers, "transform_response")
    def transform_response(original: Any, data: Any, meta: dict[str, Any] | None = None, **kw: Any) -> Any:
        return {"data": None, "meta": meta or {}} if data is None else original(data, meta, **kw)


@variant("list-without-pagination-meta", "controllers", "find answers a list with an empty meta, no pagination",
         kills="RT-001 CT-002 RP-050")
def _(mp: MP) -> None:
    @wrap(mp, controllers, "transform_response")
    def transform_response(original: Any, data: Any, meta: dict[str, Any] | None = None, **kw: Any) -> Any:
        return original(data, {} if isinstance(data, list) else meta, **kw)


@variant("timestamps-not-answered", "controllers", "createdAt and updatedAt are removed from answers",
         kills="CT-004 CT-009")
def _(mp: MP) -> None:
    @wrap(mp, controllers, "sanitize_output")
    def sanitize_output(original: Any, ct: Any, types: Any, data: Any) -> Any:
        out = original(ct, types, data)
        for entry in out if isinstance(out, list) else [out] if isinstance(out, dict) else []:
            entry.pop("createdAt", None)
            entry.pop("updatedAt", None)
        return out


@variant("status-parameter-ignored-on-reads", "draft and publish", "GET requests drop the status query parameter",
         kills="DP-004 DP-006 DP-012")
def _(mp: MP) -> None:
    @wrap(mp, CoreController, "sanitize_query")
    def sanitize_query(original: Any, self: CoreController, ctx: Context) -> dict[str, Any]:
        query = original(self, ctx)
        if ctx.method == "GET":
            query.pop("status", None)
        return query


@variant("missing-data-accepted", "controllers", "create and update accept a body without a data object",
         kills="CT-012 CT-013 CT-014 ST-006")
def _(mp: MP) -> None:
    def body_data(self: CoreController, ctx: Context) -> dict[str, Any]:
        body = ctx.request_body
        data = body.get("data") if isinstance(body, dict) else None
        return data if isinstance(data, dict) else {}

    replace(mp, CoreController, "_body_data", body_data)


@variant("single-type-missing-200", "single types", "a single type with no entry answers 200 {data: null}",
         kills="ST-001 ST-005")
def _(mp: MP) -> None:
    @wrap(mp, CoreController, "find")
    async def find(original: Any, self: CoreController, ctx: Context) -> Any:
        result = await original(self, ctx)
        return {"data": None, "meta": {}} if result is None and self.ct.is_single else result


# -- services ---------------------------------------------------------------------------------------


def _page_reads(mp: MP, change: Any) -> None:
    """Inside the core service's find, ``await change(facade, params, original_find_many, paged, with_count)``
    reads the page instead of ``findMany``."""
    finding = during(mp, CoreService, "find")

    @wrap(mp, DocumentFacade, "findMany")
    async def find_many(original: Any, self: DocumentFacade, params: dict[str, Any] | None = None) -> Any:
        call = finding()
        if call is None:
            return await original(self, params)
        service, query = call[0], (call[1] if len(call) > 1 else None) or {}
        _info, paged, with_count = service.strapi.rest.pagination(query)
        return await change(self, params or {}, lambda p: original(self, p), paged, with_count)


@variant("service-reads-drafts", "services", "the core service reads and writes drafts by default (no status=published)",
         kills="SV-009 DP-001 DP-003 DP-005 LC-010 WH-001")
def _(mp: MP) -> None:
    replace(mp, CoreService, "get_fetch_params", lambda self, params=None: {"status": "draft", **(params or {})})


@variant("service-writes-drafts", "services",
         "REST writes default to drafts: create and update do not publish unless asked",
         kills="DP-001 DP-007 LC-010 WH-001 WH-007")
def _(mp: MP) -> None:
    @wrap(mp, CoreService, "create")
    async def create_draft(create: Any, self: CoreService, params: dict[str, Any] | None = None) -> Any:
        return await create(self, {"status": "draft", **(params or {})})

    @wrap(mp, CoreService, "update")
    async def update_draft(update: Any, self: CoreService, document_id: str | None, params: dict[str, Any] | None = None) -> Any:
        return await update(self, document_id, {"status": "draft", **(params or {})})


@variant("service-always-counts", "services", "the core service counts even when withCount is false",
         kills="SV-003 RP-053 RP-054")
def _(mp: MP) -> None:
    from reference_impl.rest import RestParams

    @wrap(mp, RestParams, "pagination")
    def pagination(original: Any, self: RestParams, query: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
        info, paged, _with_count = original(self, query)
        return info, paged, True


@variant("service-counts-first", "services", "the core service counts before it reads the page",
         kills="DS-002 SV-002")
def _(mp: MP) -> None:
    counted: contextvars.ContextVar[list[Any]] = contextvars.ContextVar("counted first")

    async def count_first(facade: Any, params: dict[str, Any], find_many: Any, paged: bool, with_count: bool) -> Any:
        if with_count:
            counted.set([await facade.count({k: v for k, v in params.items() if k not in ("start", "limit")})])
        return await find_many(params)

    _page_reads(mp, count_first)

    @wrap(mp, DocumentFacade, "count")
    async def count(original: Any, self: DocumentFacade, params: dict[str, Any] | None = None) -> Any:
        first = counted.get(None)
        return first.pop() if first else await original(self, params)


@variant("service-page-window-off-by-one", "services", "the core service starts page p at p * pageSize",
         kills="RP-051")
def _(mp: MP) -> None:
    async def next_page(facade: Any, params: dict[str, Any], find_many: Any, paged: bool, with_count: bool) -> Any:
        if paged:
            params = {**params, "start": params["start"] + params["limit"]}
        return await find_many(params)

    _page_reads(mp, next_page)


@variant("findone-through-findmany", "services",
         "the core service reads one document with findMany and a limit of 1 instead of findOne",
         kills="DS-003 LC-014 CH-004 LC-016")
def _(mp: MP) -> None:
    async def find_one(self: CoreService, document_id: str, params: dict[str, Any] | None = None) -> Any:
        found = await self._documents().findMany(
            {**self.get_fetch_params(params), "filters": {"documentId": document_id}, "limit": 1})
        return found[0] if found else None

    replace(mp, CoreService, "findOne", find_one)


@variant("single-type-put-creates", "single types", "PUT on a single type creates a new entry every time",
         kills="ST-003")
def _(mp: MP) -> None:
    @wrap(mp, CoreService, "update")
    async def update(original: Any, self: CoreService, document_id: str | None, params: dict[str, Any] | None = None) -> Any:
        if self.ct.is_single:
            return await self._documents().create(self.get_fetch_params(params))
        return await original(self, document_id, params)


@variant("single-type-fields-ignored", "single types", "a single type's find ignores fields", kills="ST-008")
def _(mp: MP) -> None:
    @wrap(mp, CoreService, "find")
    async def find(original: Any, self: CoreService, params: dict[str, Any] | None = None) -> Any:
        if self.ct.is_single:
            params = {k: v for k, v in (params or {}).items() if k != "fields"}
        return await original(self, params)

