"""Variants of the REST parameters: filter operators, validation, sort, pagination, fields, populate."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from reference_impl import rest, where
from reference_impl.middlewares import query as query_middleware
from reference_impl.rest import RestParams
from reference_impl.schema import ContentType, link_columns
from reference_impl.where import WhereBuilder

from .patching import replace, wrap
from .variants import variant

MP = pytest.MonkeyPatch


def _swap_operator(mp: MP, mapping: dict[str, str]) -> None:
    """The Query Engine applies ``mapping[op]`` where the filter says ``op``."""
    @wrap(mp, WhereBuilder, "_op")
    def op(original: Any, self: WhereBuilder, col: Any, attr_type: str, name: str, value: Any) -> Any:
        return original(self, col, attr_type, mapping.get(name, name), value)


def _rewrite_filters(mp: MP, rewrite: Any) -> None:
    """The REST filters are rewritten by ``rewrite(ct, filters)`` on their way to the Query Engine
    (validation still sees them as sent); the engine's own queries are untouched."""

    @wrap(mp, RestParams, "to_query_params")
    def to_query_params(original: Any, self: RestParams, ct: ContentType, params: dict[str, Any]) -> dict[str, Any]:
        if isinstance(params.get("filters"), dict):
            params = {**params, "filters": rewrite(ct, params["filters"])}
        return original(self, ct, params)


def _rename_keys(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {mapping.get(k, k): _rename_keys(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_keys(v, mapping) for v in value]
    return value


@variant("qs-codec-merge", "rest query string",
         "parameters merged as qs-codec merges them: a list and an object at one key stay apart", kills="QV-027")
def _(mp: MP) -> None:
    @wrap(mp, query_middleware._QsObject, "merge")
    def merge(original: Any, self: Any, target: Any, source: Any) -> Any:
        if isinstance(target, list) and isinstance(source, list):
            # qs-codec merges list items only when both are objects (dicts): a list meets a dict apart.
            for i, item in enumerate(source):
                if item is query_middleware._HOLE:
                    continue
                if i < len(target) and isinstance(target[i], dict) and isinstance(item, dict):
                    target[i] = merge(original, self, target[i], item)
                elif i < len(target) and target[i] is not query_middleware._HOLE:
                    target.append(item)
                else:
                    target.extend([query_middleware._HOLE] * (i + 1 - len(target)))
                    target[i] = item
            return target
        return original(self, target, source)


# -- filter operators --------------------------------------------------------------------------------


@variant("op-lt-inclusive", "rest filters", "$lt keeps equal values (it is $lte)", kills="RP-005")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$lt": "$lte"})


@variant("op-gt-inclusive", "rest filters", "$gt keeps equal values (it is $gte)", kills="RP-007")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$gt": "$gte"})


@variant("op-case-insensitive-variants-case-sensitive", "rest filters",
         "the case-insensitive operators ($eqi, $containsi, $startsWithi, ...) respect case",
         kills="RP-003 RP-013 RP-015 RP-020 RP-022")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$eqi": "$eq", "$nei": "$ne", "$containsi": "$contains", "$notContainsi": "$notContains",
                        "$startsWithi": "$startsWith", "$endsWithi": "$endsWith"})


@variant("op-contains-ignores-case", "rest filters", "$contains ignores case (LIKE without case sensitivity)",
         kills="RP-012")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$contains": "$containsi"})


@variant("op-not-in-as-in", "rest filters", "$notIn keeps the listed values", kills="RP-010")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$notIn": "$in"})


@variant("op-not-contains-as-contains", "rest filters", "$notContains and $notContainsi are not negated",
         kills="RP-014 RP-015")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$notContains": "$contains", "$notContainsi": "$containsi"})


@variant("op-null-inverted", "rest filters", "$null keeps the values that are set and $notNull the null ones",
         kills="RP-016 RP-017")
def _(mp: MP) -> None:
    # At the REST level: the Query Engine's own status conditions use $null too, and inverting them
    # would be a different fault (every read would answer drafts).
    _rewrite_filters(mp, lambda ct, filters: _rename_keys(filters, {"$null": "$notNull", "$notNull": "$null"}))


@variant("op-lte-exclusive", "rest filters", "$lte drops equal values (it is $lt)", kills="RP-006")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$lte": "$lt"})


@variant("op-gte-exclusive", "rest filters", "$gte drops equal values (it is $gt)", kills="RP-008")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$gte": "$gt"})


