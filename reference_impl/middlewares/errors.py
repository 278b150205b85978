"""``strapi::errors``: turns thrown errors into the JSON error envelope, and "nothing answered" into 404."""

from __future__ import annotations

import logging
from typing import Any

from ..compose import Middleware, Next
from ..errors import ApplicationError, HttpError, database_unavailable, format_error
from ..layers import StrapiApp

log = logging.getLogger("reference_impl")


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    async def errors(ctx: Any, next: Next) -> Any:
        try:
            await next()
            if not ctx.explicit_status:
                ctx.not_found()
        except Exception as err:
            unavailable = database_unavailable(err)
            if unavailable:  # one line: an outage would otherwise log a traceback per request
                log.error("database unavailable: %s", str(err).splitlines()[0])
            elif not isinstance(err, ApplicationError) and not (isinstance(err, HttpError) and err.expose):
                log.error("%s: %s", type(err).__name__, err, exc_info=err)
            status, body = format_error(err)
            ctx.status = status
            ctx.body = body
            if unavailable:
                ctx.set("Retry-After", "1")
        return None

    return errors
