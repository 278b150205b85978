"""Variants of the content model: the entity validator, components and dynamic zones, relation
writes (connect/disconnect/set, positions, both sides), i18n, and the populate count, status and
pagination edges that came with them.  Each is a bug a re-implementer of Strapi plausibly makes."""

from __future__ import annotations

import copy
import re
from datetime import time
from typing import Any

import pytest
import sqlalchemy as sa

from reference_impl import components, documents, i18n, query, relations, v8_json, validation
from reference_impl.controllers import CoreController
from reference_impl.documents import DocumentRepository
from reference_impl.errors import ValidationError
from reference_impl.query import EntityQuery
from reference_impl.rest import RestParams
from reference_impl.schema import ContentType

from .patching import replace, wrap
from .variants import variant

MP = pytest.MonkeyPatch

# -- entity validator ------------------------------------------------------------------------------


@variant("validation-details-errors-dropped", "entity validator",
         "a validation failure answers the message only: details.errors is left out",
         kills="VA-001 VA-013 VA-015")
def _(mp: MP) -> None:
    @wrap(mp, validation, "yup_error")
    def yup_error(original: Any, failures: list[Any]) -> Any:
        error = original(failures)
        error.details = {}
        return error


@variant("validation-first-message-only", "entity validator",
         "several failures answer the first one's message instead of \"<n> errors occurred\"",
         kills="VA-019")
def _(mp: MP) -> None:
    @wrap(mp, validation, "yup_error")
    def yup_error(original: Any, failures: list[Any]) -> Any:
        error = original(failures)
        error.message = failures[0].message
        return error


@variant("validation-unique-against-itself", "entity validator",
         "an update compares a unique value with every document, its own included",
         kills="VA-021")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "_validate_values")
    async def validate(original: Any, self: DocumentRepository, data: Any, creating: bool,
                       document_id: Any = None) -> Any:
        return await original(self, data, creating, None)


@variant("validation-unique-unchecked", "entity validator", "unique attributes (and uids) accept a taken value",
         kills="VA-020 VA-024")
def _(mp: MP) -> None:
    @wrap(mp, documents, "validate_entity")
    async def validate_entity(original: Any, ct: ContentType, data: Any, creating: bool, is_taken: Any,
                              *rest: Any) -> Any:
        async def never(name: str, value: Any) -> bool:
            return False

        return await original(ct, data, creating, never, *rest)


@variant("validation-required-on-update", "entity validator",
         "an update is validated as a create: a partial update must send every required attribute",
         kills="VA-022")
def _(mp: MP) -> None:
    @wrap(mp, documents, "validate_entity")
    async def validate_entity(original: Any, ct: ContentType, data: Any, creating: bool, is_taken: Any,
                              *rest: Any) -> Any:
        return await original(ct, data, True, is_taken, *rest)


@variant("validation-regex-unanchored", "entity validator",
         "a regex attribute is matched anywhere in the text: its ^ and $ anchors are dropped",
         kills="VA-016")
def _(mp: MP) -> None:
    @wrap(mp, validation, "js_regex")
    def js_regex(original: Any, pattern: str) -> re.Pattern[str]:
        return original(pattern.removeprefix("^").removesuffix("$"))


@variant("validation-range-exclusive", "entity validator",
         "min and max are exclusive bounds: a value equal to a bound is refused",
         kills="VA-013")
def _(mp: MP) -> None:
    @wrap(mp, validation, "_range_tests")
    def range_tests(original: Any, name: str, attr: dict[str, Any], number: float | int) -> list[Any]:
        if number == attr.get("min"):
            return original(name, attr, number - 1)  # a bound value fails as the value past it would
        if number == attr.get("max"):
            return original(name, attr, number + 1)
        return original(name, attr, number)


@variant("validation-enumeration-message-without-null", "entity validator",
         "an optional enumeration's message lists its values without yup's trailing empty one (null)",
         kills="VA-018")
def _(mp: MP) -> None:
    @wrap(mp, validation, "_string_tests")
    def string_tests(original: Any, name: str, attr: dict[str, Any], value: str) -> list[Any]:
        return original(name, {**attr, "required": True} if attr.get("type") == "enumeration" else attr, value)


@variant("validation-biginteger-as-number", "value rendering",
         "a biginteger is answered as a JSON number instead of text (digits beyond 2^53 are lost)",
         kills="VA-008")
