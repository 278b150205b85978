"""REST API parameters and shapes: query/body validation, REST → Document Service params, pagination,
output sanitizing and the ``{data, meta}`` envelope.

What Strapi does in ``@strapi/utils`` (validate, convert-query-params, pagination) and in the core
controller's ``transformResponse``, for the attribute types this implementation supports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import PaginationError, ValidationError
from .schema import ContentType
from .validation import IGNORED_BODY_KEYS, check_body_keys, js_number, js_string, to_number
from .where import OPERATORS, loose_boolean

STRICT_QUERY_KEYS = frozenset(
    {
        "filters",
        "sort",
        "fields",
        "populate",
        "status",
        "locale",
        "page",
        "pageSize",
        "start",
        "limit",
        "_q",
        "hasPublishedVersion",
        "pagination",
        "count",
        "ordering",
    }
)
# What JavaScript's String.prototype.trim removes (lodash's trim too): not the control characters
# \x1c-\x1f nor \x85, which Python's str.strip() also removes.
JS_SPACE = "\t\n\v\f\r \xa0\ufeff\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
TRUE_VALUES = ("t", "1", "true", True)
# Attribute types stored in a varchar(255) column (see schema.column_type).
SHORT_TEXT = ("string", "email", "uid", "enumeration", "password")
MAX_STRING_LENGTH = 255
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_SAFE_INTEGER = 2**53 - 1
FALSE_VALUES = ("f", "0", "false", False)


# What Strapi's schema of a content type holds besides its own attributes (see _filter_attribute).
_TIMESTAMPS = ("createdAt", "updatedAt", "publishedAt")
_TIMESTAMP_ATTRIBUTE: dict[str, Any] = {"type": "datetime"}
_ADMIN_USER = "admin::user"
_ADMIN_USER_FIELDS = ("createdBy", "updatedBy")
_ADMIN_USER_ATTRIBUTE: dict[str, Any] = {"type": "relation", "relation": "oneToOne", "target": _ADMIN_USER,
                                         "private": True}
# Strapi's operators (``isOperator``, case-sensitive): the filters' operators and $jsonSupersetOf.
_QUERY_OPERATORS = frozenset({*OPERATORS, "$jsonSupersetOf"})
_MAX_INDEX = 2**32 - 2


def is_operator(key: str) -> bool:
    return key in _QUERY_OPERATORS


def _is_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and int(key) <= _MAX_INDEX


def js_keys(obj: dict[str, Any]) -> list[str]:
    """A JavaScript object's key order: array-index keys first, ascending, then the others as inserted."""
    keys = list(obj)
    indices = [k for k in keys if isinstance(k, str) and _is_index(k)]
    if not indices:
        return keys
    return sorted(indices, key=int) + [k for k in keys if k not in set(indices)]


def _js_empty(value: Any) -> bool:
    """lodash's ``isEmpty``: no value, an empty text, list or object, and any number or boolean."""
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    return True


def _recompose_sort(parts: list[str]) -> str | None:
    """The rest of a ``a.b:asc`` sort after its first name, as Strapi's sort traversal rebuilds it."""
    if not parts:
        return None
    out = ""
    for part in parts:
        if not part:
            continue
        out = part if out == "" else f"{out}:{part}" if part.lower() in ("asc", "desc") else f"{out}.{part}"
    return out


def _has_sort(sort: Any) -> bool:
    """Strapi's ``hasSort``: whether a sort holds a field to order on (``sort[]`` is ``[null]``)."""
    if sort is None:
        return False
    if isinstance(sort, str):
        return any(seg.strip(JS_SPACE) and seg.strip(JS_SPACE).split(":")[0].strip(JS_SPACE) for seg in sort.split(","))
    if isinstance(sort, list):
        return any(_has_sort(item) for item in sort if isinstance(item, (str, dict)))
    if isinstance(sort, dict):
        return any(isinstance(v, str) and len(v) > 0 or isinstance(v, dict) and _has_sort(v) for v in sort.values())
    return False


_BOOLEAN_WORDS = ("true", "t", "1", "false", "f", "0")


def _boolean_like(value: Any) -> bool:
    """Strapi's ``isBooleanLike``: a boolean, or one of the boolean words (or 1, 0)."""
    return isinstance(value, bool) or isinstance(value, (str, int)) and str(value) in _BOOLEAN_WORDS


def _is_dot_populate(populate: Any) -> bool:
    """A populate given as dot paths: a string other than ``*``, or a list of strings."""
    if isinstance(populate, str):
        return populate != "*"
    return isinstance(populate, list) and bool(populate) and all(isinstance(p, str) for p in populate)


def _paths_to_object(populate: str | list[str]) -> dict[str, Any]:
    """``["author.articles", "tags"]`` → ``{"author": {"populate": {"articles": True}}, "tags": True}``."""
    out: dict[str, Any] = {}
    for path in populate if isinstance(populate, list) else [populate]:
        node = out
        keys = path.split(".")
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {"populate": {}}
            node = node[key]["populate"]
        node[keys[-1]] = True
    return out


