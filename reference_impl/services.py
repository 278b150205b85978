"""Core services (``createCoreService``): the layer between controllers and the Document Service.

Every call defaults to ``status: 'published'`` (so REST reads return published versions and REST
writes publish at once), turns REST pagination into start/limit, and counts when asked to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .layers import DocumentActions
    from .strapi import Strapi

class CoreService:
    """The default service of a content type; subclass it and call ``super()`` to extend an action."""

    def __init__(self, strapi: Strapi, uid: str) -> None:
        self.strapi = strapi
        self.uid = uid
        self.ct = strapi.content_types[uid]

    def get_fetch_params(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"status": "published", **(params or {})}

    def _documents(self) -> DocumentActions:
        return self.strapi.documents(self.uid)

    async def find(self, params: dict[str, Any] | None = None) -> Any:
        params = params or {}
        if self.ct.is_single:
            fetch = {k: v for k, v in self.get_fetch_params(params).items() if k != "pagination"}
            return await self._documents().findFirst(fetch)
        rest = self.strapi.rest
        info, paged, with_count = rest.pagination(params)
        # start and limit come from pagination; a top-level page or pageSize stays, for the Document
        # Service to refuse as mixed pagination, as Strapi's does.
        fetch = {k: v for k, v in self.get_fetch_params(params).items() if k not in ("pagination", "start", "limit")}
        window = {"start": (info["page"] - 1) * info["pageSize"], "limit": info["pageSize"]} if paged else dict(info)
        results = await self._documents().findMany({**fetch, **window})
        total = await self._documents().count({**fetch, **window}) if with_count else None
        return {"results": results, "pagination": rest.pagination_meta(info, paged, total)}

    async def findOne(self, document_id: str | None, params: dict[str, Any] | None = None) -> Any:  # noqa: N802
        return await self._documents().findOne({**self.get_fetch_params(params), "documentId": document_id})

    async def create(self, params: dict[str, Any] | None = None) -> Any:
        return await self._documents().create(self.get_fetch_params(params))

    async def update(self, document_id: str | None, params: dict[str, Any] | None = None) -> Any:
        params = params or {}
        if self.ct.is_single:
            existing = await self.strapi.db.query(self.uid).findOne({"select": ["documentId"]})
            if existing is None:
                return await self._documents().create(self.get_fetch_params(params))
            document_id = existing["documentId"]
        return await self._documents().update({**self.get_fetch_params(params), "documentId": document_id})

    async def delete(self, document_id: str | None, params: dict[str, Any] | None = None) -> Any:
        params = params or {}
        if self.ct.is_single:
            existing = await self.strapi.db.query(self.uid).findOne({"select": ["documentId"]})
            if existing is None:
                return {"documentId": None, "entries": []}
            document_id = existing["documentId"]
        fetch = {k: v for k, v in self.get_fetch_params(params).items() if k != "status"}
        return await self._documents().delete({**fetch, "documentId": document_id})
