"""An OpenAPI 3.1 description of the Strapi 5 content API, built from Strapi's own ``schema.json`` files.

Real Strapi has no such document without the documentation plugin, so the harness writes one for any
target from the fixture's content types: the core routes (``/api/<plural>``, ``/api/<plural>/{id}``,
``/api/<singular>``), ``{"data": {...}}`` request bodies, ``{data, meta}`` answers, the error envelope
of ``strapi::errors`` and bearer auth, as conformance/PROTOCOL.md and Strapi's documentation describe
them. Query parameters use Strapi's bracket syntax: ``filters``, ``pagination`` and object
``populate`` are ``deepObject`` parameters whose values nest (``filters[title][$eq]=x``); ``sort`` and
``fields`` are exploded arrays (``sort=a&sort=b:desc``), which ``qs`` reads as lists.

The reference implementation serves its own document (``reference_impl/openapi.py``), generated from
what it loaded; tests/test_openapi_agreement.py checks that the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .fixture import CONTENT_TYPES_DIR

OPENAPI_VERSION = "3.1.0"
# What the fixture's config/api gives every target (a new Strapi 5 project's defaults).
DEFAULT_REST = {"defaultLimit": 25, "maxLimit": 100}
SYSTEM_DATES = ("createdAt", "updatedAt", "publishedAt")
INT32 = {"minimum": -2147483648, "maximum": 2147483647}
STRING_TYPES = ("string", "text", "richtext", "email", "uid", "enumeration")
# Attribute types a filter, a sort or ``fields`` may name (Strapi: scalar, non-private attributes).
NOT_FILTERABLE = ("json", "blocks", "password", "media", "component", "dynamiczone", "relation")
COMPARISON_OPS = ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte")
TEXT_OPS = ("$eqi", "$nei", "$contains", "$notContains", "$containsi", "$notContainsi",
            "$startsWith", "$startsWithi", "$endsWith", "$endsWithi")
MAX_PROPERTIES = 2  # operators per field, fields per filter object
MAX_ITEMS = 3  # values of $in/$notIn, items of sort, fields, populate, $and, $or
ERROR_RESPONSES = {
    "400": ("BadRequest", "Invalid query, body or pagination (ValidationError, PaginationError, ...)", None),
    "401": ("Unauthorized", "Missing or invalid credentials", "UnauthorizedError"),
    "403": ("Forbidden", "The role or token lacks the action, or a policy failed", None),
    "404": ("NotFound", "No such document", "NotFoundError"),
    "413": ("PayloadTooLarge", "The JSON body is over the body parser's limit", "PayloadTooLargeError"),
}
# No operation documents 500: Strapi's documentation gives no request a server error as its answer, so
# a 500 is always a finding (schemathesis' not_a_server_error and status_code_conformance report it).
ERROR_NAMES = {"403": ["ForbiddenError", "PolicyError"]}


class ContentTypeSchema:
    """One ``schema.json``: the names and attributes the document needs."""

    def __init__(self, raw: dict[str, Any], api: str) -> None:
        info = raw["info"]
        self.singular: str = info["singularName"]
        self.plural: str = info.get("pluralName", self.singular + "s")
        self.uid = f"api::{api}.{self.singular}"
        self.single = raw.get("kind", "collectionType") == "singleType"
        self.draft_and_publish = bool((raw.get("options") or {}).get("draftAndPublish", False))
        self.attributes: dict[str, dict[str, Any]] = raw.get("attributes", {})
        self.component = "".join(part[:1].upper() + part[1:] for part in self.singular.split("-"))

    def is_private(self, name: str) -> bool:
        attr = self.attributes[name]
        return bool(attr.get("private")) or attr["type"] == "password"

    def scalar_fields(self) -> list[str]:
        """Fields ``filters``, ``sort`` and ``fields`` may name, besides ``id`` and ``documentId``."""
        own = [n for n, a in self.attributes.items() if a["type"] not in NOT_FILTERABLE and not self.is_private(n)]
        return own + list(SYSTEM_DATES)

    def relations(self) -> dict[str, dict[str, Any]]:
        return {n: a for n, a in self.attributes.items() if a["type"] == "relation" and not self.is_private(n)}


def load_content_types(directory: Path = CONTENT_TYPES_DIR) -> list[ContentTypeSchema]:
    """Every ``<api>/<name>/schema.json`` under ``directory``, sorted by uid."""
    types = []
    for path in sorted(Path(directory).glob("*/*/schema.json")):
        types.append(ContentTypeSchema(json.loads(path.read_text(encoding="utf-8")), path.parent.parent.name))
    return sorted(types, key=lambda ct: ct.uid)


# -- attribute types --------------------------------------------------------------------------------
def _constraints(attr: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema.json validations Strapi's entity validator checks, as JSON Schema keywords:
    minLength/maxLength, regex (an empty text passes unless required), min/max."""
    out = dict(schema)
    if out.get("type") == "string":
        for key in ("minLength", "maxLength"):
            if key in attr:
                out[key] = attr[key]
        if attr.get("regex"):
            out["pattern"] = attr["regex"] if attr.get("required") else f"^$|{attr['regex']}"
    elif out.get("type") in ("integer", "number"):
        if "min" in attr:
            out["minimum"] = attr["min"]
        if "max" in attr:
            out["maximum"] = attr["max"]
    return out


