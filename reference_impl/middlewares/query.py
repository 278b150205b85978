"""``strapi::query``: parses the query string with a qs parser (strict null handling, depth 20,
arrays up to 100 items), as Strapi installs ``qs`` on the Koa request.

qs-codec splits the query string into parameters, decodes them and combines repeated keys, and
splits each key into its bracket groups, as Node's qs does. How qs then builds one object from the
parameters is qs' own here (``_QsObject``), where qs-codec answers otherwise:

- parameters are taken in JavaScript's key order (an integer-like key before the others);
- a list and an object meeting inside a list merge into one object (``a[0][]=x&a[0][k]=y`` is
  ``{"a": [{"0": "x", "k": "y"}]}``), and an empty or null value leaves what is there unchanged;
- an index at or past ``arrayLimit`` (``a[150]``) starts an overflow object, which later values
  extend and ``[]`` keeps as it is;
- objects come out in JavaScript's key order (integer keys first, ascending), as Strapi walks them.

Two more details of Node's ``qs`` that hostile query strings reach, kept here:

- values and keys are decoded with ``decodeURIComponent``, which refuses the whole string on a bad
  escape (``%ZZ``, a lone ``%``) or bytes that are not UTF-8 (``%C3%28``, an encoded surrogate): qs
  then keeps the string as it came (``+`` as a space), never a replacement character;
- a parameter whose key's root or bracket group is named after an ``Object.prototype`` property
  (``__proto__``, ``constructor``, ``toString``, ...) is dropped whole (``allowPrototypes: false``).

Beyond ``parameterLimit`` (1,000) parameters, qs drops the rest silently; so does this parser.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

import qs_codec

# qs-codec's tokenizer (qs' parseValues) is internal: the dependency is bounded to the tested minor
# (pyproject.toml), and tests/reference_impl/test_query_string.py, answers of Node's qs, catches a change.
from qs_codec.decode import _parse_query_string_values
from qs_codec.models.overflow_dict import OverflowDict
from qs_codec.utils.decode_utils import DecodeUtils

from ..compose import Middleware, Next
from ..layers import StrapiApp
from ..rest import js_keys
from ..validation import js_number

# Object.prototype's own property names: qs drops parameters that name one in their key.
PROTOTYPE_KEYS = frozenset({
    "__proto__", "constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
    "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf", "toLocaleString",
})
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PARSE_INT = re.compile(r"[\s\ufeff]*([+-]?[0-9]+)")


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


def _js_index(text: str) -> int | None:
    """The array index ``text`` names for qs (``String(parseInt(text, 10)) === text``, not negative)."""
    match = _PARSE_INT.match(text)
    if match is None:
        return None
    number = int(match.group(1))
    return number if number >= 0 and js_number(number) == text else None


class _Hole:
    """A hole of a JavaScript sparse array (``a[2]=x`` is ``[ , , "x"]`` until compacted)."""


_HOLE = _Hole()


class _Overflow(dict[str, Any]):
    """qs' overflow object: a list past ``arrayLimit`` turned into an object that remembers its
    largest index, where later values for that list go next."""

    def __init__(self, items: dict[str, Any], max_index: int) -> None:
        super().__init__(items)
        self.max_index = max_index


def _array_to_object(items: list[Any]) -> dict[str, Any]:
    return {str(i): v for i, v in enumerate(items) if v is not _HOLE}


class _QsObject:
    """qs' parseObject, merge and compact (qs 6.15, ``strictMerge`` on, ``allowSparse`` off): lists
    for JavaScript arrays (``_HOLE`` for their holes), dicts for objects."""

    def __init__(self, array_limit: int, depth: int) -> None:
        self.limit = array_limit
        self.depth = depth

    def _overflow(self, items: list[Any]) -> _Overflow:
        return _Overflow(_array_to_object(items), len(items) - 1)

    def _combine(self, value: Any) -> Any:
        """``[].concat(value)``, an overflow object past the limit."""
        items = list(value) if isinstance(value, list) else [value]
        return self._overflow(items) if len(items) > self.limit else items

    def leaf(self, value: Any) -> Any:
        """A tokenized value: a string, None, a list of repeated values, or qs-codec's overflow dict."""
        if isinstance(value, OverflowDict):
            return _Overflow(dict(value), max((i for k in value if (i := _js_index(k)) is not None), default=-1))
        return value

    def nest(self, key: str, value: Any) -> Any:
        """qs' parseKeys: the key's bracket groups, innermost first, around the value; None when a
        group is named after a prototype property."""
        segments = DecodeUtils.split_key_into_segments(key, allow_dots=False, max_depth=self.depth, strict_depth=False)
        if self.depth > 0:
            # A remainder past the depth (or an unterminated group) is one segment whose content
            # begins with "[": never a property name, and qs does not look at it.
            names = [s[1:-1] if s.startswith("[") and s.endswith("]") else s for s in segments]
        else:
            names = segments
        if any(name in PROTOTYPE_KEYS for name in names):
            return None
        leaf = self.leaf(value)
        for root in reversed(segments):
            if root == "[]":
                leaf = leaf if isinstance(leaf, _Overflow) else self._combine(leaf)
                continue
            name = root[1:-1] if root.startswith("[") and root.endswith("]") else root
            index = _js_index(name) if name != root else None
            if index is not None and index < self.limit:
                leaf = [*([_HOLE] * index), leaf]
            elif index is not None:
                leaf = _Overflow({name: leaf}, index)
            else:
                leaf = {name: leaf}
        return leaf

    def merge(self, target: Any, source: Any) -> Any:
        """qs' utils.merge."""
        if source is None or source == "" or source is _HOLE:
            return target  # JavaScript's `!source`
        if not isinstance(source, (dict, list)):
            if isinstance(target, list):
                if len(target) >= self.limit:
                    return self._overflow([*target, source])
                target.append(source)
                return target
            if isinstance(target, _Overflow):
                target.max_index += 1
                target[str(target.max_index)] = source
                return target
            return [target, source]  # strictMerge, or a value that is no object
        if not isinstance(target, (dict, list)):
            if isinstance(source, _Overflow):
                shifted: dict[str, Any] = {"0": target}
                for key, value in source.items():
                    match = _PARSE_INT.match(key)
                    shifted[js_number(int(match.group(1)) + 1) if match else "NaN"] = value
                return _Overflow(shifted, source.max_index + 1)
            combined = [target, *source] if isinstance(source, list) else [target, source]
            return self._overflow(combined) if len(combined) > self.limit else combined
        if isinstance(target, list) and isinstance(source, list):
            for i, item in enumerate(source):
                if item is _HOLE:
                    continue  # forEach skips holes
                if i < len(target) and target[i] is not _HOLE:
                    if isinstance(target[i], (dict, list)) and isinstance(item, (dict, list)):
                        target[i] = self.merge(target[i], item)
                    else:
                        target.append(item)
                else:
                    target.extend([_HOLE] * (i + 1 - len(target)))
                    target[i] = item
            return self._overflow(target) if len(target) > self.limit else target
        acc: dict[str, Any] = _array_to_object(target) if isinstance(target, list) else target
        entries = source.items() if isinstance(source, dict) else _array_to_object(source).items()
        for key, value in entries:
            acc[key] = self.merge(acc[key], value) if key in acc else value
            if isinstance(source, _Overflow) and not isinstance(acc, _Overflow):
                acc = _Overflow(acc, source.max_index)
            if isinstance(acc, _Overflow) and (index := _js_index(key)) is not None and index > acc.max_index:
                acc.max_index = index
        return acc

    def compact(self, value: Any) -> Any:
        """qs' compact (holes out of lists), objects as plain dicts in JavaScript's key order."""
        if isinstance(value, dict):
            return {key: self.compact(value[key]) for key in js_keys(value)}
        if isinstance(value, list):
            return [self.compact(v) for v in value if v is not _HOLE]
        return value


