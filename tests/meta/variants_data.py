"""Variants of the data layers: Document Service and its middlewares, lifecycle hooks, draft and
publish, and the webhooks emitted after writes."""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from reference_impl import documents, lifecycles
from reference_impl.documents import DocumentRepository
from reference_impl.query import EntityQuery
from reference_impl.webhooks import EventHub, WebhookRunner

from .faults import compose_calling_skipped_next, compose_with_copied_params
from .patching import during, replace, wrap
from .variants import variant

MP = pytest.MonkeyPatch

# -- Document Service middlewares ------------------------------------------------------------------


@variant("docmw-registered-reversed", "document service",
         "Document Service middlewares run in the reverse of their registration order",
         kills="DS-001 DS-010 CH-001 CH-002")
def _(mp: MP) -> None:
    @wrap(mp, documents, "compose")
    def compose(original: Any, middlewares: list[Any]) -> Any:
        return original(list(reversed(middlewares)))


@variant("docmw-params-changes-lost", "document service",
         "each Document Service middleware gets a copy of the params: the action never sees their changes",
         kills="DS-006 DS-007 DS-009")
def _(mp: MP) -> None:
    replace(mp, documents, "compose", compose_with_copied_params)


@variant("docmw-halt-ignored", "document service",
         "a Document Service middleware that returns without calling next() does not stop the action",
         kills="DS-008")
def _(mp: MP) -> None:
    replace(mp, documents, "compose", compose_calling_skipped_next)


@variant("docmw-bypassed-on-writes", "document service", "create, update and delete skip the Document Service middlewares",
         kills="DS-004 DS-005 DS-009 CH-003 CH-005 CH-006")
def _(mp: MP) -> None:
    @wrap(mp, documents, "compose")
    def compose(original: Any, middlewares: list[Any]) -> Any:
        chain = original(middlewares)

        async def bypassing(context: dict[str, Any], execute: Callable[[], Awaitable[Any]]) -> Any:
            if context["action"] in ("create", "update", "delete"):
                return await execute()
            return await chain(context, execute)

        return bypassing


@variant("publish-on-create-is-an-action", "document service",
         "a create with status published runs a separate publish action through the middlewares",
         kills="DS-004")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "create")
    async def create(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        if params.get("status") != "published" or not self.ct.draft_and_publish:
            return await original(self, params)
        draft = await original(self, {**params, "status": "draft"})
        result = await self.strapi.documents(self.ct.uid).publish({**params, "documentId": draft["documentId"]})
        return result["entries"][0] if result["entries"] else None


@variant("documents-read-published-by-default", "document service",
         "the Document Service reads published versions when no status is given (drafts are its default)",
         kills="DS-014")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "_status_where")
    def status_where(original: Any, self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return original(self, {"status": "published", **params})


@variant("documents-update-missing-creates", "document service",
         "update of a document that does not exist creates it instead of returning null",
         kills="DS-016 CT-011")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "update")
    async def update(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        result = await original(self, params)
        return await self.create(params) if result is None else result


@variant("documents-delete-returns-nothing", "document service", "delete returns nothing instead of {documentId, entries}",
         kills="DS-017")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "delete")
    async def delete(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        await original(self, params)
        return None


@variant("documents-findfirst-unsorted", "document service", "findFirst ignores sort", kills="DS-015")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "findFirst")
    async def find_first(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {k: v for k, v in params.items() if k != "sort"})


@variant("documents-count-unfiltered", "document service", "count ignores filters and counts every row",
         kills="DS-015 RP-050 CT-002 RP-058")
def _(mp: MP) -> None:
    async def count(self: DocumentRepository, params: dict[str, Any]) -> int:
        return int(await self.query.count({"where": {}}))

    replace(mp, DocumentRepository, "count", count)


# -- lifecycle hooks ---------------------------------------------------------------------------------

