"""The Document Service (``strapi.documents``) and its middlewares.

``strapi.documents(uid).findMany(params)`` runs the registered middlewares onion-style around the
action; each gets ``context = {uid, contentType, action, params}`` and may change or replace
``context["params"]`` before ``next()``.  The action itself runs on the context's params, inside one
database transaction, and emits ``entry.*`` events after the commit.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import i18n, relations
from .compose import compose
from .errors import ValidationError
from .query import iso
from .rest import sanitize_output
from .schema import ContentType
from .validation import (
    Failure,
    shown_value,
    validate_entity,
    with_failures,
    yup_error,
    zone_relations_problem,
)

if TYPE_CHECKING:
    from .layers import QueryEngine
    from .strapi import Strapi

DocumentMiddleware = Callable[[dict[str, Any], Callable[[], Awaitable[Any]]], Awaitable[Any]]
ID_ALPHABET = string.ascii_lowercase + string.digits


def _without(data: Any, keys: tuple[str, ...]) -> Any:
    """The data without the keys the Document Service sets itself (anything but an object as it is)."""
    if data is None:
        return {}
    return {k: v for k, v in data.items() if k not in keys} if isinstance(data, dict) else data


# ``_q``: the Query Engine's search (@strapi/database query/helpers/search): the id and every
# searchable text attribute contain the words, ignoring case; number attributes too when the words
# read as a number.
SEARCH_TEXT = ("string", "text", "uid", "email", "enumeration", "richtext")
SEARCH_NUMBER = ("biginteger", "integer", "decimal", "float")


def _reads_as_number(text: str) -> bool:
    """Whether JavaScript's ``Number(text)`` (lodash toNumber) is a number: "" and " " are 0."""
    stripped = text.strip()
    if not stripped:
        return True
    try:
        float(stripped) if not stripped.lower().startswith(("0x", "0b", "0o")) else int(stripped, 0)
    except ValueError:
        return False
    return stripped.lower().lstrip("+-") not in ("inf", "nan")


def new_document_id() -> str:
    """A 24-character lowercase alphanumeric id, like the cuid2 values Strapi shows: a letter, then
    letters and digits, uniformly drawn from one read of the system's random source (rejection
    sampling: bytes past the last whole multiple of the alphabet's size are skipped)."""
    letters, alphabet = string.ascii_lowercase, ID_ALPHABET
    first = ""
    rest: list[str] = []
    while len(rest) < 23 or not first:
        for byte in secrets.token_bytes(40):
            if not first:
                if byte < 234:  # 9 * 26
                    first = letters[byte % 26]
            elif byte < 252 and len(rest) < 23:  # 7 * 36
                rest.append(alphabet[byte % 36])
    return first + "".join(rest)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class DocumentService:
    """``strapi.documents``: callable with a uid, plus ``use()`` to register middlewares."""

    def __init__(self, strapi: Strapi) -> None:
        self.strapi = strapi
        self._middlewares: list[DocumentMiddleware] = []
        self._chain: Callable[..., Awaitable[Any]] | None = None
        self._repositories: dict[str, DocumentRepository] = {}

    def use(self, middleware: DocumentMiddleware) -> Callable[[], None]:
        """Register a middleware (first registered is outermost); returns an unsubscribe function."""
        self._middlewares.append(middleware)
        self._chain = None

        def unsubscribe() -> None:
            if middleware in self._middlewares:
                self._middlewares.remove(middleware)
                self._chain = None

        return unsubscribe

    def __call__(self, uid: str) -> DocumentFacade:
        return DocumentFacade(self, uid)

    def repository(self, uid: str) -> DocumentRepository:
        repo = self._repositories.get(uid)
        if repo is None:
            repo = self._repositories[uid] = DocumentRepository(self.strapi, self.strapi.content_types[uid])
        return repo

    async def run(self, uid: str, action: str, params: dict[str, Any] | None) -> Any:
        if self._chain is None:
            self._chain = compose(list(self._middlewares))
        context = {
            "uid": uid,
            "contentType": self.strapi.content_types[uid],
            "action": action,
            "params": params if params is not None else {},
        }
        repo = self.repository(uid)

        async def execute() -> Any:
            method = getattr(repo, action, None)
            if method is None:
                raise TypeError(f"strapi.documents({uid!r}).{action} is not a function")
            async with self.strapi.db.transaction():
                return await method(context["params"])

        return await self._chain(context, execute)