def attribute_value_schema(attr: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of one attribute's value as Strapi stores and answers it (null aside)."""
    return _constraints(attr, _kind_schema(attr))


def _kind_schema(attr: dict[str, Any]) -> dict[str, Any]:
    kind = attr["type"]
    if kind in ("string", "text", "richtext", "password"):
        return {"type": "string"}
    if kind == "email":
        return {"type": "string", "format": "email", "minLength": 1}  # an empty email "cannot be empty"
    if kind == "uid":
        return {"type": "string", "pattern": "^[A-Za-z0-9-_.~]*$"}
    if kind == "enumeration":
        return {"type": "string", "enum": list(attr["enum"])}
    if kind == "integer":
        # Unbounded: Strapi on SQLite stores and answers integers past 32 bits. Requests and filters
        # stay within 32 bits (``sendable``), what every database Strapi supports accepts.
        return {"type": "integer"}
    if kind == "biginteger":
        # Strapi answers big integers as strings, to keep their precision in JavaScript.
        return {"type": "string", "pattern": "^-?[0-9]+$"}
    if kind in ("float", "decimal"):
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "time":
        # HH:mm:ss with optional milliseconds: the Query Engine refuses anything else (a 400).
        return {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?$"}
    if kind in ("datetime", "timestamp"):
        return {"type": "string", "format": "date-time"}
    if kind == "json":
        return {}
    if kind == "blocks":
        return {"type": "array", "items": {"type": "object"}}
    if kind == "media":
        item = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
        return {"type": "array", "items": item} if attr.get("multiple") else item
    if kind == "component":
        item = {"type": "object"}
        return {"type": "array", "items": item} if attr.get("repeatable") else item
    if kind == "dynamiczone":
        return {"type": "array", "items": {"type": "object", "required": ["__component"],
                                           "properties": {"__component": {"type": "string"}}}}
    if kind == "relation":
        many = str(attr.get("relation", "")).endswith("ToMany")
        return {"type": "array", "items": {"type": "object"}} if many else {"type": "object"}
    return {}  # customField and types from plugins: anything


def sendable(schema: dict[str, Any]) -> dict[str, Any]:
    """A value schema as requests and filters send it: integers within 32 bits (and within the
    attribute's own min and max)."""
    if schema.get("type") != "integer":
        return schema
    return {**schema, "minimum": max(schema.get("minimum", INT32["minimum"]), INT32["minimum"]),
            "maximum": min(schema.get("maximum", INT32["maximum"]), INT32["maximum"])}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null (every attribute of a Strapi entry may be null)."""
    if not schema:
        return {}
    if "enum" in schema:
        return {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def input_value_schema(attr: dict[str, Any]) -> dict[str, Any]:
    """What a request body may give for one attribute."""
    kind = attr["type"]
    if kind == "relation":
        many = str(attr.get("relation", "")).endswith("ToMany")
        ref = {"type": "string", "minLength": 1}  # a documentId
        return {"type": "array", "items": ref} if many else nullable(ref)
    if kind == "media":
        return nullable({"type": "array", "items": {"type": "integer"}} if attr.get("multiple") else {"type": "integer"})
    if kind == "biginteger":
        # Within JavaScript's safe integers: every target stores those exactly (64-bit columns).
        return nullable({"anyOf": [{"type": "integer", "minimum": -(2**53 - 1), "maximum": 2**53 - 1},
                                   {"type": "string", "pattern": "^-?[0-9]{1,15}$"}]})
    value = sendable(attribute_value_schema(attr))
    return value if attr.get("required") else nullable(value)  # null is no value for a required one


# -- component schemas -------------------------------------------------------------------------------
def document_schema(ct: ContentTypeSchema, types: dict[str, ContentTypeSchema], depth: int = 1) -> dict[str, Any]:
    """An entry as the content API answers it: flat attributes, no private ones; relations only when
    populated (one level deep here)."""
    props: dict[str, Any] = {"id": {"type": "integer"}, "documentId": {"type": "string"}}
    for name, attr in ct.attributes.items():
        if ct.is_private(name):
            continue
        if attr["type"] == "relation":
            if depth <= 0:
                continue
            target = types[attr["target"]]
            inner = document_schema(target, types, depth - 1)
            many = str(attr.get("relation", "")).endswith("ToMany")
            props[name] = {"type": "array", "items": inner} if many else nullable(inner)
            continue
        props[name] = nullable(attribute_value_schema(attr))
    for name in SYSTEM_DATES:
        props[name] = nullable({"type": "string", "format": "date-time"})
    return {"type": "object", "required": ["id", "documentId"], "properties": props, "additionalProperties": False}


def input_schema(ct: ContentTypeSchema, creating: bool = False) -> dict[str, Any]:
    """A request's ``data``; a create must give the required attributes (drafts may leave them out)."""
    props = {name: input_value_schema(attr) for name, attr in ct.attributes.items()}
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [name for name, attr in ct.attributes.items() if attr.get("required")]
    if creating and required and not ct.draft_and_publish:
        out["required"] = required
    return out


def operators_schema(value: dict[str, Any], text: bool) -> dict[str, Any]:
    """The operator object of one field: ``{"$eq": v, "$in": [v, ...], "$null": true, ...}``."""
    props: dict[str, Any] = {op: value for op in COMPARISON_OPS}
    props.update({"$in": {"type": "array", "items": value, "minItems": 1, "maxItems": MAX_ITEMS},
                  "$notIn": {"type": "array", "items": value, "minItems": 1, "maxItems": MAX_ITEMS},
                  "$between": {"type": "array", "items": value, "minItems": 2, "maxItems": 2},
                  "$null": {"type": "boolean"}, "$notNull": {"type": "boolean"}})
    if text:
        props.update({op: {"type": "string"} for op in TEXT_OPS})
    return _bounded_object(props)


def _bounded_object(props: dict[str, Any]) -> dict[str, Any]:
    # Bounds keep generation fast (schemas this wide are expensive to draw) without losing a case shape.
    return {"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1,
            "maxProperties": MAX_PROPERTIES}


def field_filter_schemas(ct: ContentTypeSchema) -> dict[str, Any]:
    out: dict[str, Any] = {"id": operators_schema({"type": "integer", **INT32}, False),
                           "documentId": operators_schema({"type": "string"}, True)}
    for name in ct.scalar_fields():
        attr = ct.attributes.get(name, {"type": "datetime"})
        out[name] = operators_schema(sendable(attribute_value_schema(attr)), attr["type"] in STRING_TYPES)
    return out


def filters_schema(ct: ContentTypeSchema, types: dict[str, ContentTypeSchema]) -> dict[str, Any]:
    """``filters``: fields with operators, relations one level deep, and ``$and``/``$or``/``$not``."""
    own = field_filter_schemas(ct)
    flat = _bounded_object(own)
    props = dict(own)
    for name, attr in ct.relations().items():
        props[name] = _bounded_object(field_filter_schemas(types[attr["target"]]))
    props["$and"] = props["$or"] = indexed_list(flat)
    props["$not"] = flat
    return _bounded_object(props)


def indexed_list(item: dict[str, Any]) -> dict[str, Any]:
    """A list of objects in a deepObject parameter, as ``qs`` reads it: ``filters[$and][0][title][$eq]=x``.

    An array of objects would serialize as ``filters[$and]=title`` (a deepObject holds no arrays of
    objects); ``qs`` turns the indices 0..n back into an array.
    """
    keys = [str(i) for i in range(MAX_ITEMS)]
    return {"type": "object", "properties": {k: item for k in keys}, "required": ["0"],
            "additionalProperties": False}


def populate_schema(ct: ContentTypeSchema, types: dict[str, ContentTypeSchema]) -> dict[str, Any]:
    """``populate=*``, ``populate=author``, ``populate[0]=author`` or ``populate[author][fields][0]=name``."""
    names = sorted(ct.relations())
    if not names:
        return {"type": "string", "enum": ["*"]}
    per_relation = {}
    for name in names:
        target = types[ct.relations()[name]["target"]]
        fields = {"type": "array", "items": {"type": "string", "enum": target.scalar_fields()}, "minItems": 1,
                  "maxItems": MAX_ITEMS}
        # ``populate[tags]=`` (an empty object) is Strapi's 400 "Invalid key": at least one option.
        per_relation[name] = {"type": "object", "properties": {"fields": fields}, "additionalProperties": False,
                              "minProperties": 1}
    return {"anyOf": [
        {"type": "string", "enum": ["*", *names]},
        {"type": "array", "items": {"type": "string", "enum": names}, "minItems": 1, "maxItems": MAX_ITEMS},
        {"type": "object", "properties": per_relation, "additionalProperties": False, "minProperties": 1},
    ]}


def pagination_schema(rest: dict[str, Any]) -> dict[str, Any]:
    count = {"withCount": {"type": "boolean"}}
    paged = {"page": {"type": "integer", "minimum": 1, **_max(INT32)},
             "pageSize": {"type": "integer", "minimum": 1, **_max(INT32)}, **count}
    offset = {"start": {"type": "integer", "minimum": 0, **_max(INT32)},
              "limit": {"type": "integer", "minimum": -1, **_max(INT32)}, **count}
    # page/pageSize and start/limit cannot be mixed (400 PaginationError): one or the other.
    return {"anyOf": [{"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1}
                      for props in (paged, offset)],
            "description": f"defaultLimit {rest['defaultLimit']}, maxLimit {rest['maxLimit']}; "
                           "page/pageSize and start/limit cannot be mixed (400 PaginationError)"}


def _max(bounds: dict[str, int]) -> dict[str, int]:
    return {"maximum": bounds["maximum"]}


def sort_schema(ct: ContentTypeSchema) -> dict[str, Any]:
    keys = ["id", "documentId", *ct.scalar_fields()]
    values = [v for k in keys for v in (k, f"{k}:asc", f"{k}:desc")]
    return {"type": "array", "items": {"type": "string", "enum": values}, "minItems": 1, "maxItems": MAX_ITEMS}


def fields_schema(ct: ContentTypeSchema) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": ["documentId", *ct.scalar_fields()]}, "minItems": 1,
            "maxItems": MAX_ITEMS}


def error_schema(status: str) -> dict[str, Any]:
    _, _, name = ERROR_RESPONSES[status]
    if name is not None:
        name_schema: dict[str, Any] = {"type": "string", "const": name}
    elif status in ERROR_NAMES:
        name_schema = {"type": "string", "enum": ERROR_NAMES[status]}
    else:
        name_schema = {"type": "string", "pattern": "Error$"}
    error = {"type": "object", "required": ["status", "name", "message"],
             "properties": {"status": {"type": "integer", "const": int(status)}, "name": name_schema,
                            "message": {"type": "string"}, "details": {"type": "object"}}}
    return {"type": "object", "required": ["data", "error"],
            "properties": {"data": {"type": "null"}, "error": error}, "additionalProperties": False}


def pagination_meta_schema() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    paged = {"type": "object", "required": ["page", "pageSize"], "additionalProperties": False,
             "properties": {"page": {"type": "integer"}, "pageSize": {"type": "integer"},
                            "pageCount": count, "total": count}}
    offset = {"type": "object", "required": ["start", "limit"], "additionalProperties": False,
              "properties": {"start": {"type": "integer"}, "limit": {"type": "integer"}, "total": count}}
    return {"anyOf": [paged, offset]}


# -- operations -------------------------------------------------------------------------------------
def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _query(name: str, schema: dict[str, Any], deep: bool = False) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
    param.update({"style": "deepObject", "explode": True} if deep else {"style": "form", "explode": True})
    return param


# Strapi declares these query parameters on each core action (core-api/routes); ``status`` is added
# on draft-and-publish types.
ACTION_PARAMS = {
    "find": ("filters", "_q", "pagination", "sort", "fields", "populate"),
    "findOne": ("filters", "sort", "fields", "populate"),
    "create": ("fields", "populate"),
    "update": ("fields", "populate"),
    "delete": ("filters", "fields", "populate"),
}
SINGLE_PARAMS = {"find": ("fields", "populate"), "update": ("fields", "populate"),
                 "delete": ("fields", "populate")}
# What Strapi's documentation gives each core action: its success status (rest.md; create is 201 since
# Strapi 5, ``ctx.status = 201``), 400 (ValidationError, PaginationError), 401 (a missing or invalid
# token where the route needs one), 403 (the role or token lacks the action), 404 (no such document)
# and 413 (a body over the parser's limit).
RESPONSES = {
    "find": ("200", ("400", "401", "403")),
    "findOne": ("200", ("400", "401", "403", "404")),
    "create": ("201", ("400", "401", "403", "413")),
    "update": ("200", ("400", "401", "403", "404", "413")),
    # Strapi answers 204 to a DELETE of a missing document too: never 404.
    "delete": ("204", ("400", "401", "403")),
}


def parameters(ct: ContentTypeSchema, action: str) -> list[dict[str, Any]]:
    names = (SINGLE_PARAMS if ct.single else ACTION_PARAMS)[action]
    out = []
    for name in names:
        if name in ("filters", "pagination"):
            out.append(_query(name, _ref("schemas", f"{ct.component}{name.capitalize()}"), deep=True))
        elif name == "populate":
            out.append(_query(name, _ref("schemas", f"{ct.component}Populate"), deep=True))
        elif name in ("sort", "fields"):
            out.append(_query(name, _ref("schemas", f"{ct.component}{name.capitalize()}")))
        else:
            out.append(_query(name, {"type": "string"}))
    if ct.draft_and_publish:
        # A REST DELETE with ``status=draft`` reaches the Document Service's "Cannot delete a draft
        # document", a plain Error (500) in Strapi 5, so the document offers only what is answerable.
        statuses = ["published"] if action == "delete" else ["draft", "published"]
        out.append(_query("status", {"type": "string", "enum": statuses}))
    return out


def operation(ct: ContentTypeSchema, action: str, public: bool) -> dict[str, Any]:
    ok, errors = RESPONSES[action]
    if ct.single and action == "find":
        errors = ("400", "401", "403", "404")  # the single type has no content yet
    if ct.single and action == "update":
        errors = ("400", "401", "403", "413")
    responses: dict[str, Any] = {}
    if ok == "204":
        responses[ok] = {"description": "Deleted (no body)"}
    else:
        kind = "List" if action == "find" and not ct.single else "Entry"
        responses[ok] = {"description": "OK", "content": {"application/json": {
            "schema": _ref("schemas", f"{ct.component}{kind}Response")}}}
        responses[ok]["links"] = links(ct, action)
        if not responses[ok]["links"]:
            del responses[ok]["links"]
    for status in errors:
        responses[status] = _ref("responses", ERROR_RESPONSES[status][0])
    op: dict[str, Any] = {
        "operationId": f"{ct.singular}.{action}",
        "tags": [ct.uid],
        "parameters": ([{"name": "id", "in": "path", "required": True, "description": "documentId",
                         "schema": {"type": "string", "minLength": 1}}]
                       if not ct.single and action in ("findOne", "update", "delete") else [])
        + parameters(ct, action),
        "responses": responses,
        "security": [{"bearerAuth": []}, {}] if public else [{"bearerAuth": []}],
    }
    if action in ("create", "update"):
        creates = action == "create" and not ct.draft_and_publish and any(
            a.get("required") for a in ct.attributes.values())
        request = f"{ct.component}{'Create' if creates else ''}Request"
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _ref("schemas", request)}}}
    return op


