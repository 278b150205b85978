"""``GET /openapi.json``: an OpenAPI 3.1 description of the content API this server actually serves.

Built at start-up from what was loaded: the content-api routes registered by core routers (so a
router's ``only``/``except`` shows), the content types' attributes, the REST configuration and the
Public role's permissions (operations it may call need no token). Strapi itself publishes nothing
like it without the documentation plugin; the conformance harness generates the same document from
the fixture's ``schema.json`` files, and its tests check that both agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema import ContentType

if TYPE_CHECKING:
    from .strapi import Strapi

INT32 = {"minimum": -(2**31), "maximum": 2**31 - 1}
DATES = ("createdAt", "updatedAt", "publishedAt")
TEXTUAL = {"string", "text", "richtext", "email", "uid", "enumeration"}
UNSELECTABLE = {"json", "blocks", "password", "media", "component", "dynamiczone", "relation"}
MAX_PROPERTIES, MAX_ITEMS = 2, 3  # bounds that keep generated cases small (same as the harness')
ERRORS = {  # status → (component name, description, fixed error name)
    400: ("BadRequest", "Invalid query, body or pagination (ValidationError, PaginationError, ...)", None),
    401: ("Unauthorized", "Missing or invalid credentials", "UnauthorizedError"),
    403: ("Forbidden", "The role or token lacks the action, or a policy failed", None),
    404: ("NotFound", "No such document", "NotFoundError"),
    413: ("PayloadTooLarge", "The JSON body is over the body parser's limit", "PayloadTooLargeError"),
}  # no 500 anywhere: the documentation gives no request a server error as its answer
# action → (success status, error statuses, query parameters) for collection and single types
COLLECTION = {
    "find": (200, (400, 401, 403), ("filters", "_q", "pagination", "sort", "fields", "populate")),
    "findOne": (200, (400, 401, 403, 404), ("filters", "sort", "fields", "populate")),
    "create": (201, (400, 401, 403, 413), ("fields", "populate")),
    "update": (200, (400, 401, 403, 404, 413), ("fields", "populate")),
    "delete": (204, (400, 401, 403), ("filters", "fields", "populate")),
}
SINGLE = {
    "find": (200, (400, 401, 403, 404), ("fields", "populate")),
    "update": (200, (400, 401, 403, 413), ("fields", "populate")),
    "delete": (204, (400, 401, 403), ("fields", "populate")),
}


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return {}
    if "enum" in schema:
        return {**schema, "type": [schema["type"], "null"], "enum": [*schema["enum"], None]}
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def value_schema(attr: dict[str, Any]) -> dict[str, Any]:
    """A stored attribute value, as this implementation answers it."""
    kind = attr["type"]
    many = str(attr.get("relation", "")).endswith("ToMany")
    table: dict[str, dict[str, Any]] = {
        "email": {"type": "string", "format": "email"},
        "uid": {"type": "string", "pattern": "^[A-Za-z0-9-_.~]*$"},
        "integer": {"type": "integer"},  # SQLite keeps integers past 32 bits; requests stay within them
        "biginteger": {"type": "string", "pattern": "^-?[0-9]+$"},
        "float": {"type": "number"},
        "decimal": {"type": "number"},
        "boolean": {"type": "boolean"},
        "date": {"type": "string", "format": "date"},
        "time": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?$"},
        "datetime": {"type": "string", "format": "date-time"},
        "timestamp": {"type": "string", "format": "date-time"},
        "json": {},
        "blocks": {"type": "array", "items": {"type": "object"}},
        "dynamiczone": {"type": "array", "items": {"type": "object", "required": ["__component"],
                                                   "properties": {"__component": {"type": "string"}}}},
        "relation": {"type": "array", "items": {"type": "object"}} if many else {"type": "object"},
    }
    if kind in ("string", "text", "richtext", "password"):
        return {"type": "string", **({"maxLength": attr["maxLength"]} if "maxLength" in attr else {})}
    if kind == "enumeration":
        return {"type": "string", "enum": list(attr["enum"])}
    if kind == "media":
        media = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
        return {"type": "array", "items": media} if attr.get("multiple") else media
    if kind == "component":
        return {"type": "array", "items": {"type": "object"}} if attr.get("repeatable") else {"type": "object"}
    return table.get(kind, {})


def input_schema(attr: dict[str, Any]) -> dict[str, Any]:
    """What a request body may give for an attribute (relations by documentId)."""
    kind = attr["type"]
    if kind == "relation":
        document_id = {"type": "string", "minLength": 1}
        if str(attr.get("relation", "")).endswith("ToMany"):
            return {"type": "array", "items": document_id}
        return _or_null(document_id)
    if kind == "media":
        return _or_null({"type": "array", "items": {"type": "integer"}} if attr.get("multiple") else {"type": "integer"})
    if kind == "biginteger":
        return _or_null({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^-?[0-9]+$"}]})
    return _or_null(_within_int32(value_schema(attr)))


def _within_int32(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, **INT32} if schema.get("type") == "integer" else schema


class DocumentBuilder:
    """Components and operations for the loaded content types."""

    def __init__(self, strapi: Strapi) -> None:
        self.strapi = strapi
        self.types: dict[str, ContentType] = strapi.content_types

    def selectable(self, ct: ContentType) -> list[str]:
        own = [n for n, a in ct.attributes.items() if a["type"] not in UNSELECTABLE and not ct.is_private(n)]
        return own + list(DATES)

    def relations(self, ct: ContentType) -> dict[str, dict[str, Any]]:
        return {n: a for n, a in ct.relation_attributes().items() if not ct.is_private(n)}

    def entry(self, ct: ContentType, depth: int = 1) -> dict[str, Any]:
        props: dict[str, Any] = {"id": {"type": "integer"}, "documentId": {"type": "string"}}
        for name, attr in ct.attributes.items():
            if ct.is_private(name):
                continue
            if attr["type"] != "relation":
                props[name] = _or_null(value_schema(attr))
            elif depth > 0:
                inner = self.entry(self.types[attr["target"]], depth - 1)
                many = str(attr.get("relation", "")).endswith("ToMany")
                props[name] = {"type": "array", "items": inner} if many else _or_null(inner)
        props.update({name: _or_null({"type": "string", "format": "date-time"}) for name in DATES})
        return {"type": "object", "required": ["id", "documentId"], "properties": props, "additionalProperties": False}

    @staticmethod
    def _object(props: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1,
                "maxProperties": MAX_PROPERTIES}

    def operators(self, value: dict[str, Any], textual: bool) -> dict[str, Any]:
        props: dict[str, Any] = {op: value for op in ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte")}
        listed = {"type": "array", "items": value, "minItems": 1, "maxItems": MAX_ITEMS}
        props.update({"$in": listed, "$notIn": listed,
                      "$between": {"type": "array", "items": value, "minItems": 2, "maxItems": 2},
                      "$null": {"type": "boolean"}, "$notNull": {"type": "boolean"}})
        if textual:
            for op in ("$eqi", "$nei", "$contains", "$notContains", "$containsi", "$notContainsi",
                       "$startsWith", "$startsWithi", "$endsWith", "$endsWithi"):
                props[op] = {"type": "string"}
        return self._object(props)

    def field_filters(self, ct: ContentType) -> dict[str, Any]:
        out = {"id": self.operators({"type": "integer", **INT32}, False),
               "documentId": self.operators({"type": "string"}, True)}
        for name in self.selectable(ct):
            attr = ct.attributes.get(name, {"type": "datetime"})
            out[name] = self.operators(_within_int32(value_schema(attr)), attr["type"] in TEXTUAL)
        return out

    def filters(self, ct: ContentType) -> dict[str, Any]:
        own = self.field_filters(ct)
        props = dict(own)
        for name, attr in self.relations(ct).items():
            props[name] = self._object(self.field_filters(self.types[attr["target"]]))
        # qs reads filters[$and][0][...] as a list; a deepObject cannot hold an array of objects.
        group = {"type": "object", "properties": {str(i): self._object(own) for i in range(MAX_ITEMS)},
                 "required": ["0"], "additionalProperties": False}
        props.update({"$and": group, "$or": group, "$not": self._object(own)})
        return self._object(props)

    def populate(self, ct: ContentType) -> dict[str, Any]:
        names = sorted(self.relations(ct))
        if not names:
            return {"type": "string", "enum": ["*"]}
        nested = {}
        for name in names:
            target = self.types[ct.attributes[name]["target"]]
            fields = {"type": "array", "items": {"type": "string", "enum": self.selectable(target)},
                      "minItems": 1, "maxItems": MAX_ITEMS}
            nested[name] = {"type": "object", "properties": {"fields": fields}, "additionalProperties": False,
                            "minProperties": 1}  # populate[tags]= is Strapi's 400 "Invalid key"
        return {"anyOf": [
            {"type": "string", "enum": ["*", *names]},
            {"type": "array", "items": {"type": "string", "enum": names}, "minItems": 1, "maxItems": MAX_ITEMS},
            {"type": "object", "properties": nested, "additionalProperties": False, "minProperties": 1},
        ]}

    def schemas(self) -> dict[str, Any]:
        rest = self.strapi.rest
        count = {"type": "integer", "minimum": 0}
        out: dict[str, Any] = {"PaginationMeta": {"anyOf": [
            {"type": "object", "required": ["page", "pageSize"], "additionalProperties": False,
             "properties": {"page": {"type": "integer"}, "pageSize": {"type": "integer"},
                            "pageCount": count, "total": count}},
            {"type": "object", "required": ["start", "limit"], "additionalProperties": False,
             "properties": {"start": {"type": "integer"}, "limit": {"type": "integer"}, "total": count}},
        ]}}
        for ct in sorted(self.types.values(), key=lambda c: c.uid):
            name = _pascal(ct.singular_name)
            keys = ["id", "documentId", *self.selectable(ct)]
            out[f"{name}Document"] = self.entry(ct)
            out[f"{name}Input"] = {"type": "object", "additionalProperties": False,
                                   "properties": {n: input_schema(a) for n, a in ct.attributes.items()}}
            # Strapi reads ``data`` and ignores other top-level keys of the body.
            out[f"{name}Request"] = {"type": "object", "required": ["data"],
                                     "properties": {"data": _ref("schemas", f"{name}Input")}}
            out[f"{name}EntryResponse"] = {"type": "object", "required": ["data", "meta"], "additionalProperties": False,
                                           "properties": {"data": _ref("schemas", f"{name}Document"),
                                                          "meta": {"type": "object"}}}
            out[f"{name}Filters"] = self.filters(ct)
            out[f"{name}Sort"] = {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": {
                "type": "string", "enum": [v for k in keys for v in (k, f"{k}:asc", f"{k}:desc")]}}
            out[f"{name}Fields"] = {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": {
                "type": "string", "enum": keys[1:]}}
            out[f"{name}Populate"] = self.populate(ct)
            if not ct.is_single:
                upper = {"maximum": INT32["maximum"]}
                paged = {"page": {"type": "integer", "minimum": 1, **upper},
                         "pageSize": {"type": "integer", "minimum": 1, **upper}, "withCount": {"type": "boolean"}}
                offset = {"start": {"type": "integer", "minimum": 0, **upper},
                          "limit": {"type": "integer", "minimum": -1, **upper}, "withCount": {"type": "boolean"}}
                out[f"{name}Pagination"] = {
                    "anyOf": [{"type": "object", "properties": props, "additionalProperties": False,
                               "minProperties": 1} for props in (paged, offset)],
                    "description": f"defaultLimit {rest.default_limit}, maxLimit {rest.max_limit}; "
                                   "page/pageSize and start/limit cannot be mixed (400 PaginationError)"}
                out[f"{name}ListResponse"] = {
                    "type": "object", "required": ["data", "meta"], "additionalProperties": False,
                    "properties": {"data": {"type": "array", "items": _ref("schemas", f"{name}Document")},
                                   "meta": {"type": "object", "required": ["pagination"],
                                            "properties": {"pagination": _ref("schemas", "PaginationMeta")}}}}
        return out

    def parameter(self, ct: ContentType, name: str) -> dict[str, Any]:
        component = _pascal(ct.singular_name)
        deep = name in ("filters", "pagination", "populate")
        schema = {"type": "string"} if name == "_q" else _ref("schemas", component + name[:1].upper() + name[1:])
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "style": "deepObject" if deep else "form", "explode": True}

    def operation(self, ct: ContentType, action: str, path_id: bool) -> dict[str, Any]:
        ok, errors, params = (SINGLE if ct.is_single else COLLECTION)[action]
        component = _pascal(ct.singular_name)
        parameters = [{"name": "id", "in": "path", "required": True, "description": "documentId",
                       "schema": {"type": "string", "minLength": 1}}] if path_id else []
        parameters += [self.parameter(ct, p) for p in params]
        if ct.draft_and_publish:
            # DELETE ?status=draft is Strapi's "Cannot delete a draft document" (500): not offered.
            statuses = ["published"] if action == "delete" else ["draft", "published"]
            parameters.append({"name": "status", "in": "query", "required": False, "style": "form", "explode": True,
                               "schema": {"type": "string", "enum": statuses}})
        responses: dict[str, Any] = {}
        if ok == 204:
            responses["204"] = {"description": "Deleted (no body)"}
        else:
            kind = "List" if action == "find" and not ct.is_single else "Entry"
            responses[str(ok)] = {"description": "OK", "content": {"application/json": {
                "schema": _ref("schemas", f"{component}{kind}Response")}}}
            links = self.links(ct, action)
            if links:
                responses[str(ok)]["links"] = links
        for status in errors:
            responses[str(status)] = _ref("responses", ERRORS[status][0])
        public = f"{ct.uid}.{action}" in self.strapi.auth.users_permissions.roles.get("public", set())
        op: dict[str, Any] = {"operationId": f"{ct.singular_name}.{action}", "tags": [ct.uid],
                              "parameters": parameters, "responses": responses,
                              "security": [{"bearerAuth": []}, {}] if public else [{"bearerAuth": []}]}
        if action in ("create", "update"):
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": _ref("schemas", f"{component}Request")}}}
        return op

    @staticmethod
    def links(ct: ContentType, action: str) -> dict[str, Any]:
        """create → findOne/update/delete, findOne → update/delete, update → findOne/delete."""
        s = ct.singular_name
        if ct.is_single:
            return {f"{s}.{a}": {"operationId": f"{s}.{a}"} for a in ("find", "delete")} if action == "update" else {}
        follow = {"find": ("findOne",), "create": ("findOne", "update", "delete"), "findOne": ("update", "delete"),
                  "update": ("findOne", "delete")}.get(action, ())
        pointer = "$response.body#/data/0/documentId" if action == "find" else "$response.body#/data/documentId"
        return {f"{s}.{a}": {"operationId": f"{s}.{a}", "parameters": {"id": pointer}} for a in follow}

    def paths(self) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for route in self.strapi.content_routes:
            uid, _, action = str(route.handler).rpartition(".") if isinstance(route.handler, str) else ("", "", "")
            ct = self.types.get(uid)
            if ct is None or action not in (SINGLE if ct.is_single else COLLECTION):
                continue  # custom routes and actions: not the generated content API
            path = route.path.replace(":id", "{id}")
            paths.setdefault(path, {})[route.method.lower()] = self.operation(ct, action, ":id" in route.path)
        return dict(sorted(paths.items()))


def build_openapi(strapi: Strapi) -> dict[str, Any]:
    builder = DocumentBuilder(strapi)
    responses: dict[str, Any] = {}
    for status, (name, description, fixed) in ERRORS.items():
        if fixed is not None:
            error_name: dict[str, Any] = {"type": "string", "const": fixed}
        elif status == 403:
            error_name = {"type": "string", "enum": ["ForbiddenError", "PolicyError"]}
        else:
            error_name = {"type": "string", "pattern": "Error$"}
        error = {"type": "object", "required": ["status", "name", "message"],
                 "properties": {"status": {"type": "integer", "const": status}, "name": error_name,
                                "message": {"type": "string"}, "details": {"type": "object"}}}
        responses[name] = {"description": description, "content": {"application/json": {"schema": {
            "type": "object", "required": ["data", "error"], "additionalProperties": False,
            "properties": {"data": {"type": "null"}, "error": error}}}}}
    responses["MethodNotAllowed"] = {"description": "Method Not Allowed (plain text, with an Allow header)",
                                     "headers": {"Allow": {"schema": {"type": "string"}}},
                                     "content": {"text/plain": {"schema": {"type": "string"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Strapi 5 content API", "version": "5",
                 "description": "Served by the reference implementation, from the content types it loaded."},
        "paths": builder.paths(),
        "components": {
            "schemas": builder.schemas(),
            "responses": responses,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token or a users-permissions JWT"}},
        },
    }

