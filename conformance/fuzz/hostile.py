"""The ``hostile`` fuzz phase: requests no well-behaved client sends, against the content API.

Each case is drawn from its own seeded generator (``random.Random(f"{seed}:{index}")``), so case N of
a seed is the same on every run and every target, and can be replayed alone::

    python -m conformance.fuzz.hostile --seed 20240917 --case 1234 http://127.0.0.1:1337

Classes of cases (one each in turn): very large arrays in ``$or``/``$in``/``populate``/``sort``/
``fields``, deep nesting (query and JSON body), long strings, unicode and NUL bytes, invalid UTF-8,
broken percent-encoding, duplicate keys, ``__proto__``/``constructor`` keys, numeric overflow,
hostile pagination, wrong content types, truncated, chunked and oversized bodies, hostile paths and
writes of private attributes.

Checks on every answer: no 5xx (``not_a_server_error``); a connection that ends without an answer
(``transport``); 4xx answers in Strapi's error envelope (``error_envelope``); no private attribute
in any answer (``private_attribute_leak``). A truncated body may be left unanswered: the client
stopped sending, the server may stop too.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import select
import shlex
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import httpx

from ..openapi import ContentTypeSchema, load_content_types
from .options import HOSTILE

if TYPE_CHECKING:
    from .runner import FuzzResult, Runner

CASES_PER_EXAMPLE = 50  # --max-examples N draws 50 N hostile cases (200 → 10,000)
JSON_LIMIT = 1024 * 1024  # koa-body's jsonLimit, Strapi's default
TEXT_LIMIT = 56 * 1024  # koa-body's formLimit and textLimit
RAW_TIMEOUT_S = 10.0
MAX_HTTPX_URL = 65_000
HEAD_LIMIT = 16 * 1024  # Node's default --max-http-header-size
HEAD_ALLOWANCE = 1024  # what a client adds to a case's head: Host, Authorization, ...
RAW_BODY_BYTES = 256 * 1024  # larger bodies go by socket over a network (see send)
SAFE = "[]$,:*"  # characters Strapi clients send unencoded in query keys and values
BIG_SIZES = (101, 500, 999, 1000, 1001, 3000)
DEPTHS = (5, 19, 20, 21, 50, 500)
PROTO_NAMES = ("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf")
WEIRD_TEXT = (
    "\x00", "a\x00b", "\u202e\u0645\u0631\u062d\u0628\u0627", "\U0001f600" * 50, "e\u0301" * 100,
    "\ufeff", "\uffff", "'; DROP TABLE articles; --", "%", "%%", "\\", "\\x00", '"', "\r\n", "\u2028",
    "*", "_", "%_%", "null", "undefined", "NaN", "[object Object]", "\x7f\x1b[31m",
)
HUGE_NUMBERS = ("1e309", "-1e309", "99999999999999999999999999", "9223372036854775808", "-9223372036854775809",
                "NaN", "Infinity", "-0", "0x10", "1_000", "1e-400", "4.9e-324", "  7  ", "", "+1", "١٢٣")


@dataclass(frozen=True)
class HostileCase:
    """One request, byte for byte: ``path`` and ``query`` are already percent-encoded ASCII."""

    index: int
    kind: str
    method: str
    path: str
    label: str  # the document's operation, e.g. ``GET /api/articles/{id}``
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    mode: str = "plain"  # plain | chunked | truncated (a Content-Length the body never reaches)

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


@dataclass
class Api:
    """The fixture's content API: what the cases are drawn against."""

    types: list[ContentTypeSchema]
    prefix: str = "/api"
    private: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def fixture(cls) -> Api:
        types = load_content_types()
        private = frozenset(n for ct in types for n in ct.attributes if ct.is_private(n))
        return cls(types, "/api", private)