def _without_hooks(mp: MP, query_action: str) -> None:
    """``query_action`` queries run without their lifecycle hooks."""

    @wrap(mp, lifecycles.Lifecycles, "run")
    async def run(original: Any, self: lifecycles.Lifecycles, action: str, model: Any, params: dict[str, Any],
                  execute: Callable[[], Awaitable[Any]], after_on_none: bool = True) -> Any:
        if action == query_action:
            return await execute()
        return await original(self, action, model, params, execute, after_on_none)


def _patch_hook_events(mp: MP, change: Callable[[str, lifecycles.Event, list[Any]], None]) -> None:
    """Before each hook call, ``change(hook, event, shared)`` may alter its event; ``shared`` is a list
    that lives as long as one query's run of the hooks (``Lifecycles.run``)."""
    shared: contextvars.ContextVar[list[Any]] = contextvars.ContextVar("one query's hooks")

    @wrap(mp, lifecycles.Lifecycles, "run")
    async def run(original: Any, *args: Any, **kwargs: Any) -> Any:
        token = shared.set([])
        try:
            return await original(*args, **kwargs)
        finally:
            shared.reset(token)

    @wrap(mp, lifecycles, "_call")
    async def call(original: Any, sub: Any, hook: str, event: lifecycles.Event) -> None:
        change(hook, event, shared.get([]))
        await original(sub, hook, event)


@variant("after-hooks-before-query", "lifecycles", "after hooks run before the query instead of once it has answered",
         kills="LC-017")
def _(mp: MP) -> None:
    async def nothing() -> None:
        return None

    @wrap(mp, lifecycles.Lifecycles, "run")
    async def run(original: Any, self: lifecycles.Lifecycles, action: str, model: Any, params: dict[str, Any],
                  execute: Callable[[], Awaitable[Any]], after_on_none: bool = True) -> Any:
        await original(self, action, model, params, nothing, True)  # before and after hooks, no query
        return await execute()


@variant("find-many-without-hooks", "lifecycles", "findMany queries run no lifecycle hooks",
         kills="LC-001 LC-002 DS-010 CH-001")
def _(mp: MP) -> None:
    _without_hooks(mp, "findMany")


@variant("count-without-hooks", "lifecycles", "count queries run no lifecycle hooks", kills="LC-013")
def _(mp: MP) -> None:
    _without_hooks(mp, "count")


@variant("lifecycle-state-lost", "lifecycles", "an after hook gets a fresh event.state, not the one its before hook set",
         kills="LC-004 LC-005")
def _(mp: MP) -> None:
    def fresh_state(hook: str, event: lifecycles.Event, shared: list[Any]) -> None:
        if hook.startswith("after"):
            event.state = {}

    _patch_hook_events(mp, fresh_state)


@variant("lifecycle-state-shared", "lifecycles", "all subscribers of one query share a single event.state",
         kills="LC-005")
def _(mp: MP) -> None:
    def one_state(hook: str, event: lifecycles.Event, shared: list[Any]) -> None:
        if not shared:
            shared.append(event.state)
        event.state = shared[0]

    _patch_hook_events(mp, one_state)


@variant("subscribers-before-lifecycles-file", "lifecycles",
         "programmatic subscribers run before the content type's lifecycles file", kills="LC-002 LC-003")
def _(mp: MP) -> None:
    @wrap(mp, lifecycles.Lifecycles, "_matching")
    def matching(original: Any, self: lifecycles.Lifecycles, uid: str) -> list[Any]:
        subscribers = original(self, uid)
        programmatic = [sub for sub in subscribers if any(sub is p for p in self._programmatic)]
        models = [sub for sub in subscribers if any(sub is m for m in self._models)]
        others = [sub for sub in subscribers if sub not in programmatic and sub not in models]
        return others + programmatic + models


@variant("before-hook-errors-swallowed", "lifecycles", "an error thrown in a before hook is logged and the query runs anyway",
         kills="LC-006 ER-012 CH-007 WH-012 LC-015")
