"""The OpenAPI 3.1 description of a Strapi 5 content API: the one generator of the project.

Two users, one code path:
- the reference implementation serves ``GET /openapi.json`` from what it loaded (``build_openapi``):
  the content-api routes its core routers registered (a router's ``only``/``except`` shows), its
  content types, its REST configuration and the Public role's permissions;
- the conformance harness fuzzes any target (real Strapi has no such document without the
  documentation plugin) with the document of the fixture's ``schema.json`` files
  (``conformance/openapi.py`` calls ``build_document`` with them).

What it describes: the core routes (``/api/<plural>``, ``/api/<plural>/{id}``, ``/api/<singular>``),
``{"data": {...}}`` request bodies, ``{data, meta}`` answers, the error envelope of ``strapi::errors``
and bearer auth, as Strapi's documentation describes them. Query parameters use Strapi's bracket
syntax: ``filters``, ``pagination`` and object ``populate`` are ``deepObject`` parameters whose values
nest (``filters[title][$eq]=x``); ``sort`` and ``fields`` are exploded arrays (``sort=a&sort=b:desc``),
which ``qs`` reads as lists.

This module depends on nothing of the harness: it reads ``schema.json`` dictionaries only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .schema import ContentType
    from .strapi import Strapi

OPENAPI_VERSION = "3.1.0"
# A new Strapi 5 project's REST defaults (config/api).
DEFAULT_REST = {"defaultLimit": 25, "maxLimit": 100}
SYSTEM_DATES = ("createdAt", "updatedAt", "publishedAt")
I18N_ATTRIBUTES = ("locale", "localizations")  # what i18n adds to a localized type (reference_impl/i18n.py)
INT32 = {"minimum": -(2**31), "maximum": 2**31 - 1}
COMPARISON_OPS = ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte")
TEXT_OPS = ("$eqi", "$nei", "$contains", "$notContains", "$containsi", "$notContainsi",
            "$startsWith", "$startsWithi", "$endsWith", "$endsWithi")
MAX_PROPERTIES = 2  # operators per field, fields per filter object
MAX_ITEMS = 3  # values of $in/$notIn, items of sort, fields, populate, $and, $or
Schema = dict[str, Any]


# -- attribute kinds: one table ---------------------------------------------------------------------
def _many(attr: Schema) -> bool:
    return str(attr.get("relation", "")).endswith("ToMany")


def _nullable(schema: Schema) -> Schema:
    """``schema`` or null (every attribute of a Strapi entry may be null)."""
    if not schema:
        return {}
    if "enum" in schema:
        return {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def sendable(schema: Schema) -> Schema:
    """A value schema as requests and filters send it: integers within 32 bits, what every database
    Strapi supports accepts (answers may hold more: Strapi on SQLite stores integers past 32 bits),
    and within the attribute's own min and max."""
    if schema.get("type") != "integer":
        return schema
    return {**schema, "minimum": max(schema.get("minimum", INT32["minimum"]), INT32["minimum"]),
            "maximum": min(schema.get("maximum", INT32["maximum"]), INT32["maximum"])}


def constraints(attr: Schema, schema: Schema) -> Schema:
    """The schema.json validations the entity validator checks (reference_impl/validation.py) as JSON
    Schema keywords: minLength/maxLength, regex (an empty text passes unless required), min/max."""
    out = dict(schema)
    if out.get("type") == "string":
        out.update({key: attr[key] for key in ("minLength", "maxLength") if key in attr})
        if attr.get("regex"):
            out["pattern"] = attr["regex"] if attr.get("required") else f"^$|{attr['regex']}"
    elif out.get("type") in ("integer", "number"):
        out.update({key: attr[k] for k, key in (("min", "minimum"), ("max", "maximum")) if k in attr})
    return out


def _fixed(schema: Schema) -> Callable[[Schema], Schema]:
    return lambda attr: schema


def _text(attr: Schema) -> Schema:
    return {"type": "string"}  # minLength/maxLength/regex: ``constraints``