def _(mp: MP) -> None:
    @wrap(mp, query, "column_value")
    def column_value(original: Any, value: Any) -> Any:
        return value if isinstance(value, int) and not isinstance(value, bool) else original(value)


@variant("validation-time-without-milliseconds", "value rendering",
         "a time is answered as HH:mm:ss, without Strapi's milliseconds",
         kills="VA-008")
def _(mp: MP) -> None:
    @wrap(mp, query, "iso")
    def iso(original: Any, value: Any) -> Any:
        out = original(value)
        return out[:8] if isinstance(value, time) else out


# -- components and dynamic zones ------------------------------------------------------------------


@variant("components-fragment-ignored", "components",
         "a dynamic zone's `on` fragments are ignored: every component comes back, populated alike",
         kills="CP-007 CP-008")
def _(mp: MP) -> None:
    @wrap(mp, components, "populate")
    def populate(original: Any, conn: Any, db: Any, owner: Any, rows: list[Any], name: str, sub: Any) -> None:
        if isinstance(sub, dict) and "on" in sub:
            sub = {k: v for k, v in sub.items() if k != "on"}
        original(conn, db, owner, rows, name, sub)


@variant("components-repeatable-order-reversed", "components",
         "a repeatable component (and a dynamic zone) answers its items in the reverse of the order written",
         kills="CP-003")
def _(mp: MP) -> None:
    @wrap(mp, components, "populate")
    def populate(original: Any, conn: Any, db: Any, owner: Any, rows: list[Any], name: str, sub: Any) -> None:
        original(conn, db, owner, rows, name, sub)
        for row in rows:
            if isinstance(row.get(name), list):
                row[name].reverse()


@variant("components-not-replaced-on-write", "components",
         "writing a component attribute adds the new items next to the old ones instead of replacing them",
         kills="CP-012")
def _(mp: MP) -> None:
    @wrap(mp, components, "write")
    def write(original: Any, conn: Any, db: Any, owner: Any, row_id: int, values: dict[str, Any],
              creating: bool = False) -> None:
        table, attrs = components.cmps_table(owner), components.component_attributes(owner)
        if not creating and table is not None:  # an update keeps what each attribute held, by id
            values = dict(values)
            for name, value in list(values.items()):
                if name not in attrs or value is None:
                    continue
                held = conn.execute(
                    sa.select(table.c.cmp_id, table.c.component_type)
                    .where(table.c.entity_id == row_id, table.c.field == name).order_by(table.c.order)).all()
                zone = attrs[name]["type"] == "dynamiczone"
                old = [{"id": cmp_id, **({"__component": uid} if zone else {})} for cmp_id, uid in held]
                values[name] = old + (value if isinstance(value, list) else [value])
        original(conn, db, owner, row_id, values, creating)


@variant("components-nested-populate-ignored", "components",
         "a populate inside a component (or a dynamic zone) is ignored: nested components never come back",
         kills="CP-005 CP-009")
def _(mp: MP) -> None:
    @wrap(mp, components, "_read")
    def read(original: Any, conn: Any, db: Any, component: Any, ids: list[int], params: dict[str, Any]) -> Any:
        return original(conn, db, component, ids, {k: v for k, v in params.items() if k != "populate"})


@variant("components-null-ignored", "components",
         "null for a single component (or [] for a dynamic zone) is skipped instead of emptying it",
         kills="CP-014")
def _(mp: MP) -> None:
    @wrap(mp, components, "write")
    def write(original: Any, conn: Any, db: Any, owner: Any, row_id: int, values: dict[str, Any],
              creating: bool = False) -> None:
        original(conn, db, owner, row_id, {k: v for k, v in values.items() if v is not None and v != []}, creating)


@variant("components-omitted-cleared", "components",
         "an update that does not name a component attribute empties it",
         kills="CP-013")
def _(mp: MP) -> None:
    @wrap(mp, components, "write")
    def write(original: Any, conn: Any, db: Any, owner: Any, row_id: int, values: dict[str, Any],
              creating: bool = False) -> None:
        original(conn, db, owner, row_id, {**dict.fromkeys(components.component_attributes(owner)), **values},
                 creating)


