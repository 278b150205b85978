"""``strapi::body``: parses JSON, form and text bodies of POST, PUT and PATCH requests (koa-body).

Malformed JSON and bodies over the limit are thrown to ``strapi::errors`` as http errors (400 and 413);
a JSON syntax error is worded as V8's ``JSON.parse`` words it (``reference_impl/v8_json.py``).
As co-body does, the body is decoded with the content type's charset (UTF-8 by default, bytes that
are not UTF-8 becoming U+FFFD), and a charset nobody knows is a 415.

Two things JavaScript tolerates and a database does not are settled here, the same way on every
database: lone surrogates (``"\\ud800"``) become U+FFFD, as Node's UTF-8 encoder writes them (NUL
characters, which PostgreSQL cannot store, are refused where they would be stored: see rest.py). JSON nested more than 200 levels
deep is a 400 too: V8 parses any depth, but Python recurses on nesting to parse, store and answer.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from .. import multipart, v8_json
from ..compose import Middleware, Next
from ..errors import HttpError
from ..layers import StrapiApp

PARSED_METHODS = ("POST", "PUT", "PATCH")
# Python recurses where V8 does not (parsing, storing, answering): deeper bodies are refused at once.
MAX_JSON_DEPTH = 200
TOO_DEEP = f"Invalid JSON body: nested more than {MAX_JSON_DEPTH} levels deep"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_OBJECT_OR_ARRAY = re.compile(r"[ \t\n\r]*[\[{]")


def parse_size(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    units = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "b": 1}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def charset(content_type: str) -> str:
    """The content type's charset as a Python codec name (UTF-8 when none); unknown ones are a 415."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            label = value.strip().strip('"').lower()
            try:
                return codecs.lookup(label).name
            except LookupError:
                raise HttpError(415, f'unsupported charset "{label.upper()}"') from None
    return "utf-8"


def _clean(value: Any) -> Any:
    """Lone surrogates → U+FFFD (Node's UTF-8 encoding of them), in keys and values."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON; v8_json words the error


def _js_integer(text: str) -> int | float:
    """A JSON integer as JavaScript reads it: past 2^53 it is the nearest double, which JavaScript
    writes with its shortest digits (58119921722032544 is 58119921722032540, and from 1e21 on,
    1.718169161329327e+24): the value Strapi validates, stores, echoes in errors and answers."""
    if len(text) < 16:
        return int(text)
    value = int(text)
    if abs(value) <= 2**53:
        return value
    number = float(value)
    if math.isinf(number):
        raise ValueError(f"Number {text[:40]} is out of range")
    return number if abs(number) >= 1e21 else int(Decimal(repr(number)))


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        # JSON.parse gives Infinity, which no database column nor JSON answer can hold.
        raise ValueError(f"Number {text[:40]} is out of range")
    return number


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def _forbidden_prototype(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__proto__" in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json(raw: bytes, encoding: str) -> Any:
    text = raw.decode(encoding, "replace")
    if text.startswith("\ufeff"):
        text = text[1:]  # iconv-lite drops a byte order mark
    if not text:
        return {}  # co-body: an empty body is an empty object (whitespace is not)
    if not _OBJECT_OR_ARRAY.match(text):
        # co-body's strict mode: a JSON body is an object or an array, nothing else.
        raise HttpError(400, "invalid JSON, only supports object and array", name="SyntaxError")
    try:
        # NaN and Infinity are not JSON (Python's parser takes them, JSON.parse does not).
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite, parse_int=_js_integer)
    except ValueError as exc:
        # koa-body rethrows JSON.parse's SyntaxError with status 400, in V8's words.
        raise HttpError(400, v8_json.parse_error_message(text) or str(exc), name="SyntaxError") from exc
    except RecursionError as exc:
        raise HttpError(400, TOO_DEEP) from exc
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise HttpError(400, TOO_DEEP)
    if ("__proto__" in text or "\\u" in text) and _forbidden_prototype(value):
        # co-body parses with @hapi/bourne: a __proto__ key (its characters escaped or not) is
        # refused wherever it is; a constructor.prototype is not.
        raise HttpError(400, "Object contains forbidden prototype property", name="SyntaxError")
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):  # only JSON escapes make lone surrogates
        value = _clean(value)
    return value


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    config = config or {}
    json_limit = parse_size(config.get("jsonLimit"), 1024 * 1024)
    form_limit = parse_size(config.get("formLimit"), 56 * 1024)
    text_limit = parse_size(config.get("textLimit"), 56 * 1024)
    multipart_limit = parse_size((config.get("formidable") or {}).get("maxFileSize"), multipart.DEFAULT_MAX_FILE_SIZE)

    async def body(ctx: Any, next: Next) -> Any:
        if ctx.method in PARSED_METHODS:
            content_type = ctx.headers.get("content-type", "")
            ctype = content_type.split(";")[0].strip().lower()
            if ctype == "application/json" or ctype.endswith("+json"):
                encoding = charset(content_type)
                raw = await ctx.read_body(json_limit)
                ctx.request_body = parse_json(raw, encoding) if raw else {}
            elif ctype == "application/x-www-form-urlencoded":
                encoding = charset(content_type)
                raw = await ctx.read_body(form_limit)
                ctx.request_body = dict(parse_qsl(raw.decode(encoding, "replace")))
            elif ctype == "multipart/form-data":
                # koa-body's multipart option, on in Strapi: fields in the body, file parts in ctx.files.
                raw = await ctx.read_body(multipart_limit)
                ctx.request_body, ctx.files = multipart.parse(raw, content_type)
            elif ctype.startswith("text/"):
                encoding = charset(content_type)
                raw = await ctx.read_body(text_limit)
                ctx.request_body = raw.decode(encoding, "replace")
            else:
                ctx.request_body = {}
        return await next()

    return body
