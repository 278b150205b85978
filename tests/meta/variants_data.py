"""Variants of the data layers: Document Service and its middlewares, lifecycle hooks, draft and
publish, and the webhooks emitted after writes."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from reference_impl import documents, lifecycles
from reference_impl.documents import DocumentRepository, DocumentService
from reference_impl.query import EntityQuery
from reference_impl.webhooks import WebhookRunner

from .faults import compose_calling_skipped_next, compose_with_copied_params
from .variants import variant

MP = pytest.MonkeyPatch

# -- Document Service middlewares ------------------------------------------------------------------


@variant("docmw-registered-reversed", "document service",
         "Document Service middlewares run in the reverse of their registration order",
         kills="DS-001 DS-010 CH-001 CH-002")
def _(mp: MP) -> None:
    def use(self: DocumentService, middleware: Any) -> Callable[[], None]:
        self._middlewares.insert(0, middleware)
        self._chain = None
        return lambda: None

    mp.setattr(DocumentService, "use", use)


@variant("docmw-params-changes-lost", "document service",
         "each Document Service middleware gets a copy of the params: the action never sees their changes",
         kills="DS-006 DS-007 DS-009")
def _(mp: MP) -> None:
    mp.setattr(documents, "compose", compose_with_copied_params)


@variant("docmw-halt-ignored", "document service",
         "a Document Service middleware that returns without calling next() does not stop the action",
         kills="DS-008")
def _(mp: MP) -> None:
    mp.setattr(documents, "compose", compose_calling_skipped_next)


@variant("docmw-bypassed-on-writes", "document service", "create, update and delete skip the Document Service middlewares",
         kills="DS-004 DS-005 DS-009 CH-003 CH-005 CH-006")
def _(mp: MP) -> None:
    original = DocumentService.run

    async def run(self: DocumentService, uid: str, action: str, params: dict[str, Any] | None) -> Any:
        if action in ("create", "update", "delete"):
            async with self.strapi.db.transaction():
                return await getattr(self.repository(uid), action)(params or {})
        return await original(self, uid, action, params)

    mp.setattr(DocumentService, "run", run)


@variant("publish-on-create-is-an-action", "document service",
         "a create with status published runs a separate publish action through the middlewares",
         kills="DS-004")
def _(mp: MP) -> None:
    original = DocumentRepository.create

    async def create(self: DocumentRepository, params: dict[str, Any]) -> Any:
        if params.get("status") != "published" or not self.ct.draft_and_publish:
            return await original(self, params)
        draft = await original(self, {**params, "status": "draft"})
        result = await self.strapi.documents(self.ct.uid).publish({**params, "documentId": draft["documentId"]})
        return result["entries"][0] if result["entries"] else None

    mp.setattr(DocumentRepository, "create", create)


@variant("documents-read-published-by-default", "document service",
         "the Document Service reads published versions when no status is given (drafts are its default)",
         kills="DS-014")
def _(mp: MP) -> None:
    original = DocumentRepository._status_where

    def status_where(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return original(self, {"status": "published", **params})

    mp.setattr(DocumentRepository, "_status_where", status_where)


@variant("documents-update-missing-creates", "document service",
         "update of a document that does not exist creates it instead of returning null",
         kills="DS-016 CT-011")
def _(mp: MP) -> None:
    original = DocumentRepository.update

    async def update(self: DocumentRepository, params: dict[str, Any]) -> Any:
        result = await original(self, params)
        return await self.create(params) if result is None else result

    mp.setattr(DocumentRepository, "update", update)


@variant("documents-delete-returns-nothing", "document service", "delete returns nothing instead of {documentId, entries}",
         kills="DS-017")
def _(mp: MP) -> None:
    original = DocumentRepository.delete

    async def delete(self: DocumentRepository, params: dict[str, Any]) -> Any:
        await original(self, params)
        return None

    mp.setattr(DocumentRepository, "delete", delete)


@variant("documents-findfirst-unsorted", "document service", "findFirst ignores sort", kills="DS-015")
def _(mp: MP) -> None:
    original = DocumentRepository.findFirst

    async def find_first(self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {k: v for k, v in params.items() if k != "sort"})

    mp.setattr(DocumentRepository, "findFirst", find_first)


@variant("documents-count-unfiltered", "document service", "count ignores filters and counts every row",
         kills="DS-015 RP-050 CT-002 RP-058")
def _(mp: MP) -> None:
    async def count(self: DocumentRepository, params: dict[str, Any]) -> int:
        return int(await self.query.count({"where": {}}))

    mp.setattr(DocumentRepository, "count", count)


# -- lifecycle hooks ---------------------------------------------------------------------------------

def _lifecycle_runner(after_first: bool = False, keep_state: bool = True, share_state: bool = False) -> Any:
    """``Lifecycles.run`` with the order of the query and the after hooks, or the states, changed."""

    async def run(self: lifecycles.Lifecycles, action: str, model: Any, params: dict[str, Any],
                  execute: Callable[[], Awaitable[Any]]) -> Any:
        subscribers = self._matching(model.uid)
        before, after = lifecycles._hook_name("before", action), lifecycles._hook_name("after", action)
        shared = lifecycles.Event(before, model, params)
        states = []
        for sub in subscribers:
            event = shared if share_state else lifecycles.Event(before, model, params)
            await lifecycles._call(sub, before, event)
            states.append(event.state)
        result = None if after_first else await execute()
        for sub, state in zip(subscribers, states, strict=True):
            state = shared.state if share_state else state if keep_state else {}
            await lifecycles._call(sub, after, lifecycles.Event(after, model, params, state, result))
        return await execute() if after_first else result

    return run


@variant("after-hooks-before-query", "lifecycles", "after hooks run before the query instead of once it has answered",
         kills="LC-017")
def _(mp: MP) -> None:
    mp.setattr(lifecycles.Lifecycles, "run", _lifecycle_runner(after_first=True))


@variant("find-many-without-hooks", "lifecycles", "findMany queries run no lifecycle hooks",
         kills="LC-001 LC-002 DS-010 CH-001")
def _(mp: MP) -> None:
    async def find_many(self: EntityQuery, params: dict[str, Any] | None = None) -> Any:
        return await self._find(params if params is not None else {}, one=False)

    mp.setattr(EntityQuery, "findMany", find_many)


@variant("count-without-hooks", "lifecycles", "count queries run no lifecycle hooks", kills="LC-013")
def _(mp: MP) -> None:
    async def count(self: EntityQuery, params: dict[str, Any] | None = None) -> Any:
        return await self._count(params if params is not None else {})

    mp.setattr(EntityQuery, "count", count)


@variant("lifecycle-state-lost", "lifecycles", "an after hook gets a fresh event.state, not the one its before hook set",
         kills="LC-004 LC-005")
def _(mp: MP) -> None:
    mp.setattr(lifecycles.Lifecycles, "run", _lifecycle_runner(keep_state=False))


@variant("lifecycle-state-shared", "lifecycles", "all subscribers of one query share a single event.state",
         kills="LC-005")
def _(mp: MP) -> None:
    mp.setattr(lifecycles.Lifecycles, "run", _lifecycle_runner(share_state=True))


@variant("subscribers-before-lifecycles-file", "lifecycles",
         "programmatic subscribers run before the content type's lifecycles file", kills="LC-002 LC-003")
def _(mp: MP) -> None:
    def matching(self: lifecycles.Lifecycles, uid: str) -> list[Any]:
        out = []
        for sub in (*self._builtin, *self._programmatic, *self._models):
            models = sub.get("models") if isinstance(sub, dict) else None
            if not models or uid in models:
                out.append(sub)
        return out

    mp.setattr(lifecycles.Lifecycles, "_matching", matching)


@variant("before-hook-errors-swallowed", "lifecycles", "an error thrown in a before hook is logged and the query runs anyway",
         kills="LC-006 ER-012 CH-007 WH-012 LC-015")
def _(mp: MP) -> None:
    original = lifecycles._call

    async def call(sub: Any, hook: str, event: lifecycles.Event) -> None:
        try:
            await original(sub, hook, event)
        except Exception:  # noqa: BLE001 (the fault: the error is swallowed)
            if not hook.startswith("before"):
                raise

    mp.setattr(lifecycles, "_call", call)


@variant("before-hook-data-change-lost", "lifecycles",
         "the query writes the data as it was before the before hooks ran", kills="LC-007")
def _(mp: MP) -> None:
    async def create(self: EntityQuery, params: dict[str, Any]) -> Any:
        frozen = copy.deepcopy(params)

        async def execute() -> Any:
            data = frozen.get("data") or {}
            for key in ("createdAt", "updatedAt"):  # keep the timestamps subscriber's work
                if key in (params.get("data") or {}):
                    data[key] = params["data"][key]
            return await self._create(frozen)

        return await self.db.lifecycles.run("create", self.ct, params, execute)

    mp.setattr(EntityQuery, "create", create)


@variant("delete-keeps-draft", "lifecycles", "deleting a document removes only its published version",
         kills="LC-009")
def _(mp: MP) -> None:
    async def delete(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        where: dict[str, Any] = {"documentId": params.get("documentId")}
        if self.ct.draft_and_publish:
            where["publishedAt"] = {"$notNull": True}
        entries = []
        for row in await self.query.findMany({"where": where, "select": ["id"]}):
            entry = await self.query.delete({"where": {"id": row["id"]}})
            self._emit("entry.delete", entry)
            entries.append(entry)
        return {"documentId": params.get("documentId"), "entries": entries}

    mp.setattr(DocumentRepository, "delete", delete)


@variant("delete-fires-bulk-hooks", "lifecycles", "deleting a document runs one deleteMany query (bulk hooks)",
         kills="LC-009 LC-012 CH-006")
def _(mp: MP) -> None:
    async def delete(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        document_id = params.get("documentId")
        rows = await self.query.findMany({"where": {"documentId": document_id}})
        await self.query.deleteMany({"where": {"documentId": document_id}})
        for row in rows:
            self._emit("entry.delete", row)
        return {"documentId": document_id, "entries": rows}

    mp.setattr(DocumentRepository, "delete", delete)


# -- draft and publish -------------------------------------------------------------------------------


@variant("create-published-without-draft", "draft and publish",
         "a create with status published writes only the published row, no draft", kills="LC-010 DP-012")
def _(mp: MP) -> None:
    original = DocumentRepository.create

    async def create(self: DocumentRepository, params: dict[str, Any]) -> Any:
        if params.get("status") != "published" or not self.ct.draft_and_publish:
            return await original(self, params)
        data = {k: v for k, v in (params.get("data") or {}).items() if k not in ("id", "documentId")}
        data.update(documentId=documents.new_document_id(), publishedAt=documents.now())
        entry = await self.query.create({"data": await self._resolve_relations(data, True), **self._shape(params)})
        self._emit("entry.create", entry)
        self._emit("entry.publish", entry)
        return entry

    mp.setattr(DocumentRepository, "create", create)


@variant("status-draft-ignored-on-create", "draft and publish", "a create with status=draft publishes anyway",
         kills="DP-002 LC-011")
def _(mp: MP) -> None:
    original = DocumentRepository.create

    async def create(self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {**params, "status": "published"})

    mp.setattr(DocumentRepository, "create", create)


@variant("status-published-ignored-on-create", "draft and publish",
         "a create with status published creates only a draft", kills="DS-018 DP-001")
def _(mp: MP) -> None:
    original = DocumentRepository.create

    async def create(self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {**params, "status": "draft"})

    mp.setattr(DocumentRepository, "create", create)


@variant("status-draft-ignored-on-update", "draft and publish", "a PUT with status=draft publishes anyway",
         kills="DP-008")
def _(mp: MP) -> None:
    original = DocumentRepository.update

    async def update(self: DocumentRepository, params: dict[str, Any]) -> Any:
        return await original(self, {**params, "status": "published"})

    mp.setattr(DocumentRepository, "update", update)


@variant("status-ignored-on-reads", "draft and publish", "reads ignore status: drafts and published versions both answer",
         kills="DP-003 DP-005 SV-009")
def _(mp: MP) -> None:
    mp.setattr(DocumentRepository, "_status_where", lambda self, params: {})


@variant("publish-is-noop", "draft and publish", "publish does nothing", kills="DP-009 DS-013")
def _(mp: MP) -> None:
    async def publish(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return {"documentId": params.get("documentId"), "entries": []}

    mp.setattr(DocumentRepository, "publish", publish)


@variant("unpublish-is-noop", "draft and publish", "unpublish does nothing", kills="DP-010 WH-011")
def _(mp: MP) -> None:
    async def unpublish(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return {"documentId": params.get("documentId"), "entries": []}

    mp.setattr(DocumentRepository, "unpublish", unpublish)


@variant("discard-draft-is-noop", "draft and publish", "discardDraft does nothing", kills="DP-011")
def _(mp: MP) -> None:
    async def discard(self: DocumentRepository, params: dict[str, Any]) -> dict[str, Any]:
        return {"documentId": params.get("documentId"), "entries": []}

    mp.setattr(DocumentRepository, "discardDraft", discard)


@variant("published-copy-new-document-id", "draft and publish",
         "publishing copies the draft under a new documentId: the two versions no longer share it",
         kills="DP-012 DP-007")
def _(mp: MP) -> None:
    original = DocumentRepository._copy_data

    def copy_data(self: DocumentRepository, entry: dict[str, Any]) -> dict[str, Any]:
        return {**original(self, entry), "documentId": documents.new_document_id()}

    mp.setattr(DocumentRepository, "_copy_data", copy_data)


# -- webhooks ----------------------------------------------------------------------------------------


def _patch_emit(mp: MP, change: Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]] | None]) -> None:
    """Patch what the Document Service emits: ``change(event, info)`` returns the pair or None (dropped)."""
    def emit(self: DocumentRepository, event: str, entry: Any) -> None:
        if entry is None:
            return
        info = {"model": self.ct.singular_name, "uid": self.ct.uid,
                "entry": documents.sanitize_output(self.ct, self.strapi.content_types, entry)}
        changed = change(event, info)
        if changed is not None:
            hub = self.strapi.event_hub
            self.strapi.db.on_commit(lambda: hub.emit(*changed))

    mp.setattr(DocumentRepository, "_emit", emit)


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
    mp.setattr(documents, "sanitize_output", lambda ct, types, data: data)


@variant("webhook-event-header-missing", "webhooks", "deliveries carry no X-Strapi-Event header", kills="WH-003")
def _(mp: MP) -> None:
    original = WebhookRunner._post

    async def post(self: WebhookRunner, url: str, body: str, headers: dict[str, str]) -> None:
        await original(self, url, body, {k: v for k, v in headers.items() if k != "X-Strapi-Event"})

    mp.setattr(WebhookRunner, "_post", post)


@variant("webhook-own-headers-dropped", "webhooks", "a webhook's own headers are not sent", kills="WH-009")
def _(mp: MP) -> None:
    original = WebhookRunner.create_webhook

    def create_webhook(self: WebhookRunner, name: str, url: str, events: list[str],
                       headers: dict[str, str] | None = None, is_enabled: bool = True) -> Any:
        return original(self, name, url, events, None, is_enabled)

    mp.setattr(WebhookRunner, "create_webhook", create_webhook)