@variant("components-fields-without-id", "components",
         "fields on a component leaves out its id unless the id is named too",
         kills="CP-006")
def _(mp: MP) -> None:
    @wrap(mp, components, "populate")
    def populate(original: Any, conn: Any, db: Any, owner: Any, rows: list[Any], name: str, sub: Any) -> None:
        original(conn, db, owner, rows, name, sub)
        select = sub.get("select") if isinstance(sub, dict) else None
        if not select or "id" in select:
            return
        for row in rows:
            held = row.get(name)
            for item in held if isinstance(held, list) else [held] if held else []:
                item.pop("id", None)


# -- relation writes -------------------------------------------------------------------------------


def _rewrite_relation_writes(mp: MP, rewrite: Any) -> None:
    """Every parsed relation write of a request body goes through ``rewrite(write)``."""
    @wrap(mp, relations, "parse")
    async def parse(original: Any, value: Any, resolve: Any, not_found: Any, default_locale: str | None = None) -> Any:
        return rewrite(await original(value, resolve, not_found, default_locale))


@variant("relations-before-as-after", "relations", "a connect position \"before\" puts the entry after the other one",
         kills="RL-006")
def _(mp: MP) -> None:
    def rewrite(write: relations.RelationWrite) -> relations.RelationWrite:
        write.connect = [(target, {("after" if k == "before" else k): v for k, v in position.items()}
                          if position else position) for target, position in write.connect]
        return write

    _rewrite_relation_writes(mp, rewrite)


@variant("relations-start-ignored", "relations", "a connect position \"start\" is ignored: the entry goes to the end",
         kills="RL-008")
def _(mp: MP) -> None:
    def rewrite(write: relations.RelationWrite) -> relations.RelationWrite:
        write.connect = [(target, None if position and position.get("start") else position)
                         for target, position in write.connect]
        return write

    _rewrite_relation_writes(mp, rewrite)


@variant("relations-disconnect-ignored", "relations", "disconnect is ignored: the entries it names stay connected",
         kills="RL-003 RL-005")
def _(mp: MP) -> None:
    def rewrite(write: relations.RelationWrite) -> relations.RelationWrite:
        write.disconnect = []
        return write

    _rewrite_relation_writes(mp, rewrite)


@variant("relations-set-sorted", "relations", "a list of documentIds (or set) is stored in row id order, not in the order given",
         kills="RL-001 RL-004")
def _(mp: MP) -> None:
    def rewrite(write: relations.RelationWrite) -> relations.RelationWrite:
        if write.set is not None:
            write.set = sorted(write.set)
        return write

    _rewrite_relation_writes(mp, rewrite)


@variant("relations-exclusivity-not-enforced", "relations",
         "oneToOne and oneToMany are written like their many-to-many kin: a connected entry keeps its previous owner",
         kills="RL-013 RL-014")
def _(mp: MP) -> None:
    loose = {"oneToOne": "manyToOne", "oneToMany": "manyToMany"}

    @wrap(mp, query, "apply_relation")
    def apply(original: Any, conn: Any, ct: ContentType, name: str, row_id: int, write: Any) -> None:
        attr = ct.attributes[name]
        if attr.get("relation") in loose:
            ct = copy.copy(ct)
            ct.attributes = {**ct.attributes, name: {**attr, "relation": loose[attr["relation"]]}}
        original(conn, ct, name, row_id, write)


@variant("relations-inverse-read-in-owner-order", "relations",
         "the inverse side (mappedBy) of a relation is listed in the owning side's order",
         kills="RL-016")
def _(mp: MP) -> None:
    replace(mp, query, "order_column", lambda attr: "ord")

    # Populate statements are cached by shape: keep this variant's apart from any built before it.
    @wrap(mp, EntityQuery, "_shape_key")
    def shape_key(original: Any, self: EntityQuery, kind: str, where: Any, *extra: Any) -> tuple[Any, Any]:
        key, leaves = original(self, kind, where, *extra)
        return (("inverse-read-in-owner-order", key), leaves)


@variant("relations-unknown-position-appends", "relations",
         "a connect positioned next to an entry that is not connected goes to the end instead of answering 400",
         kills="RL-011")
