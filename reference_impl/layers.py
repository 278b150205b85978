"""The layer boundaries as small Protocols: what a core controller asks of its service, a core
service of the Document Service, the Document Service of the query engine, and user code of the
``strapi`` object. The concrete classes (``CoreService``, ``DocumentFacade``, ``EntityQuery``,
``Strapi``) satisfy them structurally; a project's own service or controller may be any object
with these methods. Method names are Strapi's (camelCase), as user code calls them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from .context import RequestContext
    from .documents import DocumentFacade
    from .query import Database, EntityQuery
    from .rest import RestParams
    from .router import Route
    from .schema import ContentType
    from .services import CoreService
    from .strapi import Strapi

Params = dict[str, Any]


class ContentService(Protocol):
    """``strapi.service(uid)`` as a core controller calls it."""

    async def find(self, params: Params | None = None) -> Any: ...
    async def findOne(self, document_id: str | None, params: Params | None = None) -> Any: ...  # noqa: N802
    async def create(self, params: Params | None = None) -> Any: ...
    async def update(self, document_id: str | None, params: Params | None = None) -> Any: ...
    async def delete(self, document_id: str | None, params: Params | None = None) -> Any: ...


class DocumentActions(Protocol):
    """``strapi.documents(uid)``: the Document Service actions of one content type."""

    def findOne(self, params: Params | None = None) -> Awaitable[Any]: ...  # noqa: N802
    def findFirst(self, params: Params | None = None) -> Awaitable[Any]: ...  # noqa: N802
    def findMany(self, params: Params | None = None) -> Awaitable[Any]: ...  # noqa: N802
    def count(self, params: Params | None = None) -> Awaitable[Any]: ...
    def create(self, params: Params | None = None) -> Awaitable[Any]: ...
    def update(self, params: Params | None = None) -> Awaitable[Any]: ...
    def delete(self, params: Params | None = None) -> Awaitable[Any]: ...
    def publish(self, params: Params | None = None) -> Awaitable[Any]: ...
    def unpublish(self, params: Params | None = None) -> Awaitable[Any]: ...
    def discardDraft(self, params: Params | None = None) -> Awaitable[Any]: ...  # noqa: N802


class QueryEngine(Protocol):
    """``strapi.db.query(uid)``: the row-level queries the Document Service runs (lifecycle hooks fire here)."""

    async def findOne(self, params: Params | None = None) -> Any: ...  # noqa: N802
    async def findMany(self, params: Params | None = None) -> Any: ...  # noqa: N802
    async def count(self, params: Params | None = None) -> Any: ...
    async def create(self, params: Params) -> Any: ...
    async def update(self, params: Params) -> Any: ...
    async def delete(self, params: Params) -> Any: ...
    async def deleteMany(self, params: Params) -> Any: ...  # noqa: N802


class StrapiApp(Protocol):
    """The ``strapi`` object as user code (index hooks, middleware and policy factories, controllers,
    services) uses it; the built-in middleware factories and the upload plugin also read the project
    folder, the database, the REST parameter rules, add routes and install the query-string parser."""

    # Set by the query middleware's factory: how a request's query string becomes ``ctx.query``.
    query_parser: Callable[[str], dict[str, Any]] | None

    @property
    def dir(self) -> Path: ...
    @property
    def db(self) -> Database: ...
    @property
    def rest(self) -> RestParams: ...
    @property
    def content_types(self) -> Mapping[str, ContentType]: ...
    @property
    def config(self) -> Mapping[str, Any]: ...
    @property
    def request_context(self) -> RequestContext: ...
    @property
    def documents(self) -> Callable[[str], DocumentActions]: ...
    def service(self, uid: str) -> Any: ...
    def controller(self, uid: str) -> Any: ...
    def plugin(self, name: str) -> Any: ...
    def add_route(self, route: Route, system: bool = False) -> None: ...


if TYPE_CHECKING:  # mypy proves that the concrete layers satisfy their boundaries

    def _conforms(strapi: Strapi, service: CoreService, facade: DocumentFacade, query: EntityQuery) -> None:
        app: StrapiApp = strapi
        content: ContentService = service
        actions: DocumentActions = facade
        engine: QueryEngine = query
        del app, content, actions, engine