def _(mp: MP) -> None:
    @wrap(mp, lifecycles, "_call")
    async def call(original: Any, sub: Any, hook: str, event: lifecycles.Event) -> None:
        try:
            await original(sub, hook, event)
        except Exception:
            if not hook.startswith("before"):
                raise


@variant("before-hook-data-change-lost", "lifecycles",
         "the query writes the data as it was before the before hooks ran", kills="LC-007")
def _(mp: MP) -> None:
    frozen: dict[int, dict[str, Any]] = {}

    @wrap(mp, EntityQuery, "create")
    async def create(original: Any, self: EntityQuery, params: dict[str, Any]) -> Any:
        frozen[id(params)] = copy.deepcopy(params)  # before the hooks change it
        try:
            return await original(self, params)
        finally:
            del frozen[id(params)]

    @wrap(mp, EntityQuery, "_create")
    async def write(original: Any, self: EntityQuery, params: dict[str, Any]) -> Any:
        before = frozen.get(id(params))
        if before is not None:
            data = dict(before.get("data") or {})
            for key in ("createdAt", "updatedAt"):  # keep the timestamps subscriber's work
                if key in (params.get("data") or {}):
                    data[key] = params["data"][key]
            params = {**before, "data": data}
        return await original(self, params)


@variant("delete-keeps-draft", "lifecycles", "deleting a document removes only its published version",
         kills="LC-009")
def _(mp: MP) -> None:
    deleting = during(mp, DocumentRepository, "delete")

    @wrap(mp, EntityQuery, "findMany")
    async def find_many(original: Any, self: EntityQuery, params: dict[str, Any] | None = None) -> Any:
        # the rows the document delete removes: only the published ones
        if deleting() is not None and params and self.ct.draft_and_publish and params.get("select") == ["id"]:
            params = {**params, "where": {**params["where"], "publishedAt": {"$notNull": True}}}
        return await original(self, params)


@variant("delete-fires-bulk-hooks", "lifecycles", "deleting a document runs one deleteMany query (bulk hooks)",
         kills="LC-009 LC-012 CH-006")
def _(mp: MP) -> None:
    deleting = during(mp, DocumentRepository, "delete")
    deleted: dict[int, dict[str, Any]] = {}  # id -> row, of the document being deleted

    @wrap(mp, EntityQuery, "delete")
    async def delete(original: Any, self: EntityQuery, params: dict[str, Any]) -> Any:
        call = deleting()
        if call is None:
            return await original(self, params)
        row_id = params["where"]["id"]
        if row_id not in deleted:  # the first row: one bulk query for every row of the document
            document_id = call[1].get("documentId")
            rows = await self.findMany({"where": {"documentId": document_id}})
            deleted.update((row["id"], row) for row in rows)
            await self.deleteMany({"where": {"documentId": document_id}})
        return deleted.pop(row_id, None)


# -- draft and publish -------------------------------------------------------------------------------


@variant("create-published-without-draft", "draft and publish",
         "a create with status published writes only the published row, no draft", kills="LC-010 DP-012")
def _(mp: MP) -> None:
    creating = during(mp, DocumentRepository, "create")

    @wrap(mp, DocumentRepository, "_publish_rows")
    async def publish_rows(original: Any, self: DocumentRepository, document_id: Any, params: dict[str, Any]) -> Any:
        if creating() is None:
            return await original(self, document_id, params)
        # the draft just created becomes the published row: no copy, no draft left
        entry = await self.query.update({"where": {"documentId": document_id, "publishedAt": {"$null": True}},
                                         "data": {"publishedAt": documents.now()}})
        self._emit("entry.publish", entry)
        return entry


@variant("status-draft-ignored-on-create", "draft and publish", "a create with status=draft publishes anyway",
         kills="DP-002 LC-011")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "create")
    async def create(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {**params, "status": "published"})


@variant("status-published-ignored-on-create", "draft and publish",
         "a create with status published creates only a draft", kills="DS-018 DP-001")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "create")
    async def create(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {**params, "status": "draft"})