def _(mp: MP) -> None:
    @wrap(mp, relations, "_ordered")
    def ordered(original: Any, current: list[int], write: relations.RelationWrite) -> list[int]:
        try:
            return list(original(current, write))
        except ValidationError as error:
            if "needs to be connected first" not in error.message:
                raise
            kept = {target for target, _ in write.connect} | set(current)
            loose = relations.RelationWrite(write.set, [
                (target, position if position and position.get("before", position.get("after")) in kept else None)
                for target, position in write.connect], write.disconnect)
            return list(original(current, loose))


# -- i18n ------------------------------------------------------------------------------------------


@variant("i18n-locale-ignored-on-reads", "i18n", "reads ignore the locale parameter and answer the default locale",
         kills="IN-003 IN-004 IN-005")
def _(mp: MP) -> None:
    @wrap(mp, i18n, "read_where")
    def read_where(original: Any, ct: ContentType, params: dict[str, Any]) -> dict[str, Any] | None:
        return original(ct, {k: v for k, v in params.items() if k != "locale"})


@variant("i18n-shared-not-synced", "i18n",
         "an attribute that is not localized is written to the updated locale only",
         kills="IN-008")
def _(mp: MP) -> None:
    async def sync_locales(self: DocumentRepository, document_id: Any, locale: str, data: dict[str, Any]) -> None:
        return None

    replace(mp, DocumentRepository, "_sync_locales", sync_locales)


@variant("i18n-delete-every-locale", "i18n", "deleting a document with a locale deletes every locale's version",
         kills="IN-009")
def _(mp: MP) -> None:
    @wrap(mp, i18n, "delete_where")
    def delete_where(original: Any, ct: ContentType, params: dict[str, Any]) -> dict[str, Any] | None:
        return None


@variant("i18n-update-missing-locale-not-found", "i18n",
         "an update in a locale the document lacks answers 404 instead of creating that locale's version",
         kills="IN-007")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "_create_locale")
    async def create_locale(original: Any, self: DocumentRepository, document_id: Any, data: dict[str, Any],
                            params: dict[str, Any]) -> Any:
        return None


@variant("i18n-new-locale-starts-empty", "i18n",
         "a new locale's version does not take the shared attributes of the document's other versions",
         kills="IN-008")
def _(mp: MP) -> None:
    @wrap(mp, i18n, "shared_values")
    def shared_values(original: Any, ct: ContentType, data: dict[str, Any]) -> dict[str, Any]:
        return {} if "documentId" in data else original(ct, data)  # a stored version, not a request body


@variant("i18n-localizations-fields-ignored", "i18n",
         "populate[localizations][fields] is ignored: every attribute of the other locales is answered",
         kills="IN-011")
def _(mp: MP) -> None:
    @wrap(mp, i18n, "populate_localizations")
    def populate_localizations(original: Any, conn: Any, query: EntityQuery, rows: list[Any], sub: Any,
                               status: Any) -> None:
        original(conn, query, rows, {k: v for k, v in sub.items() if k != "select"} if isinstance(sub, dict) else sub,
                 status)


# -- populate count, status and pagination edges ---------------------------------------------------


@variant("populate-count-ignores-filters", "query engine",
         "populate[relation][count]=true counts every related entry, whatever its filters",
         kills="VA-030")
def _(mp: MP) -> None:
    @wrap(mp, EntityQuery, "_populate_count")
    def populate_count(original: Any, self: EntityQuery, conn: Any, target: ContentType, rows: list[Any], name: str,
                       link: Any, own_col: str, target_col: str, where: Any) -> None:
        original(self, conn, target, rows, name, link, own_col, target_col, {})


@variant("status-unknown-read-as-published", "controllers",
         "a status other than draft or published reads the published versions",
         kills="VA-031")
def _(mp: MP) -> None:
    @wrap(mp, CoreController, "sanitize_query")
    def sanitize_query(original: Any, self: CoreController, ctx: Any) -> dict[str, Any]:
        out: dict[str, Any] = original(self, ctx)
        if out.get("status") not in (None, "draft", "published"):
            out["status"] = "published"
        return out


@variant("pagination-limit-minus-one-is-all", "rest params",
         "pagination[limit]=-1 answers every entry (as in Strapi 4) instead of one",
         kills="VA-032")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "_size")
    def size(original: Any, self: RestParams, value: Any) -> float | int:
        if validation.to_number(value) == -1:
            return self.max_limit if self.max_limit is not None else 2**31 - 1
        return original(self, value)