@variant("op-in-first-value-only", "rest filters", "$in keeps only the first listed value", kills="RP-009")
def _(mp: MP) -> None:
    @wrap(mp, WhereBuilder, "_op")
    def op(original: Any, self: WhereBuilder, col: Any, attr_type: str, name: str, value: Any) -> Any:
        if name == "$in":
            value = where._as_list(value)[:1]
        return original(self, col, attr_type, name, value)


@variant("op-contains-as-starts-with", "rest filters", "$contains matches only prefixes", kills="RP-011")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$contains": "$startsWith"})


@variant("bare-filter-value-ignored", "rest filters", "a bare filter value (meaning $eq) is ignored", kills="RP-002")
def _(mp: MP) -> None:
    def drop_bare(ct: ContentType, filters: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in filters.items() if k.startswith("$") or isinstance(v, (dict, list))}

    _rewrite_filters(mp, drop_bare)


@variant("boolean-filter-as-text", "rest filters", "a boolean filter compares the column with the text 'true'",
         kills="RP-027")
def _(mp: MP) -> None:
    @wrap(mp, where, "_operand")
    def operand(original: Any, attr_type: str, value: Any) -> Any:
        return str(value) if attr_type == "boolean" and isinstance(value, str) else original(attr_type, value)


@variant("op-between-lower-bound-only", "rest filters", "$between ignores its upper bound", kills="RP-018")
def _(mp: MP) -> None:
    @wrap(mp, WhereBuilder, "_op")
    def op(original: Any, self: WhereBuilder, col: Any, attr_type: str, name: str, value: Any) -> Any:
        if name == "$between":
            return original(self, col, attr_type, "$gte", where._as_list(value)[0])
        return original(self, col, attr_type, name, value)


@variant("op-starts-ends-swapped", "rest filters", "$startsWith matches suffixes and $endsWith prefixes",
         kills="RP-019 RP-020 RP-021 RP-022")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$startsWith": "$endsWith", "$endsWith": "$startsWith",
                        "$startsWithi": "$endsWithi", "$endsWithi": "$startsWithi"})


@variant("op-ne-as-eq", "rest filters", "$ne keeps the equal values", kills="RP-004")
def _(mp: MP) -> None:
    _swap_operator(mp, {"$ne": "$eq"})


@variant("op-or-as-and", "rest filters", "$or requires every condition", kills="RP-023")
def _(mp: MP) -> None:
    @wrap(mp, WhereBuilder, "_build")
    def build(original: Any, self: WhereBuilder, ct: ContentType, table: Any, where_: Any) -> Any:
        if isinstance(where_, dict) and "$or" in where_:
            where_ = {("$and" if k == "$or" else k): v for k, v in where_.items()}
        return original(self, ct, table, where_)


@variant("op-not-ignored", "rest filters", "$not is ignored: its condition applies as is", kills="RP-025 RP-030")
def _(mp: MP) -> None:
    @wrap(mp, WhereBuilder, "_build")
    def build(original_build: Any, self: WhereBuilder, ct: ContentType, table: Any, where_: Any) -> Any:
        if isinstance(where_, dict) and "$not" in where_:
            rest_ = {k: v for k, v in where_.items() if k != "$not"}
            return sa.and_(original_build(self, ct, table, rest_), original_build(self, ct, table, where_["$not"]))
        return original_build(self, ct, table, where_)

    @wrap(mp, WhereBuilder, "_op")
    def op(original_op: Any, self: WhereBuilder, col: Any, attr_type: str, name: str, value: Any) -> Any:
        if name == "$not":
            return self._attribute(col, attr_type, value)
        return original_op(self, col, attr_type, name, value)


@variant("op-not-outside-relations", "rest filters",
         "$not negates a relation's EXISTS (no related entry meets it) instead of each related entry", kills="QV-024")
def _(mp: MP) -> None:
    replace(mp, WhereBuilder, "_negated", lambda self, ct, table, where_: sa.not_(self._build(ct, table, where_)))


@variant("relation-filter-without-null-row", "rest filters",
         "a filter on a relation sees only related entries: an entry without one never matches", kills="QV-024")
def _(mp: MP) -> None:
    @wrap(mp, WhereBuilder, "_relation")
    def relation(original: Any, self: WhereBuilder, ct: ContentType, table: Any, key: str, value: Any,
                 negate: bool = False) -> Any:
        link = ct.links[key]
        own_col, _target_col = link_columns(ct, key)
        linked = sa.exists(sa.select(sa.literal(1)).select_from(link).where(link.c[own_col] == table.c.id))
        return sa.and_(linked, original(self, ct, table, key, value, negate))


