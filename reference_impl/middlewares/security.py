"""``strapi::security``: the helmet headers Strapi sets by default."""

from __future__ import annotations

from typing import Any

from ..compose import Middleware, Next
from ..layers import StrapiApp

# helmet's directives with Strapi's CSP_DEFAULTS merged in, in the order Strapi 5.54.0 sends them.
CSP = (
    "connect-src 'self' https:;img-src 'self' data: blob: https://market-assets.strapi.io;"
    "media-src 'self' data: blob:;default-src 'self';base-uri 'self';font-src 'self' https: data:;"
    "form-action 'self';frame-ancestors 'self';object-src 'none';script-src 'self';script-src-attr 'none';"
    "style-src 'self' https: 'unsafe-inline'"
)
HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
    "x-permitted-cross-domain-policies": "none",
}


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    headers = dict(HEADERS)

    async def security(ctx: Any, next: Next) -> Any:
        ctx.response_headers.update(headers)
        return await next()

    return security