# -- defaults nobody asked for ----------------------------------------------------------------------


@variant("components-populated-by-default", "components",
         "component and dynamic-zone attributes are answered without populate (as if they were scalars)",
         kills="CP-001")
def _(mp: MP) -> None:
    @wrap(mp, RestParams, "to_query_params")
    def to_query_params(original: Any, self: RestParams, ct: Any, params: dict[str, Any]) -> Any:
        out = original(self, ct, params)
        wanted = {name: True for name, attr in getattr(ct, "attributes", {}).items()
                  if attr.get("type") in components.COMPONENT_TYPES}
        if wanted and not out.get("populate"):
            out["populate"] = wanted
        return out


@variant("i18n-create-without-locale-unlocalized", "i18n",
         "an entry created without a locale parameter is stored without a locale instead of the default one",
         kills="IN-001")
def _(mp: MP) -> None:
    @wrap(mp, i18n, "write_locale")
    def write_locale(original: Any, ct: ContentType, params: dict[str, Any]) -> str | None:
        return original(ct, params) if params.get("locale") else None


@variant("i18n-create-locale-ignored", "i18n",
         "the locale parameter of a create is ignored: every entry is created in the default locale",
         kills="IN-002", exit2=r"i18n")  # the i18n probe creates in fr first
def _(mp: MP) -> None:
    @wrap(mp, i18n, "write_locale")
    def write_locale(original: Any, ct: ContentType, params: dict[str, Any]) -> str | None:
        found = original(ct, params)
        return i18n.DEFAULT_LOCALE if found is not None and params.get("documentId") is None else found


@variant("validation-uid-generated-from-target-field", "entity validator",
         "a REST create without a uid fills it from its targetField (what the admin panel proposes)",
         kills="VA-025")