class Draw:
    """The generator of one case: its random source and the API it draws from."""

    def __init__(self, api: Api, seed: int, index: int) -> None:
        self.api = api
        self.rng = random.Random(f"{seed}:{index}")
        self.index = index
        self.ct = self.rng.choice(api.types)

    def pick(self, seq: Any) -> Any:
        return self.rng.choice(list(seq))

    def field(self, ct: ContentTypeSchema | None = None) -> str:
        return str(self.pick((ct or self.ct).scalar_fields() + ["id", "documentId"]))

    def relation(self) -> str | None:
        names = list(self.ct.relations())
        return self.pick(names) if names else None

    def list_op(self) -> tuple[str, str]:
        """(path, label) of the type's find route."""
        path = f"{self.api.prefix}/{self.ct.singular if self.ct.single else self.ct.plural}"
        return path, f"GET {path}"

    def item_op(self, method: str) -> tuple[str, str]:
        """(path, label) of a route on one document: a made-up documentId (nothing is changed)."""
        if self.ct.single:
            path = f"{self.api.prefix}/{self.ct.singular}"
            return path, f"{method} {path}"
        doc = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24))
        base = f"{self.api.prefix}/{self.ct.plural}"
        return f"{base}/{doc}", f"{method} {base}/{{id}}"

    def write_op(self) -> tuple[str, str, str]:
        """(method, path, label) of a write: create on a collection type, update on a single type."""
        if self.ct.single:
            path = f"{self.api.prefix}/{self.ct.singular}"
            return "PUT", path, f"PUT {path}"
        path = f"{self.api.prefix}/{self.ct.plural}"
        return "POST", path, f"POST {path}"

    def case(self, kind: str, method: str, path: str, label: str, query: str = "",
             headers: dict[str, str] | None = None, body: bytes | None = None, mode: str = "plain") -> HostileCase:
        return HostileCase(self.index, kind, method, path, label, query, tuple((headers or {}).items()), body, mode)


def enc(text: str) -> str:
    """Percent-encode as a Strapi client does (qs.stringify with encodeValuesOnly: brackets kept)."""
    return quote(text, safe=SAFE)


def qs(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs)


JSON = {"Content-Type": "application/json"}


def json_body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# -- the classes ------------------------------------------------------------------------------------
def big_or(d: Draw) -> HostileCase:
    n, f = d.pick(BIG_SIZES), d.field()
    shape = d.rng.randrange(3)
    if shape == 0:
        pairs = [(f"filters[$or][{i}][{f}][$eq]", str(i)) for i in range(n)]
    elif shape == 1:
        pairs = [(f"filters[$or][][{f}][$contains]", str(i)) for i in range(n)]
    else:  # nested: $and of $or
        pairs = [(f"filters[$and][{i % 7}][$or][{i}][{f}][$ne]", str(i)) for i in range(n)]
    return d.case("big_or", "GET", *d.list_op(), qs(pairs))


def big_in(d: Draw) -> HostileCase:
    n, f, op = d.pick(BIG_SIZES), d.field(), d.pick(("$in", "$notIn", "$between"))
    style = d.rng.randrange(3)
    if style == 0:
        pairs = [(f"filters[{f}][{op}][{i}]", str(i)) for i in range(n)]
    elif style == 1:
        pairs = [(f"filters[{f}][{op}][]", str(i)) for i in range(n)]
    else:
        pairs = [(f"filters[{f}][{op}]", ",".join(str(i) for i in range(n)))]
    return d.case("big_in", "GET", *d.list_op(), qs(pairs))


def big_populate(d: Draw) -> HostileCase:
    n, rel = d.pick(BIG_SIZES), d.relation() or "author"
    style = d.rng.randrange(3)
    if style == 0:
        pairs = [(f"populate[{i}]", rel) for i in range(n)]
    elif style == 1:
        pairs = [("populate", ",".join([rel] * n))]
    else:
        pairs = [(f"populate[{rel}][fields][{i}]", d.field()) for i in range(n)]
    return d.case("big_populate", "GET", *d.list_op(), qs(pairs))


def big_sort(d: Draw) -> HostileCase:
    n = d.pick(BIG_SIZES)
    style = d.rng.randrange(3)
    if style == 0:
        pairs = [(f"sort[{i}]", f"{d.field()}:{d.pick(('asc', 'desc', 'ASC', 'up'))}") for i in range(n)]
    elif style == 1:
        pairs = [("sort", ",".join(d.field() for _ in range(n)))]
    else:
        pairs = [(f"sort[{i}][{d.field()}]", "desc") for i in range(n)]
    return d.case("big_sort", "GET", *d.list_op(), qs(pairs))


def big_fields(d: Draw) -> HostileCase:
    n = d.pick(BIG_SIZES)
    if d.rng.random() < 0.5:
        pairs = [(f"fields[{i}]", d.field()) for i in range(n)]
    else:
        pairs = [("fields", ",".join(d.field() for _ in range(n)))]
    return d.case("big_fields", "GET", *d.list_op(), qs(pairs))