def _one_or_list(item: Schema, flag: str) -> Callable[[Schema], Schema]:
    return lambda attr: {"type": "array", "items": item} if attr.get(flag) else item


_DOCUMENT_ID = {"type": "string", "minLength": 1}
_DIGITS = {"type": "string", "pattern": "^-?[0-9]+$"}
# Big integers sent within JavaScript's safe integers: every target stores those exactly.
_SAFE_BIG = {"anyOf": [{"type": "integer", "minimum": -(2**53 - 1), "maximum": 2**53 - 1},
                       {"type": "string", "pattern": "^-?[0-9]{1,15}$"}]}


@dataclass(frozen=True)
class AttributeKind:
    """How the document describes one ``schema.json`` attribute type.

    ``value``: the value as Strapi answers it (null aside). ``request``: what a request body may give
    (default: the value, integers within 32 bits, or null). ``filterable``: ``filters``, ``sort`` and
    ``fields`` may name it. ``textual``: the string operators (``$containsi`` ...) apply.
    """

    value: Callable[[Schema], Schema]
    request: Callable[[Schema], Schema] | None = None
    filterable: bool = True
    textual: bool = False

    def input(self, attr: Schema) -> Schema:
        if self.request is not None:
            return self.request(attr)
        value = sendable(constraints(attr, self.value(attr)))
        return value if attr.get("required") else _nullable(value)  # null is no value for a required one


def _component_name(uid: str, zone: bool = False) -> str:
    return f"{'ZoneEntry' if zone else 'Component'}.{uid}"


def _component_ref(uid: Any, zone: bool = False) -> Schema:
    return {"$ref": f"#/components/schemas/{_component_name(str(uid), zone)}"}


# Add a kind here (one line) when a fixture schema starts using it.
# Bodies the JSON parser refuses wherever the key stands (secure-json-parse, as co-body uses it).
NO_PROTO_KEY: Schema = {"not": {"const": "__proto__"}}

ATTRIBUTE_KINDS: dict[str, AttributeKind] = {
    "string": AttributeKind(_text, textual=True),
    "text": AttributeKind(_text, textual=True),
    "richtext": AttributeKind(_text, textual=True),
    "password": AttributeKind(_text, filterable=False),  # private: never answered nor filtered
    # An empty email "cannot be empty".
    "email": AttributeKind(_fixed({"type": "string", "format": "email", "minLength": 1}), textual=True),
    "uid": AttributeKind(_fixed({"type": "string", "pattern": "^[A-Za-z0-9-_.~]*$"}), textual=True),
    "enumeration": AttributeKind(lambda attr: {"type": "string", "enum": list(attr.get("enum", []))}, textual=True),
    "integer": AttributeKind(_fixed({"type": "integer"})),
    # Strapi answers big integers as strings, to keep their precision in JavaScript.
    "biginteger": AttributeKind(_fixed(_DIGITS), lambda attr: _nullable(_SAFE_BIG)),
    "float": AttributeKind(_fixed({"type": "number"})),
    "decimal": AttributeKind(_fixed({"type": "number"})),
    "boolean": AttributeKind(_fixed({"type": "boolean"})),
    "date": AttributeKind(_fixed({"type": "string", "format": "date"})),
    # HH:mm:ss with optional milliseconds: the Query Engine refuses anything else (a 400).
    "time": AttributeKind(_fixed({"type": "string",
                                  "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?$"})),
    "datetime": AttributeKind(_fixed({"type": "string", "format": "date-time"})),
    "timestamp": AttributeKind(_fixed({"type": "string", "format": "date-time"})),
    "json": AttributeKind(_fixed({"propertyNames": NO_PROTO_KEY}), filterable=False),
    "blocks": AttributeKind(_fixed({"type": "array", "items": {"type": "object", "propertyNames": NO_PROTO_KEY}}),
                            filterable=False),
    "media": AttributeKind(
        _one_or_list({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}, "multiple"),
        lambda attr: _nullable(_one_or_list({"type": "integer"}, "multiple")(attr)), filterable=False),
    # Requests name each component's own schema (``component_input_schemas``): Strapi refuses a key
    # the component does not declare ("Invalid key x at seo").
    "component": AttributeKind(_one_or_list({"type": "object", "propertyNames": NO_PROTO_KEY}, "repeatable"),
                               # a repeatable one (like a dynamic zone) must be a list: null is a 400
                               lambda attr: {"type": "array", "items": _component_ref(attr.get("component"))}
                               if attr.get("repeatable") else _nullable(_component_ref(attr.get("component"))),
                               filterable=False),
    "dynamiczone": AttributeKind(lambda attr: {"type": "array", "items": {
        "type": "object", "required": ["__component"], "propertyNames": NO_PROTO_KEY, "properties": {"__component": {
            "type": "string", **({"enum": list(attr["components"])} if attr.get("components") else {})}}}},
        lambda attr: {"type": "array", "items": (
            {"oneOf": [_component_ref(uid, zone=True) for uid in attr["components"]]} if attr.get("components")
            else {"type": "object", "required": ["__component"], "propertyNames": NO_PROTO_KEY})},
        filterable=False),
    # Answered only when populated (``document_schema``); requests connect by documentId.
    "relation": AttributeKind(
        lambda attr: {"type": "array", "items": {"type": "object"}} if _many(attr) else {"type": "object"},
        lambda attr: {"type": "array", "items": _DOCUMENT_ID} if _many(attr) else _nullable(_DOCUMENT_ID),
        filterable=False),
}
# customField, plugin types and kinds added to a schema before this table knows them: any value, and
# never offered to filters (whether Strapi can filter on them is unknown).
UNKNOWN_KIND = AttributeKind(_fixed({}), lambda attr: {}, filterable=False)