@variant("op-list-first-value-only", "rest filters", "a list of values matches only its first value", kills="RP-026")
def _(mp: MP) -> None:
    @wrap(mp, WhereBuilder, "_attribute")
    def attribute(original: Any, self: WhereBuilder, col: Any, attr_type: str, value: Any) -> Any:
        return original(self, col, attr_type, value[0] if isinstance(value, list) and value else value)


@variant("boolean-filter-truthy-strings", "rest filters", "a boolean filter value 'false' means true (a non-empty string)",
         kills="RP-029")
def _(mp: MP) -> None:
    @wrap(mp, where, "_operand")
    def operand(original: Any, attr_type: str, value: Any) -> Any:
        if attr_type == "boolean" and isinstance(value, str):
            return bool(value)
        return original(attr_type, value)


@variant("relation-filter-ignored", "rest filters", "conditions on a relation's attributes are ignored", kills="RP-031")
def _(mp: MP) -> None:
    replace(mp, WhereBuilder, "_relation", lambda self, ct, table, key, value, negate=False: sa.true())


# -- validation -----------------------------------------------------------------------------------------


@variant("filters-not-validated", "rest validation",
         "filters are not checked against the schema: private attributes can be filtered, errors lose their details",
         kills="RP-033 RP-034 RP-035 RP-036")
def _(mp: MP) -> None:
    replace(mp, RestParams, "_validate_filters", lambda self, ct, filters, path: None)


@variant("unknown-filter-keys-ignored", "rest validation", "filters on attributes the type does not have are ignored",
         kills="RP-032 RP-036")
def _(mp: MP) -> None:
    def known(ct: ContentType, filters: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in filters.items() if k.startswith("$") or k in ct.attributes or k in ct.columns}

    @wrap(mp, RestParams, "validate_query")
    def validate_query(original: Any, self: RestParams, ct: ContentType, query: dict[str, Any]) -> None:
        if isinstance(query.get("filters"), dict):
            query = {**query, "filters": known(ct, query["filters"])}
        original(self, ct, query)

    _rewrite_filters(mp, known)


@variant("sort-not-validated", "rest validation", "sort is not checked: an unknown field fails in the database (500)",
         kills="RP-043 RP-044", crash_ok=True)
def _(mp: MP) -> None:
    replace(mp, RestParams, "_validate_sort", lambda self, ct, sort: None)


@variant("fields-not-validated", "rest validation", "fields is not checked: unknown names are silently ignored",
         kills="RP-072 RP-073")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "validate_query")
    def validate_query(original: Any, self: RestParams, ct: ContentType, query: dict[str, Any]) -> None:
        original(self, ct, {k: v for k, v in query.items() if k != "fields"})


@variant("operators-case-insensitive", "rest validation", "filter operators are matched ignoring case ($EQ is $eq)",
         kills="RP-034")
def _(mp: MP) -> None:
    canonical = {op.lower(): op for op in where.OPERATORS}

    @wrap(mp, rest, "is_operator")
    def is_operator(original_is_operator: Any, key: str) -> bool:
        return bool(original_is_operator(canonical.get(key.lower(), key)))

    @wrap(mp, WhereBuilder, "_op")
    def op(original_op: Any, self: WhereBuilder, col: Any, attr_type: str, name: str, value: Any) -> Any:
        return original_op(self, col, attr_type, canonical.get(name.lower(), name), value)


@variant("strict-params-ignored", "rest validation", "strictParams is ignored: unknown query parameters are accepted",
         kills="RP-090")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "__init__")
    def init(original: Any, self: RestParams, types: dict[str, ContentType], rest_config: dict[str, Any]) -> None:
        original(self, types, rest_config)
        self.strict = False


@variant("body-not-validated", "rest validation", "body data is not checked: unknown keys, id and documentId are ignored",
         kills="RP-091 RP-092 RP-093")
def _(mp: MP) -> None:
    replace(mp, RestParams, "validate_input", lambda self, ct, data: None)


@variant("sort-private-allowed", "rest validation", "sort accepts private attributes", kills="RP-044")
def _(mp: MP) -> None:
    def validate_sort(self: RestParams, ct: ContentType, sort: Any) -> None:
        for field, _direction in self.sort_items(sort):
            if field not in ct.columns:
                raise rest._invalid(field, None, "query", "sort")

    replace(mp, RestParams, "_validate_sort", validate_sort)