def links(ct: ContentTypeSchema, action: str) -> dict[str, Any]:
    """OpenAPI links for stateful runs: create → read → update → delete on the same documentId."""
    if ct.single:
        if action != "update":
            return {}
        return {f"{ct.singular}.{a}": {"operationId": f"{ct.singular}.{a}"} for a in ("find", "delete")}
    if action == "find":
        return {f"{ct.singular}.findOne": {"operationId": f"{ct.singular}.findOne",
                                            "parameters": {"id": "$response.body#/data/0/documentId"}}}
    if action == "delete":
        return {}
    follow = {"create": ("findOne", "update", "delete"), "findOne": ("update", "delete"),
              "update": ("findOne", "delete")}[action]
    return {f"{ct.singular}.{a}": {"operationId": f"{ct.singular}.{a}",
                                   "parameters": {"id": "$response.body#/data/documentId"}} for a in follow}


def component_schemas(types: list[ContentTypeSchema], rest: dict[str, Any]) -> dict[str, Any]:
    by_uid = {ct.uid: ct for ct in types}
    out: dict[str, Any] = {"PaginationMeta": pagination_meta_schema()}
    for ct in types:
        name = ct.component
        out[f"{name}Document"] = document_schema(ct, by_uid)
        out[f"{name}Input"] = input_schema(ct)
        # Strapi reads ``data`` and ignores other top-level keys of the body.
        out[f"{name}Request"] = {"type": "object", "required": ["data"],
                                 "properties": {"data": _ref("schemas", f"{name}Input")}}
        if "required" in input_schema(ct, creating=True):
            out[f"{name}CreateInput"] = input_schema(ct, creating=True)
            out[f"{name}CreateRequest"] = {"type": "object", "required": ["data"],
                                           "properties": {"data": _ref("schemas", f"{name}CreateInput")}}
        out[f"{name}EntryResponse"] = {
            "type": "object", "required": ["data", "meta"], "additionalProperties": False,
            "properties": {"data": _ref("schemas", f"{name}Document"), "meta": {"type": "object"}}}
        out[f"{name}Filters"] = filters_schema(ct, by_uid)
        out[f"{name}Sort"] = sort_schema(ct)
        out[f"{name}Fields"] = fields_schema(ct)
        out[f"{name}Populate"] = populate_schema(ct, by_uid)
        if not ct.single:
            out[f"{name}Pagination"] = pagination_schema(rest)
            out[f"{name}ListResponse"] = {
                "type": "object", "required": ["data", "meta"], "additionalProperties": False,
                "properties": {"data": {"type": "array", "items": _ref("schemas", f"{name}Document")},
                               "meta": {"type": "object", "required": ["pagination"],
                                        "properties": {"pagination": _ref("schemas", "PaginationMeta")}}}}
    return out