def attribute_kind(attr: Schema) -> AttributeKind:
    return ATTRIBUTE_KINDS.get(str(attr.get("type")), UNKNOWN_KIND)


def attribute_value_schema(attr: Schema) -> Schema:
    """The JSON Schema of one attribute's value as Strapi stores and answers it (null aside)."""
    return constraints(attr, attribute_kind(attr).value(attr))


def input_value_schema(attr: Schema) -> Schema:
    """What a request body may give for one attribute."""
    return attribute_kind(attr).input(attr)


# -- content types ------------------------------------------------------------------------------------
class ContentTypeSchema:
    """One ``schema.json``: the names and attributes the document needs."""

    def __init__(self, raw: Schema, api: str) -> None:
        info = raw["info"]
        self.singular: str = info["singularName"]
        self.plural: str = info.get("pluralName", self.singular + "s")
        self.uid = f"api::{api}.{self.singular}"
        self.single = raw.get("kind", "collectionType") == "singleType"
        self.draft_and_publish = bool((raw.get("options") or {}).get("draftAndPublish", False))
        self.attributes: dict[str, Schema] = raw.get("attributes", {})
        self.component = "".join(part[:1].upper() + part[1:] for part in self.singular.split("-"))
        # i18n gives a localized type ``locale`` and ``localizations`` (its other locales, populated like
        # a relation), as Strapi does (reference_impl/i18n.py); a request body sets neither.
        self.localized = bool(((raw.get("pluginOptions") or {}).get("i18n") or {}).get("localized"))
        if self.localized and "locale" not in self.attributes:
            self.attributes = {**self.attributes, "locale": {"type": "string"},
                               "localizations": {"type": "relation", "relation": "oneToMany", "target": self.uid}}

    @classmethod
    def of(cls, ct: ContentType) -> ContentTypeSchema:
        """The description of a content type the reference implementation loaded."""
        return cls({"kind": ct.kind, "info": {"singularName": ct.singular_name, "pluralName": ct.plural_name},
                    "options": {"draftAndPublish": ct.draft_and_publish}, "pluginOptions": ct.plugin_options,
                    "attributes": ct.attributes}, ct.api_name)

    def is_private(self, name: str) -> bool:
        attr = self.attributes[name]
        return bool(attr.get("private")) or attr.get("type") == "password"

    def scalar_fields(self) -> list[str]:
        """Fields ``filters``, ``sort`` and ``fields`` may name, besides ``id`` and ``documentId``."""
        own = [n for n, a in self.attributes.items() if attribute_kind(a).filterable and not self.is_private(n)]
        return own + list(SYSTEM_DATES)

    def relations(self) -> dict[str, Schema]:
        return {n: a for n, a in self.attributes.items() if a.get("type") == "relation" and not self.is_private(n)}