class DocumentFacade:
    """``strapi.documents(uid)``: each method is an action run through the middlewares."""

    def __init__(self, service: DocumentService, uid: str) -> None:
        self._service = service
        self.uid = uid
        ct = service.strapi.content_types[uid]
        if not ct.draft_and_publish:
            # publish, unpublish and discardDraft exist only on draft-and-publish types.
            self.publish = None  # type: ignore[assignment]
            self.unpublish = None  # type: ignore[assignment]
            self.discardDraft = None  # type: ignore[assignment]

    def _run(self, action: str, params: dict[str, Any] | None) -> Awaitable[Any]:
        return self._service.run(self.uid, action, params)

    def findOne(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:  # noqa: N802
        return self._run("findOne", params)

    def findFirst(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:  # noqa: N802
        return self._run("findFirst", params)

    def findMany(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:  # noqa: N802
        return self._run("findMany", params)

    def count(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:
        return self._run("count", params)

    def create(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:
        return self._run("create", params)

    def update(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:
        return self._run("update", params)

    def delete(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:
        return self._run("delete", params)

    def publish(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:
        return self._run("publish", params)

    def unpublish(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:
        return self._run("unpublish", params)

    def discardDraft(self, params: dict[str, Any] | None = None) -> Awaitable[Any]:  # noqa: N802
        return self._run("discardDraft", params)


class DocumentRepository:
    """The actions themselves: documents as draft and published rows of one content type."""

    def __init__(self, strapi: Strapi, ct: ContentType) -> None:
        self.strapi = strapi
        self.ct = ct
        self.query: QueryEngine = strapi.db.query(ct.uid)

    # -- params ------------------------------------------------------------------------------------
    def _status_where(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.ct.draft_and_publish:
            return {}
        status = params.get("status", "draft")
        return {"publishedAt": {"$notNull": True}} if status == "published" else {"publishedAt": {"$null": True}}

    def _search_where(self, words: Any) -> dict[str, Any] | None:
        if not isinstance(words, str):
            return None
        attrs = self.ct.attributes
        kinds = SEARCH_TEXT + (SEARCH_NUMBER if _reads_as_number(words) else ())
        columns = ["id"] + [n for n, a in attrs.items() if a.get("type") in kinds and a.get("searchable", True) is not False]
        return {"$or": [{name: {"$containsi": words}} for name in columns]}

    def _query_params(self, params: dict[str, Any], extra_where: dict[str, Any] | None = None,
                      one: bool = False, document_id: bool = False) -> dict[str, Any]:
        """Document Service params → Query Engine params (filters, status, fields, sort, pagination, populate).
        ``document_id``: the lookup names the document, over any top-level documentId filter."""
        out = self.strapi.rest.to_query_params(self.ct, params)
        filters = out.pop("where", None)
        if document_id and isinstance(filters, dict):
            filters = _without_document_id(filters)
        where = [w for w in (filters, self._status_where(params), i18n.read_where(self.ct, params),
                             extra_where, self._search_where(params.get("_q"))) if w]
        out["where"] = {"$and": where} if len(where) > 1 else (where[0] if where else {})
        start, limit = self.strapi.rest.document_window(params, paged=not one)
        if start is not None:
            out["offset"] = start
        if limit is not None:
            out["limit"] = limit
        # The Document Service's default, also for populate: any status but "published" reads the drafts.
        out["status"] = "published" if params.get("status") == "published" else "draft"
        return out

    async def _validate_values(self, data: Any, creating: bool, document_id: Any = None) -> dict[str, Any]:
        """Strapi's entity validator (types, constraints, unique, then the relations that name no
        entry): the data cast, or a 400 listing every failure."""

        async def is_taken(name: str, value: Any) -> bool:
            where: dict[str, Any] = {name: value}
            if document_id is not None:
                where["documentId"] = {"$ne": document_id}
            if self.ct.draft_and_publish:
                where["publishedAt"] = {"$null": True}  # writes go to drafts: compared with other drafts
            return await self.query.findOne({"where": where, "select": ["id"]}) is not None

        failures = self._relation_failures(data, creating) if isinstance(data, dict) else []
        try:
            out = await validate_entity(self.ct, data, creating, is_taken, self.strapi.components)
        except ValidationError as error:
            raise with_failures(error, failures) from None
        if failures:
            raise yup_error(failures)
        return out

    def _relation_failures(self, data: dict[str, Any], creating: bool = True) -> list[Failure]:
        """The entity validator's relation checks: an empty documentId is "Invalid relations", else
        the ids naming no entry are counted per target type; the failure's value is the data as the
        validator saw it (relations as written, ``publishedAt`` set, empty component lists added)."""
        # A dynamic zone entry naming no component stops Strapi's relation check before any count.
        zone_problem = zone_relations_problem(self.ct, data, {**self.strapi.components, **self.strapi.content_types})
        writes = {k: v for k, v in data.items() if isinstance(v, relations.RelationWrite)}
        missing: dict[str, int] = {}
        for name, write in writes.items():
            if write.missing:
                uid = self.ct.attributes[name]["target"]
                missing[uid] = missing.get(uid, 0) + write.missing
        invalid = any(write.invalid for write in writes.values())
        if not invalid and not missing and zone_problem is None:
            return []
        shown = {k: (v.shown if isinstance(v, relations.RelationWrite) else shown_value(self.ct.attributes.get(k), v))
                 for k, v in data.items()}
        shown["publishedAt"] = None if self.ct.draft_and_publish else iso(now())
        for name, attr in self.ct.attributes.items():  # a create's defaults (an update has none)
            if creating and name not in shown and (attr.get("type") == "dynamiczone" or
                                      (attr.get("type") == "component" and attr.get("repeatable"))):
                shown[name] = []
        if zone_problem is not None:
            return [Failure([], zone_problem, shown)]
        if invalid:
            return [Failure([], "Invalid relations", shown)]
        return [Failure([], f"{count} relation(s) of type {uid} associated with this entity do not exist", shown)
                for uid, count in missing.items()]

    async def _resolved(self, data: Any, drop: tuple[str, ...], published: bool) -> Any:
        """The data without the keys the Document Service sets, its relations as row ids."""
        data = _without(data, drop)
        return await self._resolve_relations(data, published) if isinstance(data, dict) else data

    async def _resolve_relations(self, data: dict[str, Any], published: bool) -> dict[str, Any]:
        """Turn relation and media values given as documentIds (or ids, bare, in lists, or as ``{connect,
        disconnect, set}`` with positions) into :class:`~.relations.RelationWrite` on row ids, in the
        body's order (the first documentId naming no entry is the one reported, as on Strapi)."""
        out = dict(data)
        attributes = self.ct.relation_attributes()
        for name in [k for k in data if k in attributes]:
            attr = attributes[name]
            target = self.strapi.content_types[attr["target"]]

            # A type without draft and publish relates to every version of a document that has them.
            every_version = target.draft_and_publish and not self.ct.draft_and_publish

            async def resolve(ref: Any, target: ContentType = target, every_version: bool = every_version) -> int | None:
                key = "id" if isinstance(ref, int) else "documentId"
                where: dict[str, Any] = {key: ref}
                if target.draft_and_publish and not every_version:
                    where["publishedAt"] = {"$notNull": True} if published else {"$null": True}
                row = await self.strapi.db.query(target.uid).findOne({"where": where, "select": ["id"]})
                return None if row is None else int(row["id"])

            write = await relations.parse(
                data[name], resolve, lambda ref: ValidationError(f"Document with id \"{ref}\", locale \"null\" not found"),
                i18n.DEFAULT_LOCALE)
            out[name] = await self._with_versions(target, write) if every_version else write
        return out

    async def _with_versions(self, target: ContentType, write: relations.RelationWrite) -> relations.RelationWrite:
        """A write naming one version of each document, extended to the document's other version."""
        query = self.strapi.db.query(target.uid)

        async def versions(row_id: int) -> list[int]:
            row = await query.findOne({"where": {"id": row_id}, "select": ["documentId"]})
            if row is None:
                return [row_id]
            rows = await query.findMany({"where": {"documentId": row["documentId"]}, "select": ["id"],
                                         "orderBy": [{"id": "asc"}]})
            return [row_id, *(int(r["id"]) for r in rows if int(r["id"]) != row_id)]

        if write.set is not None:
            write.set = [v for row_id in write.set for v in await versions(row_id)]
        write.disconnect = [v for row_id in write.disconnect for v in await versions(row_id)]
        write.connect = [(v, position if v == row_id else None)
                         for row_id, position in write.connect for v in await versions(row_id)]
        return write

    def _emit(self, event: str, entry: Any) -> None:
        if entry is None:
            return
        hub = self.strapi.event_hub
        # Events carry the entry as the API would show it: private attributes removed.
        info = {"model": self.ct.singular_name, "uid": self.ct.uid,
                "entry": sanitize_output(self.ct, self.strapi.content_types, entry)}
        self.strapi.db.on_commit(lambda: hub.emit(event, info))

    # -- reads -------------------------------------------------------------------------------------
    async def findMany(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        return await self.query.findMany(self._query_params(params))

    async def findFirst(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return await self.query.findOne(self._query_params(params, one=True))

    async def findOne(self, params: dict[str, Any]) -> Any:  # noqa: N802
        where = {"documentId": params.get("documentId"), **i18n.find_one_where(self.ct, params)}
        return await self.query.findOne(self._query_params(params, where, one=True, document_id=True))

    async def count(self, params: dict[str, Any]) -> int:
        qp = self._query_params(params)
        return await self.query.count({"where": qp["where"]})

    # -- writes ------------------------------------------------------------------------------------
    async def create(self, params: dict[str, Any]) -> Any:
        # Relations are resolved first, as in Strapi: a missing target is reported before any value.
        resolved = await self._resolved(params.get("data"), ("id", "documentId", "publishedAt"),
                                       not self.ct.draft_and_publish)
        data = await self._validate_values(resolved, True)
        data["documentId"] = new_document_id()
        return await self._create_rows(data, params)

    async def _create_rows(self, data: dict[str, Any], params: dict[str, Any]) -> Any:
        """Write a new document, or a new locale of one (``data`` has its documentId)."""
        locale = i18n.write_locale(self.ct, params)
        if locale is not None:
            data["locale"] = locale  # the parameter's, never the body's
        publish = params.get("status") == "published"
        if not self.ct.draft_and_publish:
            data["publishedAt"] = now()
            entry = await self.query.create({"data": data, **self._shape(params)})
            self._emit("entry.create", entry)
            return entry
        data["publishedAt"] = None
        draft = await self.query.create({"data": data, **self._shape(params)})
        self._emit("entry.create", draft)
        if publish:
            published = await self._publish_rows(data["documentId"], params)
            return published
        return draft

    async def update(self, params: dict[str, Any]) -> Any:
        document_id = params.get("documentId")
        # As in Strapi 5.54.0: documentIds are looked up first, then the document (a missing one is a
        # 404 before any value is validated), then the entity validator runs.
        resolved = await self._resolved(params.get("data"), ("id", "documentId", "publishedAt"), False)
        locale = i18n.write_locale(self.ct, params)
        where: dict[str, Any] = {"documentId": document_id}
        if self.ct.draft_and_publish:
            where["publishedAt"] = {"$null": True}
        if locale is not None:
            where["locale"] = locale
        existing = await self.query.findOne({"where": where, "select": ["id"]})
        if existing is None and (locale is None or await self.query.findOne(
                {"where": {"documentId": document_id}, "select": ["id"]}) is None):
            return None  # no version in any locale: a 404 before any value is validated
        data = await self._validate_values(resolved, False, document_id)
        if locale is not None:
            data.pop("locale", None)
        if existing is None:
            return await self._create_locale(document_id, data, params)
        entry = await self.query.update(
            {"where": {"id": existing["id"]}, "data": data, **self._shape(params)}
        )
        self._emit("entry.update", entry)
        if locale is not None:
            await self._sync_locales(document_id, locale, data)
        if self.ct.draft_and_publish and params.get("status") == "published":
            return await self._publish_rows(document_id, params)
        return entry

    async def _create_locale(self, document_id: Any, data: dict[str, Any], params: dict[str, Any]) -> Any:
        """An update in a locale the document lacks creates that locale's version; it starts from the
        attributes every locale shares (taken from an existing version), then the update's data."""
        other = await self.query.findOne({"where": {"documentId": document_id}})
        if other is None:
            return None
        shared = {k: v for k, v in i18n.shared_values(self.ct, other).items() if k in self.ct.scalar_attributes()}
        return await self._create_rows({**shared, **data, "documentId": document_id}, params)

    async def _sync_locales(self, document_id: Any, locale: str, data: dict[str, Any]) -> None:
        """Attributes that are not localized take the same value in every locale of the document."""
        shared = {k: v for k, v in i18n.shared_values(self.ct, data).items() if k in self.ct.scalar_attributes()}
        if not shared:
            return
        rows = await self.query.findMany({"where": {"documentId": document_id, "locale": {"$ne": locale}},
                                          "select": ["id"]})
        for row in rows:
            await self.query.update({"where": {"id": row["id"]}, "data": shared})

    async def delete(self, params: dict[str, Any]) -> dict[str, Any]:
        document_id = params.get("documentId")
        if self.ct.draft_and_publish and params.get("status") == "draft":
            raise RuntimeError("Cannot delete a draft document")
        where: dict[str, Any] = {"documentId": document_id, **(i18n.delete_where(self.ct, params) or {})}
        if params.get("filters"):
            # Strapi looks the versions up with the request's filters too: they narrow what is deleted,
            # and the Query Engine parses their values (a bad one is a 400).
            filters = self.strapi.rest.to_query_params(self.ct, {"filters": params["filters"]}).get("where")
            if isinstance(filters, dict):
                filters = _without_document_id(filters)
            if filters:
                where = {"$and": [where, filters]}
        rows = await self.query.findMany({"where": where, "select": ["id"]})
        entries = []
        for row in rows:
            entry = await self.query.delete({"where": {"id": row["id"]}})
            self._emit("entry.delete", entry)
            entries.append(entry)
        return {"documentId": document_id, "entries": entries}

    async def publish(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = await self._publish_rows(params.get("documentId"), params)
        return {"documentId": params.get("documentId"), "entries": [entry] if entry else []}

    async def unpublish(self, params: dict[str, Any]) -> dict[str, Any]:
        document_id = params.get("documentId")
        rows = await self.query.findMany({"where": {"documentId": document_id, "publishedAt": {"$notNull": True}}})
        entries = []
        for row in rows:
            entry = await self.query.delete({"where": {"id": row["id"]}})
            self._emit("entry.unpublish", entry)
            entries.append(entry)
        return {"documentId": document_id, "entries": entries}

    async def discardDraft(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        document_id = params.get("documentId")
        published = await self.query.findOne(
            {"where": {"documentId": document_id, "publishedAt": {"$notNull": True}}, "populate": self._all_relations()}
        )
        if published is None:
            return {"documentId": document_id, "entries": []}
        for row in await self.query.findMany({"where": {"documentId": document_id, "publishedAt": {"$null": True}}}):
            await self.query.delete({"where": {"id": row["id"]}})
        data = self._copy_data(published)
        data["publishedAt"] = None
        draft = await self.query.create({"data": data})
        self._emit("entry.draft-discard", draft)
        return {"documentId": document_id, "entries": [draft]}

    # -- helpers -----------------------------------------------------------------------------------
    def _shape(self, params: dict[str, Any]) -> dict[str, Any]:
        qp = self._query_params({k: params[k] for k in ("fields", "populate", "status") if k in params})
        return {k: qp[k] for k in ("select", "populate", "status") if k in qp}

    def _all_relations(self) -> dict[str, Any]:
        return {name: {"select": ["id"]} for name in self.ct.relation_attributes()}

    def _copy_data(self, entry: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in entry.items() if k not in ("id", "createdAt", "updatedAt")}
        for name, attr in self.ct.relation_attributes().items():
            value = entry.get(name)
            if attr.get("relation", "").endswith("ToMany"):
                data[name] = [v["id"] for v in value or []]
            else:
                data[name] = value["id"] if value else None
        return data

    async def _publish_rows(self, document_id: Any, params: dict[str, Any]) -> Any:
        """Replace the published row by a copy of the draft: Delete old published rows, Create the new one."""
        draft = await self.query.findOne(
            {"where": {"documentId": document_id, "publishedAt": {"$null": True}}, "populate": self._all_relations()}
        )
        if draft is None:
            return None
        old = await self.query.findMany({"where": {"documentId": document_id, "publishedAt": {"$notNull": True}}})
        for row in old:
            await self.query.delete({"where": {"id": row["id"]}})
        data = self._copy_data(draft)
        data["publishedAt"] = now()
        entry = await self.query.create({"data": data, **self._shape(params)})
        self._emit("entry.publish", entry)
        return entry


def _without_document_id(where: dict[str, Any]) -> dict[str, Any]:
    """A lookup of one document by its documentId, as Strapi 5's Document Service builds it
    (repository.js findOne and delete: ``assoc('where', {...query.where, documentId})``): the
    documentId replaces a top-level documentId filter of the request; nested ones ($and, $or,
    relations) still apply."""
    return {key: value for key, value in where.items() if key != "documentId"}
