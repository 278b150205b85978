"""``strapi::query``: parses the query string with a qs parser (strict null handling, depth 20,
arrays up to 100 items), as Strapi installs ``qs`` on the Koa request.

Two details of Node's ``qs`` that hostile query strings reach, kept here:

- values and keys are decoded with ``decodeURIComponent``, which refuses the whole string on a bad
  escape (``%ZZ``, a lone ``%``) or bytes that are not UTF-8 (``%C3%28``, an encoded surrogate): qs
  then keeps the string as it came (``+`` as a space), never a replacement character;
- a parameter with a key segment named after an ``Object.prototype`` property (``__proto__``,
  ``constructor``, ``toString``, ...) is dropped whole (``allowPrototypes: false``).

Beyond ``parameterLimit`` (1,000) parameters, qs drops the rest silently; so does this parser.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

import qs_codec

from ..compose import Middleware, Next

# Object.prototype's own property names: qs drops parameters that name one in their key.
PROTOTYPE_KEYS = frozenset({
    "__proto__", "constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
    "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf", "toLocaleString",
})
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def decode_uri_component(text: str | None, charset: Any = None, **_: Any) -> str | None:
    """qs' default decoder: ``decodeURIComponent`` after ``+`` → space, the input as-is when it throws."""
    if text is None:
        return None
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    if _BAD_ESCAPE.search(text):
        return text
    try:
        return unquote_to_bytes(text).decode("utf-8")  # strict: no surrogates, no invalid sequences
    except UnicodeDecodeError:
        return text


def _names_prototype_key(part: str, depth: int) -> bool:
    key = part.partition("=")[0]
    key = decode_uri_component(key) or ""
    root, bracket, rest = key.partition("[")
    if root in PROTOTYPE_KEYS:
        return True
    segments = _SEGMENT.findall(bracket + rest)[:depth]
    return any(s in PROTOTYPE_KEYS for s in segments)


def without_prototype_keys(querystring: str, depth: int) -> str:
    """The query string without the parameters qs would drop for naming a prototype property."""
    decoded = unquote(querystring) if "%" in querystring else querystring
    if not any(name in decoded for name in PROTOTYPE_KEYS):
        return querystring  # the common case: one scan, nothing to drop
    return "&".join(p for p in querystring.split("&") if not _names_prototype_key(p, depth))


def make_parser(config: dict[str, Any]) -> Any:
    depth = config.get("depth", 20)
    options = qs_codec.DecodeOptions(
        strict_null_handling=config.get("strictNullHandling", True),
        depth=depth,
        list_limit=config.get("arrayLimit", 100),
        parameter_limit=config.get("parameterLimit", 1000),
        decoder=decode_uri_component,
    )

    def parse(querystring: str) -> dict[str, Any]:
        if not querystring:
            return {}
        return qs_codec.decode(without_prototype_keys(querystring, depth), options)

    return parse


def middleware(config: dict[str, Any], strapi: Any) -> Middleware:
    parse = make_parser(config or {})
    # Strapi replaces the request's query getter at start-up: every ctx parses with qs from then on,
    # whatever the middleware's position in the stack.
    strapi.query_parser = parse

    async def query(ctx: Any, next: Next) -> Any:
        return await next()

    return query