def load_content_types(directory: Path) -> list[ContentTypeSchema]:
    """Every ``<api>/<name>/schema.json`` under ``directory``, sorted by uid."""
    types = []
    for path in sorted(Path(directory).glob("*/*/schema.json")):
        types.append(ContentTypeSchema(json.loads(path.read_text(encoding="utf-8")), path.parent.parent.name))
    return sorted(types, key=lambda ct: ct.uid)


# -- component schemas ----------------------------------------------------------------------------------
def document_schema(ct: ContentTypeSchema, types: dict[str, ContentTypeSchema], depth: int = 1) -> Schema:
    """An entry as the content API answers it: flat attributes, no private ones; relations only when
    populated (one level deep here)."""
    props: Schema = {"id": {"type": "integer"}, "documentId": {"type": "string"}}
    for name, attr in ct.attributes.items():
        if ct.is_private(name):
            continue
        if attr.get("type") != "relation":
            props[name] = _nullable(attribute_value_schema(attr))
        elif depth > 0 and attr.get("target") in types:
            inner = document_schema(types[attr["target"]], types, depth - 1)
            props[name] = {"type": "array", "items": inner} if _many(attr) else _nullable(inner)
    for name in SYSTEM_DATES:
        props[name] = _nullable({"type": "string", "format": "date-time"})
    return {"type": "object", "required": ["id", "documentId"], "properties": props, "additionalProperties": False}


def required_on_create(ct: ContentTypeSchema) -> list[str]:
    """Attributes a create must give (drafts may leave them out)."""
    return [] if ct.draft_and_publish else [n for n, a in ct.attributes.items() if a.get("required")]


def input_schema(ct: ContentTypeSchema, creating: bool = False) -> Schema:
    """A request's ``data``; a create must give the required attributes."""
    props = {name: input_value_schema(attr) for name, attr in ct.attributes.items()
             if not (ct.localized and name in I18N_ATTRIBUTES)}
    out: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    if creating and required_on_create(ct):
        out["required"] = required_on_create(ct)
    return out


def _bounded_object(props: Schema) -> Schema:
    # Bounds keep generation fast (schemas this wide are expensive to draw) without losing a case shape.
    return {"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1,
            "maxProperties": MAX_PROPERTIES}


def operators_schema(value: Schema, text: bool) -> Schema:
    """The operator object of one field: ``{"$eq": v, "$in": [v, ...], "$null": true, ...}``."""
    props: Schema = {op: value for op in COMPARISON_OPS}
    listed = {"type": "array", "items": value, "minItems": 1, "maxItems": MAX_ITEMS}
    props.update({"$in": listed, "$notIn": listed,
                  "$between": {"type": "array", "items": value, "minItems": 2, "maxItems": 2},
                  "$null": {"type": "boolean"}, "$notNull": {"type": "boolean"}})
    if text:
        props.update({op: {"type": "string"} for op in TEXT_OPS})
    return _bounded_object(props)


def field_filter_schemas(ct: ContentTypeSchema) -> Schema:
    out: Schema = {"id": operators_schema({"type": "integer", **INT32}, False),
                   "documentId": operators_schema({"type": "string"}, True)}
    for name in ct.scalar_fields():
        attr = ct.attributes.get(name, {"type": "datetime"})  # the system dates
        kind = attribute_kind(attr)
        out[name] = operators_schema(sendable(kind.value(attr)), kind.textual)
    return out