def deep_query(d: Draw) -> HostileCase:
    depth, style = d.pick(DEPTHS), d.rng.randrange(4)
    if style == 0:
        key = "filters" + "".join(d.pick(("[$and][0]", "[$or][0]", "[$not]")) for _ in range(depth)) + f"[{d.field()}]"
        pairs = [(key, "x")]
    elif style == 1:
        rel = d.relation() or "author"
        key = "populate" + f"[{rel}][populate]" * depth
        pairs = [(key + f"[{rel}]", "true")]
    elif style == 2:
        pairs = [("filters" + "[a]" * depth, "1")]
    else:
        pairs = [("sort" + "[0]" * depth, "title")]
    return d.case("deep_nesting", "GET", *d.list_op(), qs(pairs))


def deep_body(d: Draw) -> HostileCase:
    depth = d.pick((100, 500, 900, 1000, 10_000, 100_000))
    method, path, label = d.write_op()
    opener, closer = d.pick((("[", "]"), ('{"a":', "}")))
    name = d.pick(list(d.ct.attributes) or ["title"])
    text = '{"data":{"' + name + '":' + opener * depth + "1" + closer * depth + "}}"
    return d.case("deep_nesting", method, path, label, headers=JSON, body=text.encode())


def long_strings(d: Draw) -> HostileCase:
    n = d.pick((1000, 8000, 16_000, 65_000, 200_000))
    text = d.pick(("a", "\u00e9", "\U0001f600", "%")) * n
    if d.rng.random() < 0.5:
        op = d.pick(("$eq", "$contains", "$startsWith", "$eqi", "$containsi"))
        return d.case("long_strings", "GET", *d.list_op(), qs([(f"filters[{d.field()}][{op}]", text)]))
    method, path, label = d.write_op()
    name = d.pick([n for n, a in d.ct.attributes.items() if a["type"] in ("string", "text")] or ["title"])
    return d.case("long_strings", method, path, label, headers=JSON, body=json_body({"data": {name: text}}))


def unicode_nul(d: Draw) -> HostileCase:
    text = d.pick(WEIRD_TEXT)
    style = d.rng.randrange(4)
    if style == 0:
        op = d.pick(("$eq", "$contains", "$endsWith", "$nei", "$in", "$gt"))
        return d.case("unicode_nul", "GET", *d.list_op(), qs([(f"filters[{d.field()}][{op}]", text)]))
    if style == 1:
        return d.case("unicode_nul", "GET", *d.list_op(), qs([(text, "1"), (f"sort[0]{text}", "x"), ("fields[0]", text)]))
    if style == 2:
        path, label = d.item_op("GET")
        return d.case("unicode_nul", "GET", path + enc(text) if not d.ct.single else path, label)
    method, path, label = d.write_op()
    data = {d.pick(list(d.ct.attributes) or ["title"]): text, text: text}
    return d.case("unicode_nul", method, path, label, headers=JSON, body=json_body({"data": data}))