# Attribute types ``populate`` accepts.
POPULATABLE = ("relation", "media", "component", "dynamiczone")


def _populatable_names(ct: ContentType) -> list[str]:
    return [name for name, attr in ct.attributes.items() if attr.get("type") in POPULATABLE]


def _invalid(key: str, path: str | None, source: str, param: str | None = None) -> ValidationError:
    """Strapi's ``throwInvalidKey``: the message names the path when it is not the key itself."""
    details: dict[str, Any] = {"key": key, "path": path, "source": source}
    if param is not None:
        details["param"] = param
    where = f" at {path}" if path and path != key else ""
    return ValidationError(f"Invalid key {key}{where}", details)


def _has_nul(value: Any) -> bool:
    """Whether a NUL character is in ``value``'s texts (keys included), walked without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _lodash_number(value: Any) -> float | int:
    """lodash's ``toNumber`` of a query value: a blank text is 0 (where yup's cast says NaN)."""
    if isinstance(value, str) and not value.strip(JS_SPACE):
        return 0
    return to_number(value)


def _parent(path: list[str]) -> str | None:
    return ".".join(path) if path else None


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, str):
        return [v.strip(JS_SPACE) for v in value.split(",") if v.strip(JS_SPACE)]
    return [value]


class RestParams:
    """Validation and conversion of one request's query for a content type."""

    def __init__(self, types: dict[str, ContentType], rest_config: dict[str, Any]) -> None:
        self.types = types
        self.default_limit = int(rest_config.get("defaultLimit", 25))
        max_limit = rest_config.get("maxLimit")
        self.max_limit = int(max_limit) if max_limit is not None else None
        self.with_count = bool(rest_config.get("withCount", True))
        self.strict = bool(rest_config.get("strictParams", False))
        self.components: Mapping[str, ContentType] = {}  # uid → component schema (reference_impl.components)

    def _target(self, ct: ContentType, name: str) -> ContentType:
        """What a populatable attribute leads to: a relation's target, or a component's schema."""
        attr = ct.attributes[name]
        if attr.get("type") == "component":
            return self.components[attr["component"]]
        return self.types[attr["target"]]

    # -- validation ---------------------------------------------------------------------------------
    def validate_query(self, ct: ContentType, query: dict[str, Any]) -> None:
        if self.strict:
            for key in js_keys(query):
                if key not in STRICT_QUERY_KEYS:
                    raise ValidationError(f"Invalid key {key}", {"key": key, "path": None, "source": "query", "param": key})
        if "filters" in query:
            self._validate_filters(ct, query["filters"], [])
        if "sort" in query:
            self._validate_sort(ct, query["sort"])
        if query.get("fields"):
            self._validate_fields(ct, query["fields"])
        populate = query.get("populate")
        if populate and populate != "*":
            self._validate_populate(ct, populate, [])
            self._check_fragments(ct, populate)

    # Strapi's filter validators, in the order its validateFilters pipes them: each walks the whole
    # filters tree, so an unknown key anywhere is named before a dynamic zone, a password or a
    # private attribute elsewhere.
    _FILTER_CHECKS: tuple[str, ...] = ("unknown", "dynamiczone", "password", "private")

    def _validate_filters(self, ct: ContentType, filters: Any, path: list[str]) -> None:
        visits = list(self._filter_visits(ct, filters, _parent(path)))
        for check in self._FILTER_CHECKS:
            for key, attr, at in visits:
                if check == "unknown":
                    bad = attr is None and key not in ("id", "documentId") and not is_operator(key)
                elif check == "private":
                    bad = attr is not None and bool(attr.get("private"))
                else:
                    bad = attr is not None and attr.get("type") == check
                if bad:
                    raise _invalid(key, at, "query", "filters")

    def _filter_attribute(self, ct: ContentType, key: str) -> dict[str, Any] | None:
        """The attribute ``key`` names in Strapi's schema of ``ct``: its own attributes, the system
        timestamps, and the admin users who created and last updated it (private); ``id`` and
        ``documentId`` are no attributes there."""
        attr = ct.attributes.get(key)
        if attr is not None or ct.uid not in self.types:
            return attr
        if key in _TIMESTAMPS:
            return _TIMESTAMP_ATTRIBUTE
        return _ADMIN_USER_ATTRIBUTE if key in _ADMIN_USER_FIELDS else None

    def _filter_visits(self, ct: ContentType, filters: Any, at: str | None) -> Iterator[tuple[str, Any, str | None]]:
        """(key, attribute, attribute path) for every key of ``filters``, in the order Strapi's
        query-filters traversal visits them: JavaScript's key order (integer keys first), the path
        naming attributes only (not operators, ids or list positions)."""
        if isinstance(filters, list):
            for item in filters:
                yield from self._filter_visits(ct, item, at)
            return
        if not isinstance(filters, dict):
            return
        for key in js_keys(filters):
            value = filters[key]
            attr = self._filter_attribute(ct, key)
            here = at if attr is None else (key if at is None else f"{at}.{key}")
            yield key, attr, here
            if value is None:
                continue
            kind = attr.get("type") if attr is not None else None
            if attr is None:
                # An operator's operand is walked only when it looks like filters (an operator or an
                # attribute among its keys); $not always holds filters.
                if is_operator(key) and key != "$not" and isinstance(value, dict) and not any(
                        is_operator(k) or self._filter_attribute(ct, k) is not None for k in value):
                    continue
                yield from self._filter_visits(ct, value, here)
            elif kind in ("relation", "media", "component"):
                if attr.get("target") == _ADMIN_USER or kind == "relation" and str(attr.get("relation", "")).startswith("morph"):
                    continue
                yield from self._filter_visits(self._target(ct, key), value, here)
            elif kind != "dynamiczone" and isinstance(value, dict):
                yield from self._filter_visits(ct, value, here)

    _SORT_CHECKS: tuple[str, ...] = ("unknown", "dynamiczone", "password", "private", "empty")

    def _validate_sort(self, ct: ContentType, sort: Any) -> None:
        """Strapi's sort validators, one pass each over the query-sort traversal: unknown keys,
        dynamic zones, passwords, private attributes, then a relation or component given no field.
        The direction is not looked at here: converting the query refuses a bad one, later."""
        visits = list(self._sort_visits(ct, sort, None))
        for check in self._SORT_CHECKS:
            for key, attr, at, value, schema in visits:
                if check == "unknown":
                    bad = attr is None and key not in ("id", "documentId") and not (
                        key == "status" and schema.draft_and_publish)
                elif check == "private":
                    bad = attr is not None and bool(attr.get("private"))
                elif check == "empty":
                    bad = key not in ("id", "documentId") and (attr is None or attr.get("type") in POPULATABLE) \
                        and _js_empty(value)
                else:
                    bad = attr is not None and attr.get("type") == check
                if bad:
                    raise _invalid(key, at, "query", "sort")

    def _sort_visits(self, ct: ContentType, sort: Any, at: str | None) -> Iterator[tuple[str, Any, str | None, Any, ContentType]]:
        """(key, attribute, path, value, schema) in the order Strapi's query-sort traversal visits them."""
        if isinstance(sort, list) and not _has_sort(sort):
            return
        if isinstance(sort, str) and len(sort.split(",")) > 1:
            for part in sort.split(","):
                yield from self._sort_visits(ct, part.strip(JS_SPACE), at)
            return
        if isinstance(sort, list) and (all(isinstance(v, str) for v in sort) or all(isinstance(v, (dict, list)) for v in sort)):
            for part in sort:
                yield from self._sort_visits(ct, part, at)
            return
        if isinstance(sort, str):
            tokens = [t for piece in sort.strip(JS_SPACE).split(".") for t in piece.split(":")]
            if not tokens or not tokens[0]:
                return
            items: list[tuple[str, Any]] = [(tokens[0], _recompose_sort(tokens[1:]))]
        elif isinstance(sort, dict):
            items = [(k, sort[k]) for k in js_keys(sort)]
        elif isinstance(sort, list):
            items = [(str(i), v) for i, v in enumerate(sort)]
        else:
            return
        for key, value in items:
            attr = self._filter_attribute(ct, key)
            here = at if attr is None else (key if at is None else f"{at}.{key}")
            yield key, attr, here, value, ct
            kind = attr.get("type") if attr is not None else None
            if kind in ("relation", "media", "component") and attr is not None and attr.get("target") != _ADMIN_USER \
                    and not str(attr.get("relation", "")).lower().startswith("morph"):
                yield from self._sort_visits(self._target(ct, key), value, here)

    def _validate_fields(self, ct: ContentType, fields: Any, param: str = "fields") -> None:
        """Strapi's fields validators, one pass each over every name: scalar attributes only, then
        no private, then no password attribute; the path is the name when it is an attribute."""
        if isinstance(fields, str):
            names = [f.strip(JS_SPACE) for f in fields.split(",")] if "," in fields else [fields.strip(JS_SPACE)]
        elif isinstance(fields, list) and all(isinstance(f, str) for f in fields):
            names = [n.strip(JS_SPACE) for f in fields for n in (f.split(",") if "," in f else [f])]
        else:
            return  # not names: converting the query refuses it
        names = [n for n in names if n != "*"]
        for check in ("scalar", "private", "password"):
            for name in names:
                attr = self._filter_attribute(ct, name)
                if check == "scalar":
                    bad = name not in ("id", "documentId") and (attr is None or attr.get("type") in POPULATABLE)
                elif check == "private":
                    bad = attr is not None and bool(attr.get("private"))
                else:
                    bad = attr is not None and attr.get("type") == "password"
                if bad:
                    raise _invalid(name, name if attr is not None else None, "query", param)

    def _validate_populate(self, ct: ContentType, populate: Any, path: list[str]) -> None:
        """Strapi's validatePopulate: dot paths (``author.articles``) segment by segment, or the object
        form walked as its query-populate traversal walks it; then no private attribute. Whatever
        fails inside (nested filters, sort and fields too) is reported as the populate parameter's."""
        try:
            self._populate_check(ct, populate, _parent(path), _parent(path))
        except ValidationError as exc:
            if isinstance(exc.details, dict):
                exc.details["source"], exc.details["param"] = "query", "populate"
            raise

    def _populate_check(self, ct: ContentType, populate: Any, raw: str | None, at: str | None) -> None:
        if _is_dot_populate(populate):
            for dotted in (populate if isinstance(populate, list) else [populate]):
                for item in (s.strip(JS_SPACE) for s in dotted.split(",")):
                    if item:
                        self._populate_dot_path(ct, [p.strip(JS_SPACE) for p in item.split(".") if p.strip(JS_SPACE)], "")
            self._populate_walk(ct, _paths_to_object(populate), raw, at, None, self._populate_private)
            return
        self._populate_walk(ct, populate, raw, at, None, self._populate_visit)
        self._populate_walk(ct, populate, raw, at, None, self._populate_private)

    def _populate_dot_path(self, ct: ContentType, segments: list[str], prefix: str) -> None:
        if not segments:
            return
        head, tail = segments[0], segments[1:]
        full = f"{prefix}.{head}" if prefix else head
        attr = self._filter_attribute(ct, head)
        if attr is None or attr.get("type") not in POPULATABLE or (tail and attr.get("type") == "media") \
                or attr.get("target") == _ADMIN_USER and tail:
            raise _invalid(head, full, "query", "populate")
        if not tail:
            return
        if attr.get("type") == "dynamiczone":
            nxt = tail[0]
            if not any(nxt in self.components[uid].attributes for uid in attr.get("components", []) if uid in self.components):
                raise _invalid(nxt, f"{full}.{nxt}", "query", "populate")
            return
        self._populate_dot_path(self._target(ct, head), tail, full)

    def _populate_walk(self, ct: ContentType | None, value: Any, raw: str | None, at: str | None,
                       parent: dict[str, Any] | None, visit: Any) -> None:
        """Strapi's query-populate traversal: a string or a list of strings is read as dot paths, keys
        in JavaScript's order, ``sort``/``filters``/``fields`` left to the visitor, relations, media
        and components walked into their target's schema, a dynamic zone only through ``on``."""
        if isinstance(value, str) and value != "*" or isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = _paths_to_object(value)
        if value == "*":
            items: list[tuple[str, Any]] = [("", "*")]
        elif isinstance(value, dict):
            items = [(k, value[k]) for k in js_keys(value)]
        elif isinstance(value, list):
            items = [(str(i), v) for i, v in enumerate(value)]
        else:
            return
        for key, sub in items:
            attr = self._filter_attribute(ct, key) if ct is not None else None
            key_raw = key if raw is None else f"{raw}.{key}"
            key_at = at if attr is None else (key if at is None else f"{at}.{key}")
            visit(ct, key, sub, attr, key_raw, key_at, parent)
            if key in ("sort", "filters", "fields") and (attr is None or parent is not None) or sub is None:
                continue
            kind = attr.get("type") if attr is not None else None
            if attr is None and key == "populate":
                self._populate_walk(ct, sub, key_raw, key_at, None, visit)
            elif attr is None and key == "on" and isinstance(sub, dict):
                for uid in sub:
                    self._populate_walk(self.components.get(uid) or self.types.get(uid), sub[uid],
                                        f"{key_raw}[{uid}]", key_at, parent, visit)
            elif kind in ("relation", "media", "component") and ct is not None and attr is not None \
                    and attr.get("target") != _ADMIN_USER:
                self._populate_walk(self._target(ct, key), sub, key_raw, key_at, attr, visit)
            elif kind == "dynamiczone" and isinstance(sub, dict):
                if sub.get("populate") not in (None, "*"):
                    # Inside a dynamic zone, populate is "*" or nothing: components are chosen with "on".
                    raise _invalid("populate", key_at, "query", "populate")
                if sub.get("on"):
                    self._populate_walk(ct, {"on": sub["on"]}, key_raw, key_at, attr, visit)

    def _populate_visit(self, ct: ContentType | None, key: str, value: Any, attr: dict[str, Any] | None,
                        raw: str, at: str | None, parent: dict[str, Any] | None) -> None:
        """Strapi's main populate visitor (validators.validatePopulate)."""
        if parent is None and attr is not None:
            if attr.get("type") not in POPULATABLE:
                raise _invalid(key, raw, "query", "populate")
            return
        if key == "on":
            if not isinstance(value, (dict, list)):
                raise _invalid(key, raw, "query", "populate")
            for uid in (js_keys(value) if isinstance(value, dict) else [str(i) for i in range(len(value))]):
                if uid not in self.components and uid not in self.types:
                    raise _invalid(uid, f"{raw}.{uid}", "query", "populate")
            return
        if key == "" and value == "*" or _boolean_like(key):
            return
        if key == "count":
            if _boolean_like(value):
                return
            raise _invalid(key, at, "query", "populate")
        assert ct is not None
        if key == "sort":
            self._validate_sort(ct, value)
        elif key == "filters":
            self._validate_filters(ct, value, [])
        elif key == "fields":
            self._validate_fields(ct, value)
        elif key == "populate":
            self._populate_check(ct, value, raw, at)
        else:
            raise _invalid(key, at, "query", "populate")

    @staticmethod
    def _populate_private(ct: ContentType | None, key: str, value: Any, attr: dict[str, Any] | None,
                          raw: str, at: str | None, parent: dict[str, Any] | None) -> None:
        if attr is not None and attr.get("private"):
            raise _invalid(key, at, "query", "populate")

    def _check_fragments(self, ct: ContentType, populate: Any) -> None:
        """A dynamic zone is populated whole, or per component with ``on``: anything else is refused
        when Strapi converts the query (after validation)."""
        if not isinstance(populate, dict):
            return
        for name, sub in populate.items():
            attr = ct.attributes.get(name)
            if attr is None or attr.get("type") not in POPULATABLE:
                continue
            if attr.get("type") == "dynamiczone":
                self._validate_fragments(ct, name, sub)
            elif isinstance(sub, dict) and attr.get("type") in ("relation", "media", "component"):
                self._check_fragments(self._target(ct, name), sub.get("populate"))

    def _validate_fragments(self, ct: ContentType, name: str, sub: Any) -> None:
        """A dynamic zone is populated whole (a true word, or ``populate=*``), per component with
        ``on``, or not at all (a false word); ``count`` is allowed there and counts nothing."""
        if isinstance(sub, dict) and all(k in ("on", "populate", "count") for k in sub):
            # A fragment for a component the zone does not hold selects nothing (Strapi answers 200).
            for uid, fragment in (sub.get("on") or {}).items() if isinstance(sub.get("on"), dict) else []:
                if uid in self.components and isinstance(fragment, dict):
                    self._check_fragments(self.components[uid], fragment.get("populate"))
            return
        if sub in TRUE_VALUES or sub in FALSE_VALUES:
            return
        found = json.dumps(sub) if isinstance(sub, (dict, list)) else f'"{sub}"'
        raise ValidationError(f"Invalid nested populate for {ct.singular_name}.{name} ({ct.uid}). "
                              f'Expected a fragment ("on") or "count" but found {found}')

    def validate_input(self, ct: ContentType, data: Any) -> None:
        if not isinstance(data, dict):
            return  # an array: the entity validator refuses it (reference_impl/validation.py)
        check_body_keys(ct, data, self.types, self.components)
        for key, value in data.items():
            if key not in ct.attributes or key in IGNORED_BODY_KEYS:
                continue
            if _has_nul(value):
                # PostgreSQL can store no NUL in text nor JSON: refused on every database.
                raise ValidationError("Invalid value: text cannot contain NUL (\\u0000) characters",
                                      {"key": key, "path": key, "source": "body"})
            if isinstance(value, str) and len(value) > MAX_STRING_LENGTH and ct.attributes[key].get("type") in SHORT_TEXT:
                # The column is a varchar(255), as in Strapi: PostgreSQL refuses longer values, SQLite
                # would keep them; every database answers the same 400.
                raise ValidationError(f"{key} must be at most {MAX_STRING_LENGTH} characters",
                                      {"key": key, "path": key, "source": "body"})
            if ct.attributes[key].get("type") == "integer" and isinstance(value, (int, str)) and not isinstance(value, bool):
                try:
                    number = int(value)
                except ValueError:
                    continue  # not a number: the cast says so
                if not INT64_MIN <= number <= INT64_MAX:
                    # Strapi on SQLite stores integers past 32 bits (a 64-bit column): so does the
                    # reference, on every database (schema.column_type); past 64 bits no column holds it.
                    raise ValidationError(f"{key} must be an integer between {INT64_MIN} and {INT64_MAX}",
                                          {"key": key, "path": key, "source": "body"})

    # -- conversion -----------------------------------------------------------------------------------
    @staticmethod
    def sort_items(sort: Any) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        if isinstance(sort, dict):
            for field, direction in sort.items():
                if isinstance(direction, dict):  # a relation's field: {"author": {"name": "asc"}}
                    items.extend((f"{field}.{f}", d) for f, d in RestParams.sort_items(direction))
                elif direction not in ("", None):  # no order given: no sort (Strapi's hasSort)
                    items.append((field, str(direction)))
        else:
            for part in _as_list(sort):
                if isinstance(part, dict):
                    items.extend(RestParams.sort_items(part))
                    continue
                if part is None:
                    continue
                field, _, direction = str(part).partition(":")
                items.append((field.strip(JS_SPACE), direction.strip(JS_SPACE) or "asc"))
        for _field, direction in items:
            if direction.lower() not in ("asc", "desc"):
                raise ValidationError("Invalid order. order can only be one of asc|desc|ASC|DESC")
        return items

    def populate_params(self, ct: ContentType, populate: Any) -> dict[str, Any]:
        """REST ``populate`` → Query Engine populate: attribute → True or nested query params."""
        if populate in ("*", True, "true"):
            return {name: True for name in _populatable_names(ct)}
        if isinstance(populate, (str, list)):
            names = _as_list(populate)
            if "*" in names:
                return {name: True for name in _populatable_names(ct)}
            if any("." in str(name) for name in names):
                return self.populate_params(ct, _paths_to_object([str(name) for name in names]))
            return {name: True for name in self._populatable(ct, names)}
        out: dict[str, Any] = {}
        for name, sub in (populate or {}).items():
            self._populatable(ct, [name])
            if sub in FALSE_VALUES:
                continue  # populate[author]=false: only true populates (Strapi's convertPopulateObject)
            if ct.attributes[name].get("type") == "dynamiczone":
                out[name] = self._fragments(ct, name, sub)
                continue
            target = self._target(ct, name)
            out[name] = self.to_query_params(target, sub) if isinstance(sub, dict) else True
            if isinstance(sub, dict) and sub.get("count") in TRUE_VALUES:
                out[name] = {**out[name], "count": True}  # the relation answers {"count": n}
        return out

    def _fragments(self, ct: ContentType, name: str, sub: Any) -> Any:
        """A dynamic zone's populate: ``{"on": {uid: params}}``, or params for every component."""
        if not isinstance(sub, dict):
            return True
        if isinstance(sub.get("on"), dict):
            return {"on": {uid: self.to_query_params(self.components[uid], f) if isinstance(f, dict) else True
                           for uid, f in sub["on"].items() if uid in self.components}}
        inner = {k: v for k, v in sub.items() if k == "populate"}
        return {"on": {uid: self.to_query_params(self.components[uid], inner)
                       for uid in ct.attributes[name].get("components", []) if uid in self.components}}

    @staticmethod
    def _populatable(ct: ContentType, names: list[Any]) -> list[Any]:
        # Reached without validate_query too (single-type writes pass the raw query, as Strapi's do):
        # a name that is no relation is the client's mistake, not a crash of the query engine.
        for name in names:
            if ct.attributes.get(name, {}).get("type") not in POPULATABLE:
                raise _invalid(str(name), str(name), "query", "populate")
        return names

    def to_query_params(self, ct: ContentType, params: dict[str, Any]) -> dict[str, Any]:
        """Document Service params (REST-shaped) → Query Engine params: where, select, orderBy, populate."""
        out: dict[str, Any] = {}
        if params.get("filters"):
            if not isinstance(params["filters"], (dict, list)):
                raise ValidationError("The filters parameter must be an object or an array")
            where = self.convert_filters(ct, params["filters"])
            if where:
                out["where"] = where
        if params.get("sort"):
            # A field sorted on twice is ordered by its first mention: the repeats change nothing,
            # and databases cap the terms of an ORDER BY (SQLite: 2,000).
            order: dict[str, str] = {}
            for field, direction in self.sort_items(params["sort"]):
                if self._sortable(ct, field):
                    order.setdefault(field, direction.lower())
            if order:
                out["orderBy"] = [{f: d} for f, d in order.items()]
        if params.get("fields"):
            if not (isinstance(params["fields"], str) or isinstance(params["fields"], list)
                    and all(isinstance(f, str) for f in params["fields"])):
                raise ValidationError("Invalid fields parameter. Expected a string or an array of strings")
            fields = list(dict.fromkeys(f for f in _as_list(params["fields"]) if f != "*"))
            if fields:
                out["select"] = fields
        if params.get("populate"):
            out["populate"] = self.populate_params(ct, params["populate"])
        return out

    def _sortable(self, ct: ContentType, path: str) -> bool:
        """A column of ``ct``, or of a relation's target or a component (``author.name``, ``seo.metaTitle``,
        any depth), which the Query Engine orders on by joining it (reference_impl/order_by.py)."""
        *steps, name = path.split(".")
        for step in steps:
            attr = ct.attributes.get(step, {})
            if attr.get("type") == "component" and attr.get("component") in self.components:
                ct = self.components[attr["component"]]
            elif attr.get("type") == "relation" and attr.get("target") in self.types:
                ct = self.types[attr["target"]]
            else:
                return False
        return name in ct.columns

    def convert_filters(self, ct: ContentType, filters: Any) -> Any:
        """REST filters → Query Engine where, as Strapi's ``convertAndSanitizeFilters`` does it: keys
        that are neither operators nor attributes are dropped (validation has refused them where it
        walks; it does not walk an operator's operand unless it looks like filters), dynamic zones
        and passwords too, ``$null``/``$notNull`` operands become booleans, and objects or lists left
        empty are dropped."""
        if isinstance(filters, list):
            items = [self.convert_filters(ct, item) for item in filters]
            return [item for item in items if not (isinstance(item, dict) and not item)]
        if not isinstance(filters, dict):
            return filters
        out: dict[str, Any] = {}
        for key, value in filters.items():
            attr = self._filter_attribute(ct, key)
            if attr is None and not is_operator(key) and key not in ("id", "documentId"):
                continue
            kind = attr.get("type") if attr is not None else None
            if kind in ("dynamiczone", "password"):
                continue
            if kind in ("relation", "media", "component") and attr is not None and attr.get("target") != _ADMIN_USER:
                value = self.convert_filters(self._target(ct, key), value)
            elif attr is not None or isinstance(value, (dict, list)):
                value = self.convert_filters(ct, value) if key not in ("$null", "$notNull") else loose_boolean(value)
            elif key in ("$null", "$notNull"):
                value = loose_boolean(value)
            if isinstance(value, dict) and not value:
                continue
            out[key] = value
        return out

    # -- pagination -------------------------------------------------------------------------------------
    def pagination(self, query: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
        """Returns (start/limit info, is_paged, with_count) from ``pagination[...]``."""
        try:
            return self._pagination(query)
        except ValidationError as exc:
            # Strapi converts the start and limit with the rest of the query, after the sort and after
            # refusing a top-level page next to them: those are named first.
            if exc.message.startswith("convert"):
                if _has_sort(query.get("sort")):
                    self.sort_items(query["sort"])
                if query.get("page") is not None or query.get("pageSize") is not None:
                    self.document_window({"page": query.get("page"), "pageSize": query.get("pageSize"), "start": 0})
            raise

    def _pagination(self, query: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
        raw = query.get("pagination") or {}
        if not isinstance(raw, dict):
            raw = {}
        with_count = self.with_count
        if "withCount" in raw:
            value = raw["withCount"]
            if value in TRUE_VALUES:
                with_count = True
            elif value in FALSE_VALUES:
                with_count = False
            else:
                raise ValidationError('Invalid withCount parameter. Expected "t","1","true","false","0","f"')
        paged = "page" in raw or "pageSize" in raw
        offset = "start" in raw or "limit" in raw
        if paged and offset:
            raise PaginationError("Cannot use both page & offset pagination in the same query")
        # Sizes above maxLimit are brought down to it; without one they reach the database too.
        for name in ("page", "start") if self.max_limit is not None else ("page", "pageSize", "start", "limit"):
            if name in raw:
                self._bounded(raw[name], name)
        if offset:
            start = self._position(to_number(raw.get("start", 0)))
            limit = self._limit(self._size(raw.get("limit", self.default_limit)))
            return {"start": start, "limit": limit}, False, with_count
        raw_size = self._size(raw.get("pageSize", self.default_limit))
        page = to_number(raw.get("page", 1))
        page = max(1, page) if not math.isnan(page) else page
        # Strapi turns the page into an offset first (checked before the size): a page that is no
        # integer shows as that offset in the message.
        start = self._position((page - 1) * raw_size)
        size = self._limit(raw_size)
        page = start // size + 1
        if (page - 1) * size > MAX_SAFE_INTEGER:
            raise PaginationError(f"Invalid pagination: page {page} of {size} entries is beyond the last possible entry")
        return {"page": page, "pageSize": size}, True, with_count

    def _size(self, value: Any) -> float | int:
        """A page size or limit as Strapi reads it: no number at all is the maximum (``maxLimit``),
        anything below 1 (``-1`` included) is 1, anything above ``maxLimit`` is ``maxLimit``.
        A fraction stays as it is: ``_limit`` refuses it once the offset is checked."""
        number = to_number(value)
        if math.isnan(number):
            return self.max_limit if self.max_limit is not None else number
        number = max(1, number)
        return min(number, self.max_limit) if self.max_limit is not None else number

    @staticmethod
    def _limit(number: float | int) -> int:
        if math.isnan(number) or not float(number).is_integer():
            raise ValidationError(f"convertLimitQueryParams expected a positive integer got {js_number(number)}")
        return int(number)

    @staticmethod
    def _position(number: float | int) -> int:
        """An offset: an integer (negative ones count from 0), anything else a 400."""
        if math.isnan(number) or not float(number).is_integer():
            raise ValidationError(f"convertStartQueryParams expected a positive integer got {js_number(number)}")
        return max(0, int(number))

    @staticmethod
    def _bounded(value: Any, name: str) -> None:
        """Numbers beyond JavaScript's safe integers (2^53 - 1) are no position in any table, and SQL
        offsets and limits overflow past 2^63: a 400 instead of a database error."""
        try:
            number = int(str(value))
        except ValueError:
            return  # not an integer: _size and _position say so, as Strapi does
        if abs(number) > MAX_SAFE_INTEGER:
            raise PaginationError(f"Invalid pagination: {name} must be at most {MAX_SAFE_INTEGER}")

    def document_window(self, params: dict[str, Any], paged: bool = True) -> tuple[int | None, int | None]:
        """The Document Service's own ``page``, ``pageSize``, ``start`` and ``limit`` (top-level query
        keys a REST call passes on too) → (offset, limit), checked as Strapi's transformQueryParams
        checks them. A REST list always gives start and limit from ``pagination``: a top-level page
        or pageSize there is refused as mixed pagination. Reading one entry (``paged`` false), a
        page is checked but selects nothing, as the Query Engine's findOne ignores it."""
        page, size, start, limit = (params.get(k) for k in ("page", "pageSize", "start", "limit"))
        if (page is not None or size is not None) and (start is not None or limit is not None):
            raise PaginationError("Invalid pagination attributes. The page parameters are incorrect and must be "
                                  "in the pagination object")
        numbers: dict[str, int] = {}
        for name, value in (("page", page), ("pageSize", size)):
            if value is not None:
                number = _lodash_number(value)
                if math.isnan(number) or not float(number).is_integer() or number <= 0:
                    raise PaginationError(f"Invalid '{name}' parameter. Expected an integer > 0, received: "
                                          f"{js_string(value)}")
                numbers[name] = int(number)
        if numbers and paged:
            size_ = int(numbers.get("pageSize", self.default_limit))
            window = (int(numbers.get("page", 1)) - 1) * size_, size_
            self._in_table(*window)
            return window
        offset = None
        if start is not None:
            number = _lodash_number(start)
            if math.isnan(number) or not float(number).is_integer() or number < 0:
                raise ValidationError(f"convertStartQueryParams expected a positive integer got {js_number(number)}")
            offset = int(number)
        if limit is not None:
            number = _lodash_number(limit)
            if math.isnan(number) or not float(number).is_integer() or number < 0 and number != -1:
                raise ValidationError(f"convertLimitQueryParams expected a positive integer got {js_number(number)}")
            # Reading one entry, the Query Engine's findOne sets its own limit (1): this one is unused.
            self._in_table(offset, None if number == -1 or not paged else int(number))
            return offset, None if number == -1 else int(number)
        self._in_table(offset, None)
        return offset, None

    @staticmethod
    def _in_table(offset: int | None, limit: int | None) -> None:
        """The Document Service's own window, as ``_bounded`` checks ``pagination``: past JavaScript's
        safe integers it is no position in any table, and SQL offsets and limits overflow past 2^63
        (Strapi: a 500 from the database); a 400 instead."""
        for name, number in (("start", offset), ("limit", limit)):
            if number is not None and number > MAX_SAFE_INTEGER:
                raise PaginationError(f"Invalid pagination: {name} must be at most {MAX_SAFE_INTEGER}")

    @staticmethod
    def pagination_meta(info: dict[str, Any], paged: bool, total: int | None) -> dict[str, Any]:
        if paged:
            meta: dict[str, Any] = {"page": info["page"], "pageSize": info["pageSize"]}
            if total is not None:
                meta["pageCount"] = math.ceil(total / info["pageSize"])
                meta["total"] = total
            return meta
        meta = {"start": info["start"], "limit": info["limit"]}
        if total is not None:
            meta["total"] = total
        return meta


def sanitize_output(ct: ContentType, types: dict[str, ContentType], entry: Any) -> Any:
    """Drop private and password attributes (also inside populated relations)."""
    if entry is None:
        return None
    if isinstance(entry, list):
        return [sanitize_output(ct, types, e) for e in entry]
    private = ct.private_fields
    out = {key: value for key, value in entry.items() if key not in private}
    for name, target in ct.relation_targets.items():
        value = out.get(name)
        if value is not None:
            out[name] = sanitize_output(types[target], types, value)
    return out


def _v4_entry(entry: Any) -> Any:
    """Strapi 4's shape: ``{id, attributes: {...}}``, relations as ``{data: ...}``."""
    if isinstance(entry, list):
        return [_v4_entry(e) for e in entry]
    if not isinstance(entry, dict) or "id" not in entry:
        return entry
    attributes = {}
    for key, value in entry.items():
        if key == "id":
            continue
        is_relation = isinstance(value, dict) and "id" in value or (
            isinstance(value, list) and value and isinstance(value[0], dict) and "id" in value[0])
        attributes[key] = {"data": _v4_entry(value)} if is_relation else value
    return {"id": entry["id"], "attributes": attributes}


def transform_response(data: Any, meta: dict[str, Any] | None = None, v4: bool = False) -> Any:
    """``{data, meta}``; ``None`` data gives ``None`` so that the errors middleware answers 404.
    With ``Strapi-Response-Format: v4`` the entries take Strapi 4's ``attributes`` shape."""
    if data is None:
        return None
    return {"data": _v4_entry(data) if v4 else data, "meta": meta if meta is not None else {}}