def indexed_list(item: Schema) -> Schema:
    """A list of objects in a deepObject parameter, as ``qs`` reads it: ``filters[$and][0][title][$eq]=x``.

    An array of objects would serialize as ``filters[$and]=title`` (a deepObject holds no arrays of
    objects); ``qs`` turns the indices 0..n back into an array.
    """
    return {"type": "object", "properties": {str(i): item for i in range(MAX_ITEMS)}, "required": ["0"],
            "additionalProperties": False}


def filters_schema(ct: ContentTypeSchema, types: dict[str, ContentTypeSchema]) -> Schema:
    """``filters``: fields with operators, relations one level deep, and ``$and``/``$or``/``$not``."""
    own = field_filter_schemas(ct)
    flat = _bounded_object(own)
    props = dict(own)
    for name, attr in ct.relations().items():
        if attr.get("target") in types:
            props[name] = _bounded_object(field_filter_schemas(types[attr["target"]]))
    props["$and"] = props["$or"] = indexed_list(flat)
    props["$not"] = flat
    return _bounded_object(props)


def populate_schema(ct: ContentTypeSchema, types: dict[str, ContentTypeSchema]) -> Schema:
    """``populate=*``, ``populate=author``, ``populate[0]=author`` or ``populate[author][fields][0]=name``."""
    relations = {n: a for n, a in ct.relations().items() if a.get("target") in types}
    names = sorted(relations)
    if not names:
        return {"type": "string", "enum": ["*"]}
    per_relation = {}
    for name in names:
        target = types[relations[name]["target"]]
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