def make_parser(config: dict[str, Any]) -> Any:
    depth = config.get("depth", 20)
    options = qs_codec.DecodeOptions(
        strict_null_handling=config.get("strictNullHandling", True),
        depth=depth,
        list_limit=config.get("arrayLimit", 100),
        parameter_limit=config.get("parameterLimit", 1000),
        decoder=decode_uri_component,
    )
    qs = _QsObject(options.list_limit, depth)

    def parse(querystring: str) -> dict[str, Any]:
        if not querystring:
            return {}
        values = _parse_query_string_values(querystring, options)
        if not any("[" in key for key in values):  # flat: nothing to nest nor merge
            return qs.compact({k: qs.leaf(v) for k, v in values.items() if k not in PROTOTYPE_KEYS})
        obj: Any = {}
        for key in js_keys(values):  # qs walks Object.keys(tempObj): integer-like keys first
            nested = qs.nest(key, values[key])
            if nested is not None:
                obj = qs.merge(obj, nested)
        return qs.compact(obj)

    return parse


def middleware(config: dict[str, Any], strapi: StrapiApp) -> Middleware:
    parse = make_parser(config or {})
    # Strapi replaces the request's query getter at start-up: every ctx parses with qs from then on,
    # whatever the middleware's position in the stack.
    strapi.query_parser = parse

    async def query(ctx: Any, next: Next) -> Any:
        return await next()

    return query
