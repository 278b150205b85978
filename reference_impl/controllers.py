"""Core controllers (``createCoreController``): validate and sanitize the request, call the service,
sanitize and shape the response.

Collection types: find 200 ``{data: [...], meta: {pagination}}``, findOne 200 or 404, create 201,
update 200 or 404, delete 204.  Single types: find 200 or 404, update (create or update) 200,
delete 204.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .rest import sanitize_output, transform_response

if TYPE_CHECKING:
    from .context import Context
    from .layers import ContentService
    from .strapi import Strapi

MISSING_DATA = 'Missing "data" payload in the request body'


class CoreController:
    """The default controller of a content type; subclass it and call ``super()`` to extend an action."""

    def __init__(self, strapi: Strapi, uid: str) -> None:
        self.strapi = strapi
        self.uid = uid
        self.ct = strapi.content_types[uid]

    @property
    def service(self) -> ContentService:
        return self.strapi.service(self.uid)

    # -- helpers (Strapi's validateQuery / sanitizeQuery / sanitizeOutput / transformResponse) --------
    def validate_query(self, ctx: Context) -> None:
        self.strapi.rest.validate_query(self.ct, ctx.query)

    def sanitize_query(self, ctx: Context) -> dict[str, Any]:
        query = dict(ctx.query)
        # The Document Service reads any status but "published" as the drafts; only a status that is
        # no text at all is dropped (the service then defaults to published).
        if not isinstance(query.get("status"), str):
            query.pop("status", None)
        return query

    def sanitize_output(self, data: Any) -> Any:
        return sanitize_output(self.ct, self.strapi.content_types, data)

    def transform_response(self, data: Any, meta: dict[str, Any] | None = None) -> Any:
        ctx = self.strapi.request_context.get()
        v4 = ctx is not None and ctx.headers.get("strapi-response-format", "").lower() == "v4"
        return transform_response(data, meta, v4=v4)

    def _body_data(self, ctx: Context) -> Any:
        body = ctx.request_body
        data = body.get("data") if isinstance(body, dict) else None
        # lodash's isObject, as Strapi checks it: an array passes here, and the entity validator refuses it.
        if not isinstance(data, (dict, list)):
            raise ValidationError(MISSING_DATA)
        self.strapi.rest.validate_input(self.ct, data)
        return data

    # -- actions ----------------------------------------------------------------------------------------
    async def find(self, ctx: Context) -> Any:
        self.validate_query(ctx)
        query = self.sanitize_query(ctx)
        if self.ct.is_single:
            entity = await self.service.find(query)
            return self.transform_response(self.sanitize_output(entity))
        result = await self.service.find(query)
        return self.transform_response(self.sanitize_output(result["results"]), {"pagination": result["pagination"]})

    async def findOne(self, ctx: Context) -> Any:  # noqa: N802
        self.validate_query(ctx)
        query = self.sanitize_query(ctx)
        entity = await self.service.findOne(ctx.params.get("id"), query)
        return self.transform_response(self.sanitize_output(entity))

    async def create(self, ctx: Context) -> Any:
        self.validate_query(ctx)
        query = self.sanitize_query(ctx)
        data = self._body_data(ctx)
        entity = await self.service.create({**query, "data": data})
        ctx.status = 201
        return self.transform_response(self.sanitize_output(entity))

    async def update(self, ctx: Context) -> Any:
        # Single types too: Strapi 5.54.0 refuses an invalid query (strictParams) before it reads the
        # body (`conformance diff` found it; features/single_types.feature ST-009).
        self.validate_query(ctx)
        query = self.sanitize_query(ctx)
        data = self._body_data(ctx)
        entity = await self.service.update(ctx.params.get("id"), {**query, "data": data})
        return self.transform_response(self.sanitize_output(entity))

    async def delete(self, ctx: Context) -> Any:
        self.validate_query(ctx)
        query = self.sanitize_query(ctx)
        await self.service.delete(ctx.params.get("id"), query)
        ctx.status = 204
        return None