def pagination_schema(rest: dict[str, Any]) -> Schema:
    upper = {"maximum": INT32["maximum"]}
    count = {"withCount": {"type": "boolean"}}
    paged = {"page": {"type": "integer", "minimum": 1, **upper},
             "pageSize": {"type": "integer", "minimum": 1, **upper}, **count}
    offset = {"start": {"type": "integer", "minimum": 0, **upper},
              "limit": {"type": "integer", "minimum": -1, **upper}, **count}
    # page/pageSize and start/limit cannot be mixed (400 PaginationError): one or the other.
    return {"anyOf": [{"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1}
                      for props in (paged, offset)],
            "description": f"defaultLimit {rest['defaultLimit']}, maxLimit {rest['maxLimit']}; "
                           "page/pageSize and start/limit cannot be mixed (400 PaginationError)"}


def sort_schema(ct: ContentTypeSchema) -> Schema:
    keys = ["id", "documentId", *ct.scalar_fields()]
    values = [v for k in keys for v in (k, f"{k}:asc", f"{k}:desc")]
    return {"type": "array", "items": {"type": "string", "enum": values}, "minItems": 1, "maxItems": MAX_ITEMS}


def fields_schema(ct: ContentTypeSchema) -> Schema:
    return {"type": "array", "items": {"type": "string", "enum": ["documentId", *ct.scalar_fields()]}, "minItems": 1,
            "maxItems": MAX_ITEMS}


def pagination_meta_schema() -> Schema:
    count = {"type": "integer", "minimum": 0}
    paged = {"type": "object", "required": ["page", "pageSize"], "additionalProperties": False,
             "properties": {"page": {"type": "integer"}, "pageSize": {"type": "integer"},
                            "pageCount": count, "total": count}}
    offset = {"type": "object", "required": ["start", "limit"], "additionalProperties": False,
              "properties": {"start": {"type": "integer"}, "limit": {"type": "integer"}, "total": count}}
    return {"anyOf": [paged, offset]}


def _used_components(attributes: Iterable[Schema], known: Mapping[str, Mapping[str, Schema]]) -> set[str]:
    """The uids of every component ``attributes`` name, nested ones included."""
    out: set[str] = set()
    todo = list(attributes)
    while todo:
        attr = todo.pop()
        uids = [attr.get("component")] if attr.get("type") == "component" else \
            list(attr.get("components", [])) if attr.get("type") == "dynamiczone" else []
        for uid in uids:
            if isinstance(uid, str) and uid not in out:
                out.add(uid)
                todo.extend(known.get(uid, {}).values())
    return out


def component_input_schemas(types: Iterable[ContentTypeSchema],
                            components: Mapping[str, Mapping[str, Schema]]) -> Schema:
    """A request's value for each component the types use (``components``: uid -> attributes): its
    attributes, nothing else; as a dynamic zone entry, with its ``__component``. A
    component not in ``components`` takes any object."""
    out: Schema = {}
    used = _used_components((a for ct in types for a in ct.attributes.values()), components)
    for uid in sorted(used):
        attributes = components.get(uid)
        if attributes is None:
            out[_component_name(uid)] = out[_component_name(uid, True)] = {"type": "object",
                                                                            "propertyNames": NO_PROTO_KEY}
            continue
        # No ``id``: one that names no entry of this document's component is a 400.
        props: Schema = {name: input_value_schema(attr) for name, attr in attributes.items()}
        out[_component_name(uid)] = {"type": "object", "properties": props, "additionalProperties": False}
        out[_component_name(uid, True)] = {
            "type": "object", "required": ["__component"], "additionalProperties": False,
            "properties": {"__component": {"const": uid}, **props}}
    return out


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def component_schemas(types: list[ContentTypeSchema], rest: dict[str, Any]) -> Schema:
    by_uid = {ct.uid: ct for ct in types}
    out: Schema = {"PaginationMeta": pagination_meta_schema()}
    for ct in types:
        name = ct.component
        out[f"{name}Document"] = document_schema(ct, by_uid)
        out[f"{name}Input"] = input_schema(ct)
        # Strapi reads ``data`` and ignores other top-level keys of the body, but its JSON parser
        # (secure-json-parse) refuses a ``__proto__`` key: not a valid body.
        out[f"{name}Request"] = {"type": "object", "required": ["data"], "propertyNames": NO_PROTO_KEY,
                                 "properties": {"data": _ref("schemas", f"{name}Input")}}
        if required_on_create(ct):
            out[f"{name}CreateInput"] = input_schema(ct, creating=True)
            out[f"{name}CreateRequest"] = {"type": "object", "required": ["data"], "propertyNames": NO_PROTO_KEY,
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


# -- error responses -----------------------------------------------------------------------------------
# status → (component name, description, the error name when the documentation fixes it). No operation
# documents 500: Strapi's documentation gives no request a server error as its answer, so a 500 is
# always a finding (schemathesis' not_a_server_error and status_code_conformance report it).
ERROR_RESPONSES: dict[str, tuple[str, str, str | list[str] | None]] = {
    "400": ("BadRequest", "Invalid query, body or pagination (ValidationError, PaginationError, ...)", None),
    "401": ("Unauthorized", "Missing or invalid credentials", "UnauthorizedError"),
    "403": ("Forbidden", "The role or token lacks the action, or a policy failed", ["ForbiddenError", "PolicyError"]),
    "404": ("NotFound", "No such document", "NotFoundError"),
    "413": ("PayloadTooLarge", "The JSON body is over the body parser's limit", "PayloadTooLargeError"),
}


def error_schema(status: str) -> Schema:
    _, _, name = ERROR_RESPONSES[status]
    if isinstance(name, str):
        name_schema: Schema = {"type": "string", "const": name}
    elif name is not None:
        name_schema = {"type": "string", "enum": list(name)}
    else:
        name_schema = {"type": "string", "pattern": "Error$"}
    error = {"type": "object", "required": ["status", "name", "message"],
             "properties": {"status": {"type": "integer", "const": int(status)}, "name": name_schema,
                            "message": {"type": "string"}, "details": {"type": "object"}}}
    return {"type": "object", "required": ["data", "error"],
            "properties": {"data": {"type": "null"}, "error": error}, "additionalProperties": False}


def error_responses() -> Schema:
    out: Schema = {}
    for status, (name, description, _) in ERROR_RESPONSES.items():
        out[name] = {"description": description, "content": {"application/json": {"schema": error_schema(status)}}}
    # Not on any operation: what a documented path answers to an undocumented method
    # (router.allowedMethods), checked by the fuzzer's method probe.
    out["MethodNotAllowed"] = {"description": "Method Not Allowed (plain text, with an Allow header)",
                               "headers": {"Allow": {"schema": {"type": "string"}}},
                               "content": {"text/plain": {"schema": {"type": "string"}}}}
    return out


# -- operations ------------------------------------------------------------------------------------------
# What Strapi's documentation gives each core action: its success status (rest.md; create is 201 since
# Strapi 5), 400 (ValidationError, PaginationError), 401 (a missing or invalid token where the route
# needs one), 403 (the role or token lacks the action), 404 (no such document), 413 (a body over the
# parser's limit); and the query parameters Strapi declares on it (core-api/routes; ``status`` is added
# on draft-and-publish types). Strapi answers 204 to a DELETE of a missing document too: never 404.
COLLECTION_ACTIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "find": ("200", ("400", "401", "403"), ("filters", "_q", "pagination", "sort", "fields", "populate")),
    "findOne": ("200", ("400", "401", "403", "404"), ("filters", "sort", "fields", "populate")),
    "create": ("201", ("400", "401", "403", "413"), ("fields", "populate")),
    "update": ("200", ("400", "401", "403", "404", "413"), ("fields", "populate")),
    "delete": ("204", ("400", "401", "403"), ("filters", "fields", "populate")),
}
SINGLE_ACTIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "find": ("200", ("400", "401", "403", "404"), ("fields", "populate")),  # no content yet: 404
    "update": ("200", ("400", "401", "403", "413"), ("fields", "populate")),
    "delete": ("204", ("400", "401", "403"), ("fields", "populate")),
}
DEEP_PARAMETERS = ("filters", "pagination", "populate")