def _(mp: MP) -> None:
    @wrap(mp, documents, "validate_entity")
    async def validate(original: Any, ct: ContentType, data: Any, creating: bool, is_taken: Any,
                       *rest: Any) -> Any:
        if creating and isinstance(data, dict):
            for name, attr in ct.attributes.items():
                source = data.get(attr.get("targetField") or "")
                if attr.get("type") == "uid" and data.get(name) is None and isinstance(source, str):
                    data = {**data, name: re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")}
        return await original(ct, data, creating, is_taken, *rest)


# -- value limits and storage (body validation) -------------------------------------------------------


@variant("integer-32-bit-limit", "entity validator",
         "an integer attribute is limited to 32 bits, as a column of SQL INTEGER on PostgreSQL would be",
         kills="BV-008")
def _(mp: MP) -> None:
    @wrap(mp, validation, "check_attribute")
    def check_attribute(original: Any, name: str, attr: dict[str, Any], value: Any) -> Any:
        cast, failures = original(name, attr, value)
        if attr.get("type") == "integer" and isinstance(cast, int) and not -(2**31) <= cast < 2**31:
            failures = [*failures, validation.Failure([name], f"{name} must be less than or equal to 2147483647", cast)]
        return cast, failures


@variant("datetime-sub-millisecond-truncated-down", "entity validator",
         "a datetime's sub-millisecond part is cut toward the past, not toward 1970 as a JavaScript Date",
         kills="BV-014")
def _(mp: MP) -> None:
    def to_millisecond(value: Any) -> Any:
        return value.replace(microsecond=value.microsecond - value.microsecond % 1000)

    replace(mp, validation, "_to_millisecond", to_millisecond)


@variant("json-boolean-stored-as-integer", "query engine",
         "a json attribute holding a bare boolean is written as 1 or 0 (what Strapi 5.54.0 does on SQLite)",
         kills="BV-019")
def _(mp: MP) -> None:
    @wrap(mp, EntityQuery, "_row_values")
    def _row_values(original: Any, self: EntityQuery, data: dict[str, Any]) -> Any:
        data = {k: int(v) if isinstance(v, bool) and (self.ct.attributes.get(k) or {}).get("type") == "json" else v
                for k, v in data.items()}
        return original(self, data)


# -- bodies: JSON parsing and keys, as real Strapi answers traffic nobody wrote a scenario for ------------


@variant("json-syntax-message-pythons", "body parser",
         "a body that is not JSON answers Python's json message instead of V8's JSON.parse one",
         kills="BV-024")
def _(mp: MP) -> None:
    replace(mp, v8_json, "parse_error_message", lambda text: None)


@variant("zone-component-key-after-nested-value", "body keys",
         "a dynamic zone entry's __component after a nested component value is an unknown key "
         "(what Strapi 5.54.0's body traversal does)",
         kills="BV-023")
def _(mp: MP) -> None:
    @wrap(mp, validation, "_check_component_keys")
    def check(original: Any, comp: ContentType, entry: dict[str, Any], path: str, types: Any, components: Any,
              extra: tuple[str, ...] = ()) -> Any:
        nested = False
        for key, value in entry.items():
            if key == "__component" and nested and "__component" in extra:
                raise validation.invalid_key(key, path)
            kind = (comp.attributes.get(key) or {}).get("type")
            nested = nested or (value is not None and kind in ("component", "relation", "media"))
        return original(comp, entry, path, types, components, extra)


@variant("json-integers-exact", "body parser",
         "a JSON integer past 2^53 is kept exact (Python's int), not read as the double JavaScript holds",
         kills="BV-025")
def _(mp: MP) -> None:
    from reference_impl.middlewares import body

    replace(mp, body, "_js_integer", int)


@variant("length-in-code-points", "entity validator",
         "minLength and maxLength count code points, not JavaScript's UTF-16 code units",
         kills="BV-026")
def _(mp: MP) -> None:
    replace(mp, validation, "js_length", len)


@variant("i18n-update-validates-before-404", "i18n",
         "an update of a localized document that exists in no locale validates its values before the 404",
         kills="BV-027")
def _(mp: MP) -> None:
    @wrap(mp, DocumentRepository, "update")
    async def update(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        result = await original(self, params)
        if result is None and i18n.is_localized(self.ct) and isinstance(params.get("data"), dict):
            await self._validate_values(params["data"], False)
        return result


@variant("components-values-unvalidated", "entity validator",
         "the values inside components and dynamic zone entries are not validated (only written)",
         kills="BV-028")
def _(mp: MP) -> None:
    @wrap(mp, validation, "nested_failures")
    def nested(original: Any, attr: dict[str, Any], value: Any, label: str, path: list[str], components: Any) -> Any:
        return value, []


@variant("zone-component-checked-against-zone-only", "entity validator",
         "an unknown __component is refused naming only the zone's components, with no relation-store failure",
         kills="BV-029")
def _(mp: MP) -> None:
    replace(mp, validation, "component_order", lambda components: ["blocks.hero", "blocks.quote"])
    replace(mp, validation, "zone_relations_problem", lambda ct, data, models: None)


@variant("components-foreign-ids-ignored", "components",
         "an update's component entry with an id the document does not hold makes a new component",
         kills="BV-030")
def _(mp: MP) -> None:
    @wrap(mp, components, "write")
    def write(original: Any, conn: Any, db: Any, owner: Any, row_id: int, values: dict[str, Any],
              creating: bool = False) -> Any:
        return original(conn, db, owner, row_id, values, creating=True) if not creating else \
            original(conn, db, owner, row_id, values, creating=creating)


@variant("relations-to-one-keeps-first", "relations",
         "a to-one relation set to several entries keeps the first, not the last",
         kills="BV-031")
def _(mp: MP) -> None:
    @wrap(mp, query, "apply_relation")  # the Query Engine's name for relations.apply
    def apply(original: Any, conn: Any, ct: ContentType, name: str, row_id: int, write: Any) -> Any:
        if not relations.is_many(ct.attributes[name]) and write.set and len(write.set) > 1:
            write.set = write.set[:1]
        return original(conn, ct, name, row_id, write)


@variant("components-list-failures-in-index-order", "entity validator",
         "a list's component failures are reported in the list's order, not as yup completes them",
         kills="BV-028")
def _(mp: MP) -> None:
    replace(mp, validation, "_depth", lambda comp, entry, components, zone=False: 0)


@variant("find-one-document-id-filter-kept", "Document Service",
         "a top-level documentId filter is ANDed with the path's documentId on findOne and delete instead of replaced",
         kills="QV-028")
def _(mp: MP) -> None:
    replace(mp, documents, "_without_document_id", lambda where: where)