@variant("status-draft-ignored-on-update", "draft and publish", "a PUT with status=draft publishes anyway",
         kills="DP-008")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "update")
    async def update(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {**params, "status": "published"})


@variant("status-ignored-on-reads", "draft and publish", "reads ignore status: drafts and published versions both answer",
         kills="DP-003 DP-005 SV-009")
def _(mp: MP) -> None:
    replace(mp, DocumentRepository, "_status_where", lambda self, params: {})


@variant("publish-is-noop", "draft and publish", "publish does nothing", kills="DP-009 DS-013")
def _(mp: MP) -> None:
    async def publish(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return {"documentId": params.get("documentId"), "entries": []}

    replace(mp, DocumentRepository, "publish", publish)


@variant("unpublish-is-noop", "draft and publish", "unpublish does nothing", kills="DP-010 WH-011")
def _(mp: MP) -> None:
    async def unpublish(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return {"documentId": params.get("documentId"), "entries": []}

    replace(mp, DocumentRepository, "unpublish", unpublish)


@variant("discard-draft-is-noop", "draft and publish", "discardDraft does nothing", kills="DP-011")
def _(mp: MP) -> None:
    async def discard(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return {"documentId": params.get("documentId"), "entries": []}

    replace(mp, DocumentRepository, "discardDraft", discard)


@variant("published-copy-new-document-id", "draft and publish",
         "publishing copies the draft under a new documentId: the two versions no longer share it",
         kills="DP-012 DP-007")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "_copy_data")
    def copy_data(original: Any, self: DocumentRepository, entry: dict[str, Any]) -> dict[str, Any]:
        return {**original(self, entry), "documentId": documents.new_document_id()}


# -- webhooks ----------------------------------------------------------------------------------------


def _patch_emit(mp: MP, change: Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]] | None]) -> None:
    """Patch what reaches the event hub: ``change(event, info)`` returns the pair or None (dropped)."""
    @wrap(mp, EventHub, "emit")
    def emit(original: Any, self: EventHub, event: str, info: dict[str, Any]) -> None:
        changed = change(event, info)
        if changed is not None:
            original(self, *changed)


@variant("webhook-model-is-uid", "webhooks", "the webhook payload's model is the uid instead of the singular name",
         kills="WH-002 WH-005")
def _(mp: MP) -> None:
    _patch_emit(mp, lambda event, info: (event, {**info, "model": info["uid"]}))


@variant("webhook-no-publish-event", "webhooks", "publishing sends no entry.publish event", kills="WH-001 WH-007")
def _(mp: MP) -> None:
    _patch_emit(mp, lambda event, info: None if event == "entry.publish" else (event, info))


@variant("webhook-update-as-create", "webhooks", "an update is sent as entry.create", kills="WH-005 WH-007")
def _(mp: MP) -> None:
    _patch_emit(mp, lambda event, info: ("entry.create" if event == "entry.update" else event, info))


@variant("webhook-private-attributes", "webhooks", "webhook payloads carry private attributes", kills="WH-008")
def _(mp: MP) -> None:
    replace(mp, documents, "sanitize_output", lambda ct, types, data: data)


@variant("webhook-event-header-missing", "webhooks", "deliveries carry no X-Strapi-Event header", kills="WH-003")
def _(mp: MP) -> None:
    @wrap(mp, WebhookRunner, "_post")
    async def post(original: Any, self: WebhookRunner, url: str, event: str, body: str,
                   headers: dict[str, str]) -> None:
        await original(self, url, event, body, {k: v for k, v in headers.items() if k != "X-Strapi-Event"})


@variant("webhook-own-headers-dropped", "webhooks", "a webhook's own headers are not sent", kills="WH-009")
def _(mp: MP) -> None:
    @wrap(mp, WebhookRunner, "create_webhook")
    def create_webhook(original: Any, self: WebhookRunner, name: str, url: str, events: list[str],
                       headers: dict[str, str] | None = None, is_enabled: bool = True) -> Any:
        return original(self, name, url, events, None, is_enabled)