def actions_of(ct: ContentTypeSchema) -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return SINGLE_ACTIONS if ct.single else COLLECTION_ACTIONS


@dataclass(frozen=True)
class CoreRoute:
    """One content-api route of a core router: ``GET /api/articles/:id`` → ``api::article.article`` findOne."""

    method: str
    path: str
    uid: str
    action: str


def core_routes(types: Iterable[ContentTypeSchema], prefix: str = "/api") -> list[CoreRoute]:
    """The routes a core router registers for each type (no ``only``/``except``)."""
    out = []
    for ct in types:
        if ct.single:
            out += [CoreRoute(m, f"{prefix}/{ct.singular}", ct.uid, a)
                    for m, a in (("GET", "find"), ("PUT", "update"), ("DELETE", "delete"))]
            continue
        coll, one = f"{prefix}/{ct.plural}", f"{prefix}/{ct.plural}/:id"
        out += [CoreRoute(m, p, ct.uid, a) for m, p, a in (
            ("GET", coll, "find"), ("POST", coll, "create"), ("GET", one, "findOne"),
            ("PUT", one, "update"), ("DELETE", one, "delete"))]
    return out


def _query(name: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "style": "deepObject" if name in DEEP_PARAMETERS else "form", "explode": True}


def parameters(ct: ContentTypeSchema, action: str, path_id: bool) -> list[Schema]:
    out = [{"name": "id", "in": "path", "required": True, "description": "documentId",
            "schema": {"type": "string", "minLength": 1}}] if path_id else []
    for name in actions_of(ct)[action][2]:
        schema = {"type": "string"} if name == "_q" else _ref("schemas", ct.component + name[:1].upper() + name[1:])
        out.append(_query(name, schema))
    if ct.draft_and_publish:
        # A REST DELETE with ``status=draft`` reaches the Document Service's "Cannot delete a draft
        # document", a plain Error (500) in Strapi 5, so the document offers only what is answerable.
        statuses = ["published"] if action == "delete" else ["draft", "published"]
        out.append(_query("status", {"type": "string", "enum": statuses}))
    return out