@variant("fields-accepts-relations", "rest validation", "fields accepts relation names (and ignores them)",
         kills="RP-073")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "validate_query")
    def validate_query(original: Any, self: RestParams, ct: ContentType, query: dict[str, Any]) -> None:
        fields = query.get("fields")
        if fields is not None:
            kept = [f for f in rest._as_list(fields) if f not in ct.relation_attributes()]
            query = {**query, "fields": kept} if kept else {k: v for k, v in query.items() if k != "fields"}
        original(self, ct, query)


@variant("populate-accepts-scalars", "rest validation", "populate accepts attributes that are not relations",
         kills="RP-084")
def _(mp: MP) -> None:
    replace(mp, RestParams, "_validate_populate", lambda self, ct, populate, path: None)
    # The conversion guards against non-relations too (single-type writes skip validation): drop them quietly.
    replace(mp, RestParams, "_populatable", staticmethod(
        lambda ct, names: [n for n in names if ct.attributes.get(n, {}).get("type") == "relation"]))


# -- sort -------------------------------------------------------------------------------------------------


@variant("sort-direction-ignored", "rest sort", "sort is always ascending, whatever the direction says",
         kills="RP-040 RP-041 RP-045 DS-007 DS-015")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "sort_items")
    def sort_items(original: Any, sort: Any) -> list[tuple[str, str]]:
        return [(f, "asc") for f, _d in original(sort)]


@variant("sort-default-descending", "rest sort", "a sort without direction is descending", kills="RP-042")
def _(mp: MP) -> None:
    def with_default(part: Any) -> Any:
        return part if not isinstance(part, str) or ":" in part else part + ":desc"

    @wrap(mp, RestParams, "sort_items")
    def sort_items(original: Any, sort: Any) -> list[tuple[str, str]]:
        if isinstance(sort, str):
            sort = ",".join(with_default(p) for p in sort.split(","))
        elif isinstance(sort, list):
            sort = [with_default(p) for p in sort]
        return original(sort)


@variant("sort-relation-field-skipped", "rest sort", "a sort on a relation's field is dropped (no join)",
         kills="QV-022")
def _(mp: MP) -> None:
    replace(mp, RestParams, "_sortable", lambda self, ct, path: path in ct.columns)


@variant("populate-sort-ignored", "rest sort", "a sort inside populate is dropped: related entries keep the relation's order",
         kills="QV-023")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "populate_params")
    def populate_params(original: Any, self: RestParams, ct: ContentType, populate: Any) -> dict[str, Any]:
        out = original(self, ct, populate)
        return {k: ({n: v for n, v in sub.items() if n != "orderBy"} if isinstance(sub, dict) else sub)
                for k, sub in out.items()}


@variant("populate-false-populates", "rest populate", "populate[x]=false populates x as true would", kills="QV-026")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "populate_params")
    def populate_params(original: Any, self: RestParams, ct: ContentType, populate: Any) -> dict[str, Any]:
        if isinstance(populate, dict):
            populate = {k: ("true" if v in rest.FALSE_VALUES else v) for k, v in populate.items()}
        return original(self, ct, populate)


@variant("sort-first-field-only", "rest sort", "only the first sort field is applied", kills="RP-041 RP-045")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "sort_items")
    def sort_items(original: Any, sort: Any) -> list[tuple[str, str]]:
        return list(original(sort)[:1])


# -- pagination ---------------------------------------------------------------------------------------------


@variant("top-level-page-ignored", "rest pagination", "a top-level page or pageSize is ignored, never checked",
         kills="QV-025")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "document_window")
    def document_window(original: Any, self: RestParams, params: dict[str, Any], paged: bool = True) -> Any:
        return original(self, {k: v for k, v in params.items() if k not in ("page", "pageSize")}, paged)


@variant("page-count-floored", "rest pagination", "pageCount is total // pageSize (rounded down)", kills="RP-051")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "pagination_meta")
    def meta(original: Any, info: dict[str, Any], paged: bool, total: int | None) -> dict[str, Any]:
        out = original(info, paged, total)
        if "pageCount" in out and total is not None:
            out["pageCount"] = total // info["pageSize"]
        return out


@variant("offset-meta-page-style", "rest pagination", "offset pagination answers page-style meta",
         kills="RP-052 RP-054")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "pagination_meta")
    def meta(original: Any, info: dict[str, Any], paged: bool, total: int | None) -> dict[str, Any]:
        if paged:
            return original(info, paged, total)
        size = max(1, info["limit"])
        return original({"page": info["start"] // size + 1, "pageSize": size}, True, total)


@variant("max-limit-not-applied", "rest pagination", "pageSize is not reduced to maxLimit", kills="RP-055")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "__init__")
    def init(original: Any, self: RestParams, types: dict[str, ContentType], rest_config: dict[str, Any]) -> None:
        original(self, types, rest_config)
        self.max_limit = None


@variant("default-limit-10", "rest pagination", "the default page size is 10 instead of rest.defaultLimit",
         kills="RP-050 RP-058 CT-002")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "__init__")
    def init(original: Any, self: RestParams, types: dict[str, ContentType], rest_config: dict[str, Any]) -> None:
        original(self, types, rest_config)
        self.default_limit = 10