def error_responses() -> dict[str, Any]:
    out = {}
    for status, (name, description, _) in ERROR_RESPONSES.items():
        out[name] = {"description": description,
                     "content": {"application/json": {"schema": error_schema(status)}}}
    # Not on any operation: what a documented path answers to an undocumented method
    # (router.allowedMethods), checked by the fuzzer's method probe.
    out["MethodNotAllowed"] = {"description": "Method Not Allowed (plain text, with an Allow header)",
                               "headers": {"Allow": {"schema": {"type": "string"}}},
                               "content": {"text/plain": {"schema": {"type": "string"}}}}
    return out


def build_document(types: Iterable[ContentTypeSchema], public_actions: Iterable[str] = (),
                   rest: dict[str, Any] | None = None, prefix: str = "/api") -> dict[str, Any]:
    """The OpenAPI 3.1 document of the content API of ``types``.

    ``public_actions`` (``api::article.article.find``, ...) are the actions the Public role has: their
    operations may be called without a token; all others need one.
    """
    types = sorted(types, key=lambda ct: ct.uid)
    rest = {**DEFAULT_REST, **(rest or {})}
    public = set(public_actions)
    paths: dict[str, Any] = {}
    for ct in types:
        if ct.single:
            item = paths.setdefault(f"{prefix}/{ct.singular}", {})
            for method, action in (("get", "find"), ("put", "update"), ("delete", "delete")):
                item[method] = operation(ct, action, f"{ct.uid}.{action}" in public)
            continue
        coll = paths.setdefault(f"{prefix}/{ct.plural}", {})
        one = paths.setdefault(f"{prefix}/{ct.plural}/{{id}}", {})
        for method, action, item in (("get", "find", coll), ("post", "create", coll), ("get", "findOne", one),
                                     ("put", "update", one), ("delete", "delete", one)):
            item[method] = operation(ct, action, f"{ct.uid}.{action}" in public)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Strapi 5 content API", "version": "5",
                 "description": "Generated from the content types' schema.json by the conformance harness."},
        "paths": paths,
        "components": {
            "schemas": component_schemas(types, rest),
            "responses": error_responses(),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token or a users-permissions JWT"}},
        },
    }


def fixture_document() -> dict[str, Any]:
    """The document of the conformance fixture: its content types and its Public role."""
    from .fixture.facts import PUBLIC_ACTIONS

    return build_document(load_content_types(), PUBLIC_ACTIONS)