def links(ct: ContentTypeSchema, action: str) -> Schema:
    """OpenAPI links for stateful runs: create → read → update → delete on the same documentId."""
    s = ct.singular
    if ct.single:
        return {f"{s}.{a}": {"operationId": f"{s}.{a}"} for a in ("find", "delete")} if action == "update" else {}
    follow = {"find": ("findOne",), "create": ("findOne", "update", "delete"), "findOne": ("update", "delete"),
              "update": ("findOne", "delete")}.get(action, ())
    pointer = "$response.body#/data/0/documentId" if action == "find" else "$response.body#/data/documentId"
    return {f"{s}.{a}": {"operationId": f"{s}.{a}", "parameters": {"id": pointer}} for a in follow}


def operation(ct: ContentTypeSchema, action: str, public: bool, path_id: bool) -> Schema:
    ok, errors, _ = actions_of(ct)[action]
    responses: Schema = {}
    if ok == "204":
        responses[ok] = {"description": "Deleted (no body)"}
    else:
        kind = "List" if action == "find" and not ct.single else "Entry"
        responses[ok] = {"description": "OK", "content": {"application/json": {
            "schema": _ref("schemas", f"{ct.component}{kind}Response")}}}
        if links(ct, action):
            responses[ok]["links"] = links(ct, action)
    for status in errors:
        responses[status] = _ref("responses", ERROR_RESPONSES[status][0])
    op: Schema = {"operationId": f"{ct.singular}.{action}", "tags": [ct.uid],
                  "parameters": parameters(ct, action, path_id), "responses": responses,
                  "security": [{"bearerAuth": []}, {}] if public else [{"bearerAuth": []}]}
    if action in ("create", "update"):
        create = "Create" if action == "create" and required_on_create(ct) else ""
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _ref("schemas", f"{ct.component}{create}Request")}}}
    return op


def build_document(types: Iterable[ContentTypeSchema], public_actions: Iterable[str] = (),
                   rest: dict[str, Any] | None = None, prefix: str = "/api",
                   routes: Iterable[CoreRoute] | None = None,
                   description: str = "Generated from the content types' schema.json.",
                   components: Mapping[str, Mapping[str, Schema]] | None = None) -> Schema:
    """The OpenAPI 3.1 document of the content API of ``types``.

    ``public_actions`` (``api::article.article.find``, ...) are the actions the Public role has: their
    operations may be called without a token; all others need one. ``routes`` are the core routes
    served (default: every core route of every type); routes of unknown types or actions are left out.
    """
    types = sorted(types, key=lambda ct: ct.uid)
    by_uid = {ct.uid: ct for ct in types}
    rest = {**DEFAULT_REST, **(rest or {})}
    public = set(public_actions)
    paths: Schema = {}
    for route in core_routes(types, prefix) if routes is None else routes:
        ct = by_uid.get(route.uid)
        if ct is None or route.action not in actions_of(ct):
            continue  # custom routes and actions: not the generated content API
        path = route.path.replace(":id", "{id}")
        paths.setdefault(path, {})[route.method.lower()] = operation(
            ct, route.action, f"{ct.uid}.{route.action}" in public, ":id" in route.path)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Strapi 5 content API", "version": "5", "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**component_schemas(types, rest), **component_input_schemas(types, components or {})},
            "responses": error_responses(),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token or a users-permissions JWT"}},
        },
    }


# -- the reference implementation's /openapi.json ------------------------------------------------------------
def build_openapi(strapi: Strapi) -> Schema:
    """The document of what ``strapi`` loaded: its core routes, content types, REST limits, Public role."""
    routes = []
    for route in strapi.content_routes:
        if isinstance(route.handler, str):
            uid, _, action = route.handler.rpartition(".")
            routes.append(CoreRoute(route.method, route.path, uid, action))
    rest = {"defaultLimit": strapi.rest.default_limit, "maxLimit": strapi.rest.max_limit}
    return build_document(
        # Plugin types (the upload plugin's files) have no core routes: the project's types only.
        [ContentTypeSchema.of(ct) for ct in strapi.content_types.values() if ct.uid.startswith("api::")],
        strapi.auth.users_permissions.roles.get("public", set()), rest, strapi.api_prefix, routes,
        "Served by the reference implementation, from the content types it loaded.",
        {uid: component.attributes for uid, component in strapi.components.items()})