@variant("page-size-zero-kept", "rest pagination", "a pageSize below 1 is kept instead of raised to 1", kills="RP-060")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "pagination")
    def pagination(original: Any, self: RestParams, query: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
        info, paged, with_count = original(self, query)
        given = query.get("pagination")
        raw: dict[str, Any] = given if isinstance(given, dict) else {}
        if paged and str(raw.get("pageSize", "")).lstrip("-").isdigit() and int(raw["pageSize"]) < 1:
            info["pageSize"] = int(raw["pageSize"])
        return info, paged, with_count


@variant("page-and-offset-mixed", "rest pagination", "page and offset pagination may be mixed (page wins)",
         kills="RP-056")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "pagination")
    def pagination(original: Any, self: RestParams, query: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
        raw = query.get("pagination")
        if isinstance(raw, dict) and ("page" in raw or "pageSize" in raw):
            query = {**query, "pagination": {k: v for k, v in raw.items() if k not in ("start", "limit")}}
        return original(self, query)


@variant("with-count-any-value", "rest pagination", "withCount accepts any value (anything but false counts)",
         kills="RP-057")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "pagination")
    def pagination(original: Any, self: RestParams, query: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
        raw = query.get("pagination")
        if isinstance(raw, dict) and raw.get("withCount") not in (None, *rest.TRUE_VALUES, *rest.FALSE_VALUES):
            query = {**query, "pagination": {**raw, "withCount": "true"}}
        return original(self, query)


# -- fields and populate ----------------------------------------------------------------------------------


def _patch_query_params(mp: MP, change: Any) -> None:
    """Patch the REST → Query Engine conversion: ``change(self, ct, params, out)`` edits its result."""
    @wrap(mp, RestParams, "to_query_params")
    def to_query_params(original: Any, self: RestParams, ct: ContentType, params: dict[str, Any]) -> dict[str, Any]:
        out = original(self, ct, params)
        change(self, ct, params, out)
        return out


@variant("fields-ignored", "rest fields", "fields is ignored: every attribute is answered",
         kills="RP-070 RP-071 ST-008")
def _(mp: MP) -> None:
    _patch_query_params(mp, lambda self, ct, params, out: out.pop("select", None))


@variant("populate-ignored", "rest populate", "populate is ignored", kills="RP-081 RP-082 RP-083 RP-085 RP-094")
def _(mp: MP) -> None:
    _patch_query_params(mp, lambda self, ct, params, out: out.pop("populate", None))


@variant("populate-star-first-relation", "rest populate", "populate=* populates only the first relation",
         kills="RP-082")
def _(mp: MP) -> None:
    def change(self: RestParams, ct: ContentType, params: dict[str, Any], out: dict[str, Any]) -> None:
        if params.get("populate") == "*" and out.get("populate"):
            out["populate"] = dict(list(out["populate"].items())[:1])

    _patch_query_params(mp, change)


@variant("populate-fields-ignored", "rest populate", "the fields of a populated relation are ignored", kills="RP-083")
def _(mp: MP) -> None:
    def change(self: RestParams, ct: ContentType, params: dict[str, Any], out: dict[str, Any]) -> None:
        for sub in (out.get("populate") or {}).values():
            if isinstance(sub, dict):
                sub.pop("select", None)

    _patch_query_params(mp, change)


@variant("relations-always-populated", "rest populate", "relations are answered without populate", kills="RP-080")
def _(mp: MP) -> None:
    def change(self: RestParams, ct: ContentType, params: dict[str, Any], out: dict[str, Any]) -> None:
        out.setdefault("populate", {name: True for name in ct.relation_attributes()})

    _patch_query_params(mp, change)


@variant("populate-inverse-side-empty", "rest populate", "populating the inverse (mappedBy) side of a relation answers nothing",
         kills="RP-085")
def _(mp: MP) -> None:
    def change(self: RestParams, ct: ContentType, params: dict[str, Any], out: dict[str, Any]) -> None:
        for name in list(out.get("populate") or {}):
            if ct.attributes[name].get("mappedBy"):
                out["populate"][name] = {"where": {"id": {"$null": True}}}

    _patch_query_params(mp, change)