def invalid_utf8(d: Draw) -> HostileCase:
    bad = d.pick(("%C3%28", "%FF", "%ED%A0%80", "%F4%90%80%80", "%C0%AF", "%E2%82", "%80%80"))
    style = d.rng.randrange(3)
    if style == 0:
        return d.case("invalid_utf8", "GET", *d.list_op(), f"filters[{d.field()}][$eq]={bad}&{bad}={bad}")
    if style == 1:
        path, label = d.item_op(d.pick(("GET", "DELETE")))
        return d.case("invalid_utf8", label.split()[0], path + (bad if not d.ct.single else ""), label)
    method, path, label = d.write_op()
    raw = d.pick((b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"))
    body = b'{"data":{"' + d.field().encode() + b'":"' + raw + b'"}}'
    return d.case("invalid_utf8", method, path, label,
                  headers={"Content-Type": d.pick(("application/json", "application/json; charset=utf-8"))}, body=body)


def bad_percent(d: Draw) -> HostileCase:
    bad = d.pick(("%", "%Z", "%ZZ", "%%", "%G1", "%2", "%u0041", "%%32%35", "%0"))
    style = d.rng.randrange(3)
    if style == 0:
        return d.case("bad_percent", "GET", *d.list_op(), f"filters[{d.field()}][$eq]=a{bad}b&x{bad}[y]=1")
    if style == 1:
        return d.case("bad_percent", "GET", *d.list_op(), f"sort={bad}&populate={bad}&fields[0]={bad}")
    path, label = d.item_op("GET")
    return d.case("bad_percent", "GET", path + bad if not d.ct.single else path + "/" + bad, label)


def duplicate_keys(d: Draw) -> HostileCase:
    f = d.field()
    style = d.rng.randrange(4)
    if style == 0:
        return d.case("duplicate_keys", "GET", *d.list_op(),
                      qs([(f"filters[{f}][$eq]", "a"), (f"filters[{f}][$eq]", "b"), (f"filters[{f}]", "c")]))
    if style == 1:
        return d.case("duplicate_keys", "GET", *d.list_op(),
                      qs([("pagination[page]", "1"), ("pagination[page]", "2"), ("pagination", "x"),
                          ("sort", f), ("sort[0]", f), ("status", "draft"), ("status", "published")]))
    if style == 2:
        return d.case("duplicate_keys", "GET", *d.list_op(),
                      qs([("populate", "*"), ("populate[0]", d.relation() or "author"), ("fields", f), ("fields[x]", f)]))
    method, path, label = d.write_op()
    body = ('{"data":{"' + f + '":"a","' + f + '":{"b":1}},"data":{"' + f + '":"c"}}').encode()
    return d.case("duplicate_keys", method, path, label, headers=JSON, body=body)


def proto_keys(d: Draw) -> HostileCase:
    name = d.pick(PROTO_NAMES)
    style = d.rng.randrange(4)
    if style == 0:
        return d.case("proto_keys", "GET", *d.list_op(),
                      qs([(f"filters[{name}][{d.field()}]", "1"), (f"filters[{d.field()}][{name}]", "1")]))
    if style == 1:
        return d.case("proto_keys", "GET", *d.list_op(),
                      qs([(name, "1"), (f"{name}[polluted]", "yes"), (f"populate[{name}]", "true"), (f"sort[{name}]", "asc")]))
    method, path, label = d.write_op()
    if style == 2:
        body = '{"data":{"' + name + '":{"polluted":true},"' + d.field() + '":"x"}}'
    else:
        body = '{"' + name + '":{"data":{"x":1}},"data":{"constructor":{"prototype":{"polluted":true}}}}'
    return d.case("proto_keys", method, path, label, headers=JSON, body=body.encode())


def numeric_overflow(d: Draw) -> HostileCase:
    number = d.pick(HUGE_NUMBERS)
    numeric = [n for n, a in d.ct.attributes.items() if a["type"] in ("integer", "biginteger", "decimal", "float")]
    if d.rng.random() < 0.5:
        f = d.pick(numeric + ["id"])
        op = d.pick(("$eq", "$lt", "$gte", "$in", "$between", "$ne", "$null"))
        return d.case("numeric_overflow", "GET", *d.list_op(), qs([(f"filters[{f}][{op}]", number)]))
    method, path, label = d.write_op()
    name = d.pick(numeric or list(d.ct.attributes) or ["title"])
    raw = d.pick(("1e309", "-1e400", "123456789012345678901234567890", "9223372036854775808", "1.5", "-0",
                  "1E-400", "NaN", "Infinity", "0.1e99999", "2147483648", "-2147483649", "9223372036854775807",
                  '"99999999999999999999"', '"1e5"', "[1]", '{"$gt":1}'))
    return d.case("numeric_overflow", method, path, label, headers=JSON,
                  body=('{"data":{"' + name + '":' + raw + "}}").encode())


def pagination(d: Draw) -> HostileCase:
    value = d.pick(("0", "-1", "-0", "1e3", "99999999999999999999", "9223372036854775807", "2147483648", "1.5",
                    "", "x", "-99999999999", "0x1", " 1"))
    key = d.pick(("pagination[page]", "pagination[pageSize]", "pagination[start]", "pagination[limit]",
                  "pagination[withCount]", "page", "pageSize", "start", "limit", "pagination"))
    pairs = [(key, value)]
    if d.rng.random() < 0.3:
        pairs.append((d.pick(("pagination[page]", "pagination[limit]", "pagination[start]")), d.pick(("1", "-5", "1e9"))))
    return d.case("pagination", "GET", *d.list_op(), qs(pairs))


def content_types(d: Draw) -> HostileCase:
    method, path, label = d.write_op()
    ctype, body = d.pick((
        ("text/plain", b'{"data":{"title":"x"}}'),
        ("application/xml", b"<data><title>x</title></data>"),
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=data\r\n\r\n{}\r\n--x--"),
        ("multipart/form-data; boundary=zzz", b"garbage without boundary"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"a":1}\r\n--x--\r\n'),
        ("application/x-www-form-urlencoded", b"data[title]=x&data[__proto__][a]=1&%ZZ=%"),
        ("application/x-www-form-urlencoded", b"data=%7B%22title%22%3A1%7D"),
        ("application/json; charset=latin1", b'{"data":{"title":"caf\xe9"}}'),
        ("application/json; charset=utf-16", '{"data":{}}'.encode("utf-16")),
        ("application/vnd.api+json", b'{"data":{"title":"x"}}'),
        ("application/json", b"not json"),
        ("application/json", b"[]"),
        ("application/json", b"null"),
        ("application/json", b'"data"'),
        ("application/json", b'{"data":null}'),
        ("application/json", b'{"data":[1,2]}'),
        ("application/json", b'{"data":"x"}'),
        ("application/json", b"\xef\xbb\xbf{\"data\":{}}"),
        ("*/*", b'{"data":{}}'),
        ("", b'{"data":{}}'),
        ("application/octet-stream", bytes(range(256))),
        ("image/png", b"\x89PNG\r\n\x1a\n"),
    ))
    headers = {"Content-Type": ctype} if ctype else {}
    return d.case("content_types", method, path, label, headers=headers, body=body)


def truncated(d: Draw) -> HostileCase:
    method, path, label = d.write_op()
    full = json_body({"data": {d.field(): "x" * d.pick((10, 1000, 100_000))}})
    cut = full[: d.rng.randrange(0, len(full))]
    declared = d.pick((len(full), len(full) * 2, JSON_LIMIT - 1, 10**12))
    return d.case("truncated", method, path, label, headers={**JSON, "Content-Length": str(declared)}, body=cut,
                  mode="truncated")


def chunked(d: Draw) -> HostileCase:
    method, path, label = d.write_op()
    size = d.pick((0, 10, 60_000, JSON_LIMIT - 100, JSON_LIMIT + 1, 3 * JSON_LIMIT))
    body = b'{"data":{"' + d.field().encode() + b'":"' + b"c" * size + b'"}}'
    ctype = d.pick(("application/json", "text/plain", "application/x-www-form-urlencoded"))
    return d.case("chunked", method, path, label, headers={"Content-Type": ctype}, body=body, mode="chunked")


def oversize(d: Draw) -> HostileCase:
    method, path, label = d.write_op()
    ctype, limit = d.pick((("application/json", JSON_LIMIT), ("text/plain", TEXT_LIMIT),
                           ("application/x-www-form-urlencoded", TEXT_LIMIT)))
    size = limit + d.pick((1, 1000, limit))
    if ctype == "application/json":
        prefix = b'{"data":{"title":"'
        body = prefix + b"o" * (size - len(prefix) - 3) + b'"}}'
    else:
        body = b"data=" + b"o" * (size - 5)
    return d.case("oversize", method, path, label, headers={"Content-Type": ctype}, body=body)


def hostile_paths(d: Draw) -> HostileCase:
    base = f"{d.api.prefix}/{d.ct.plural if not d.ct.single else d.ct.singular}"
    tail = d.pick(("/..%2F..%2F..%2Fetc%2Fpasswd", "/../../_health", "/%2e%2e/%2e%2e/", "//", "/%00", "/a" * 300,
                   "/" + "x" * 10_000, "/%20", "/;", "/*", "/{id}", "/null", "/0", "/-1", "/1e400", "/.", "/%C0%AE"))
    method = d.pick(("GET", "PUT", "DELETE", "POST", "PATCH", "HEAD", "OPTIONS"))
    return d.case("hostile_paths", method, base + tail, f"{method} {base}/{{id}}",
                  headers=JSON if method in ("PUT", "POST", "PATCH") else None,
                  body=b'{"data":{}}' if method in ("PUT", "POST", "PATCH") else None)


def private_writes(d: Draw) -> HostileCase:
    """Private attributes sent in, then asked for every way: the answers must never show them."""
    owners = [ct for ct in d.api.types if any(ct.is_private(n) for n in ct.attributes)]
    if not owners:
        return pagination(d)
    d.ct = d.pick(owners)
    secret = next(n for n in d.ct.attributes if d.ct.is_private(n))
    style = d.rng.randrange(3)
    if style == 0:
        method, path, label = d.write_op()
        return d.case("private_writes", method, path, label, headers=JSON,
                      body=json_body({"data": {secret: "leak-" + str(d.index), d.field(): "x"}}))
    if style == 1:
        pairs = d.pick(([("fields[0]", secret)], [("sort", secret)], [(f"filters[{secret}][$notNull]", "true")],
                        [("populate", "*")], [("fields", "*")], [("populate[0]", secret)]))
        return d.case("private_writes", "GET", *d.list_op(), qs(pairs))
    # From the other side of a relation: the owner of the private attribute, populated.
    others = [(ct, name) for ct in d.api.types for name, a in ct.relations().items() if a.get("target") == d.ct.uid]
    if not others:
        return d.case("private_writes", "GET", *d.list_op(), qs([("populate", "*")]))
    d.ct, rel = d.pick(others)
    return d.case("private_writes", "GET", *d.list_op(),
                  qs(d.pick(([("populate", "*")], [(f"populate[{rel}][populate]", "*")],
                             [(f"populate[{rel}][fields][0]", secret)]))))


CLASSES: tuple[Callable[[Draw], HostileCase], ...] = (
    big_or, big_in, big_populate, big_sort, big_fields, deep_query, deep_body, long_strings, unicode_nul,
    invalid_utf8, bad_percent, duplicate_keys, proto_keys, numeric_overflow, pagination, content_types,
    truncated, chunked, oversize, hostile_paths, private_writes,
)


def draw(api: Api, seed: int, index: int) -> HostileCase:
    """Case ``index`` of ``seed``: the classes in turn, each case from its own random source."""
    return CLASSES[index % len(CLASSES)](Draw(api, seed, index))


def cases(api: Api, seed: int, count: int) -> Iterator[HostileCase]:
    for index in range(count):
        yield draw(api, seed, index)


# -- sending ----------------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int | None  # None: the connection ended without an answer
    headers: dict[str, str]
    body: bytes
    error: str = ""


def send(client: httpx.Client, base_url: str, case: HostileCase, headers: dict[str, str]) -> Answer:
    """Send ``case`` through the target's client. Over a real network, truncated, chunked and large
    bodies go by socket instead: httpx sends a whole body before it reads, and a server that answers
    early (413) and stops reading would leave both sides waiting."""
    out = {**headers, **dict(case.headers)}
    if not _in_process(base_url) and (case.mode != "plain" or len(case.body or b"") > RAW_BODY_BYTES
                                      or len(case.target) > HEAD_LIMIT - HEAD_ALLOWANCE):
        return send_raw(base_url, case, out)
    url = base_url.rstrip("/") + case.target
    try:
        response = client.send(httpx.Request(case.method, make_url(url), headers=out, content=case.body))
    except httpx.TransportError as exc:
        return Answer(None, {}, b"", f"{type(exc).__name__}: {exc}")
    return Answer(response.status_code, dict(response.headers), response.content)


def make_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, also beyond httpx's 64 KiB limit on URLs: servers may be sent longer ones."""
    if len(url) <= MAX_HTTPX_URL:
        return httpx.URL(url)
    short = httpx.URL(url[: url.index("/", len("http://"))])
    path, _, query = url[len(str(short)):].partition("?")
    # httpx validates a URL's parts only when it parses them; its parse result is a named tuple.
    short._uri_reference = short._uri_reference._replace(path=path, query=query or None)
    return short


def _in_process(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").endswith(".invalid")


def raw_request(case: HostileCase, host: str, headers: dict[str, str]) -> bytes:
    """The request's bytes: chunked bodies in 16 KiB chunks, a truncated one cut where the case cut it."""
    body = case.body or b""
    lines = [f"{case.method} {case.target} HTTP/1.1", f"Host: {host}", "Connection: close"]
    if case.mode == "chunked":
        lines.append("Transfer-Encoding: chunked")
        chunks = [body[i:i + 16_384] for i in range(0, len(body), 16_384)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    elif case.body is not None and not any(k.lower() == "content-length" for k in headers):
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body


def send_raw(base_url: str, case: HostileCase, headers: dict[str, str]) -> Answer:
    """Write the request while reading: an early answer stops the sending, as curl does. A truncated
    body is followed by a half-close (the client has nothing more to say)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    data = raw_request(case, f"{host}:{port}", headers)
    deadline = time.monotonic() + RAW_TIMEOUT_S
    received = bytearray()
    try:
        with socket.create_connection((host, port), timeout=RAW_TIMEOUT_S) as sock:
            sock.setblocking(False)
            sent, writing = 0, True
            while time.monotonic() < deadline:
                readable, writable, _ = select.select([sock], [sock] if writing else [], [], 0.5)
                if readable:
                    try:
                        chunk = sock.recv(65536)
                    except (ConnectionResetError, BlockingIOError):
                        chunk = b""
                    if not chunk:
                        break
                    received += chunk
                    writing = False  # the server has answered: what is left of the body is not wanted
                    if _complete(bytes(received)):
                        break
                if writable and writing:
                    try:
                        sent += sock.send(data[sent:sent + 65536])
                    except (BrokenPipeError, ConnectionResetError):
                        writing = False
                    if sent >= len(data):
                        writing = False
                        if case.mode == "truncated":
                            sock.shutdown(socket.SHUT_WR)
            else:
                if not received:
                    return Answer(None, {}, b"", f"no answer within {RAW_TIMEOUT_S:.0f} s")
    except OSError as exc:
        if not received:
            return Answer(None, {}, b"", f"{type(exc).__name__}: {exc}")
    return parse_raw(bytes(received))


def _complete(data: bytes) -> bool:
    """A whole answer: headers, then as many bytes as Content-Length says (no length: read to EOF)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return match is not None and len(body) >= int(match.group(1))


def parse_raw(data: bytes) -> Answer:
    head, _, body = data.partition(b"\r\n\r\n")
    if not head:
        return Answer(None, {}, b"", "connection closed without an answer")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return Answer(None, {}, b"", f"not an HTTP answer: {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = dechunk(body)
    return Answer(status, headers, body)


def dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, sep, rest = data.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if not sep or size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return bytes(out)


# -- checks -----------------------------------------------------------------------------------------
def envelope_problem(answer: Answer) -> str | None:
    """Why a 4xx answer is not ``{"data": null, "error": {"status", "name", "message"[, "details"]}}``."""
    assert answer.status is not None
    if answer.status == 405:
        return None  # the router's Method Not Allowed is plain text in Strapi too
    body = parse_json(answer.body)
    if body is NOT_JSON:
        # Too deep for Python's parser (an error echoing the input): the envelope's head is enough.
        head = SHALLOW_ENVELOPE.match(answer.body)
        if head and int(head.group(1)) == answer.status:
            return None
        return f"the body is not JSON: {answer.body[:80]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or body.get("data", 0) is not None:
        return f"not the error envelope: {answer.body[:120]!r}"
    if error.get("status") != answer.status:
        return f"error.status {error.get('status')!r} differs from the HTTP status {answer.status}"
    if not isinstance(error.get("name"), str) or not isinstance(error.get("message"), str) or not error["message"]:
        return f"error.name and error.message must be non-empty strings: {answer.body[:120]!r}"
    return None


NOT_JSON = object()
SHALLOW_ENVELOPE = re.compile(rb'\{"data":null,"error":\{"status":(\d+),"name":"[^"]+","message":"[^"]')


def parse_json(body: bytes) -> Any:
    """The parsed body, or ``NOT_JSON`` (a target may echo JSON too deep for Python's parser)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return NOT_JSON


def refused_head(case: HostileCase, answer: Answer) -> bool:
    """A request head over 16 KiB refused by the HTTP server itself (Node: 431, uvicorn: 400 past
    64 KiB), before any application code: no envelope to expect there."""
    head = len(case.target) + sum(len(k) + len(v) + 4 for k, v in case.headers) + HEAD_ALLOWANCE
    return head > HEAD_LIMIT and answer.status in (400, 414, 431) and "json" not in answer.headers.get("content-type", "")


def leaked(value: Any, private: frozenset[str]) -> str | None:
    """Where the first private attribute name is a key in the answer's ``data`` (or webhook payload),
    depth first; walked without recursion, whatever the depth."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key in item:
                if key in private:
                    return f"{path}.{key}".lstrip(".")
            stack.extend((inner, f"{path}.{key}") for key, inner in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{i}]") for i, inner in reversed(list(enumerate(item))))
    return None


def problems(case: HostileCase, answer: Answer, private: frozenset[str]) -> list[tuple[str, str, str]]:
    """(check, title, message) for each thing wrong with ``answer``."""
    if answer.status is None:
        if case.mode == "truncated" and "no answer" not in answer.error:
            return []  # the client stopped sending; closing the connection is a fair answer
        return [("transport", f"no answer to {case.kind}", answer.error)]
    found: list[tuple[str, str, str]] = []
    if answer.status >= 500:
        found.append(("not_a_server_error", f"{answer.status} on {case.kind}",
                      f"{case.kind} case {case.index} answered {answer.status}: {answer.body[:300]!r}"))
    elif 400 <= answer.status < 500 and case.method != "HEAD" and not refused_head(case, answer) \
            and not (case.mode == "truncated" and not answer.body):  # the HTTP server's own 400
        problem = envelope_problem(answer)
        if problem:
            found.append(("error_envelope", f"{answer.status} without the envelope on {case.kind}", problem))
    if "json" in answer.headers.get("content-type", "") and answer.body:
        body = parse_json(answer.body)
        where = leaked(body.get("data") if isinstance(body, dict) else None, private)
        if where:
            found.append(("private_attribute_leak", f"private attribute in the answer to {case.kind}",
                          f"data.{where} is a private attribute"))
    return found


# -- the phase --------------------------------------------------------------------------------------
def replay_command(case: HostileCase, seed: int, base_url: str, headers: dict[str, str]) -> str:
    parts = ["python", "-m", "conformance.fuzz.hostile", "--seed", str(seed), "--case", str(case.index)]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    return " ".join(shlex.quote(p) for p in [*parts, base_url]) + f"  # {case.kind}"


def run_hostile(runner: Runner, count: int | None = None, api: Api | None = None) -> None:
    """The phase, on the runner's client, counts and findings: cases go into ``runner.result``."""
    api = api or Api.fixture()
    seed = runner.options.seed
    total = count if count is not None else runner.options.max_examples * CASES_PER_EXAMPLE
    for case in cases(api, seed, total):
        runner.result.count(HOSTILE, case.label)
        answer = send(runner.client, runner.base_url, case, runner.headers)
        if answer.status is not None:
            runner.result.answered.add(case.label)
            runner.result.statuses.setdefault(case.label, Counter())[answer.status] += 1
        for check, title, message in problems(case, answer, api.private):
            runner.record(HOSTILE, case.label, check, title, message, answer.status, None,
                          replay_command(case, seed, runner.replay_base_url, runner.headers))


def run_phases(runner: Runner, phases: tuple[str, ...]) -> FuzzResult:
    """The runner's own phases, then this one when asked for (``conformance fuzz --phases …,hostile``)."""
    started = time.perf_counter()
    result = runner.run()
    if HOSTILE in phases:
        run_hostile(runner)
    result.duration_s = time.perf_counter() - started
    return result


# -- replaying one case -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.fuzz.hostile",
                                     description="Send hostile case N of a seed to a target and print the exchange.")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--case", type=int, required=True, help="the case's index")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value' (repeatable)")
    parser.add_argument("--show", action="store_true", help="print the request only, send nothing")
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:1337")
    args = parser.parse_args(argv)
    if args.case < 0:
        print("conformance: --case must be at least 0", file=sys.stderr)
        return 2
    headers = dict(h.split(":", 1) for h in args.header if ":" in h)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    case = draw(Api.fixture(), args.seed, args.case)
    print(f"# {case.kind} case {case.index} ({case.mode}): {case.method} {case.target[:300]}"
          f"{'…' if len(case.target) > 300 else ''} body {len(case.body or b'')} bytes")
    if args.show:
        return 0
    try:
        with httpx.Client(timeout=RAW_TIMEOUT_S) as client:
            answer = send(client, args.url, case, headers)
    except httpx.InvalidURL as exc:
        print(f"conformance: bad URL {args.url}: {exc}", file=sys.stderr)
        return 2
    if answer.status is None:
        print(f"no answer: {answer.error}")
        return 1
    print(answer.status)
    for name, value in answer.headers.items():
        print(f"{name}: {value}")
    print()
    print(answer.body[:2000].decode("utf-8", "replace"))
    return 1 if answer.status >= 500 or problems(case, answer, Api.fixture().private) else 0


if __name__ == "__main__":
    sys.exit(main())
