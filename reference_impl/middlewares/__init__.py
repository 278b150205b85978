"""Strapi's built-in global middlewares (``strapi::<name>``), one module each.

Each module exports ``middleware(config, strapi)``, the factory Strapi calls once at start-up with
the entry's config; it returns the ``(ctx, next)`` middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..compose import Middleware
from ..layers import StrapiApp
from . import body, cors, errors, favicon, logger, powered_by, public, query, response_time, security, session

# What Strapi calls once at start-up: the entry's config and the ``strapi`` object (the layer boundary).
MiddlewareFactory = Callable[[dict[str, Any], StrapiApp], Middleware]

BUILTINS: dict[str, MiddlewareFactory] = {
    "strapi::errors": errors.middleware,
    "strapi::security": security.middleware,
    "strapi::cors": cors.middleware,
    "strapi::poweredBy": powered_by.middleware,
    "strapi::logger": logger.middleware,
    "strapi::query": query.middleware,
    "strapi::body": body.middleware,
    "strapi::session": session.middleware,
    "strapi::favicon": favicon.middleware,
    "strapi::public": public.middleware,
    "strapi::responseTime": response_time.middleware,
}

REQUIRED = ("strapi::errors", "strapi::security", "strapi::cors", "strapi::query", "strapi::body", "strapi::public", "strapi::favicon")

DEFAULT_ORDER = [
    "strapi::logger",
    "strapi::errors",
    "strapi::security",
    "strapi::cors",
    "strapi::poweredBy",
    "strapi::query",
    "strapi::body",
    "strapi::session",
    "strapi::favicon",
    "strapi::public",
]
