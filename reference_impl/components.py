"""Components and dynamic zones: schemas read from ``src/components/<category>/<name>.json``, their
tables, their writes (Query Engine) and their population.

Strapi 5's layout: one table per component (``collectionName``: an ``id`` and the component's own
attributes), and one join table per owner that has component or dynamic-zone attributes,
``<owner table>_cmps`` (``entity_id``, ``cmp_id``, ``component_type``, ``field``, ``order``).  An
owner is a content type or, for nested components, a component.  Writing a component attribute
keeps the entries that name one of its components by id (updating what they name), creates the
others and deletes the rest; a component is never shared between owners.

On the way out a component entry is ``{id, ...attributes}`` and a dynamic-zone entry adds
``__component`` (the component's uid).  Neither has a documentId nor timestamps.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import ApplicationError, HttpError, ValidationError
from .schema import ContentType, column_type, snake
from .validation import js_string
from .where import cast_value

if TYPE_CHECKING:
    from .query import Database

COMPONENT_TYPES = ("component", "dynamiczone")


class Component(ContentType):
    """A component schema: a content type without documentId, timestamps nor routes."""

    cmps: sa.Table | None = None

    @classmethod
    def from_component_file(cls, path: Path, category: str) -> Component:
        raw = json.loads(path.read_text(encoding="utf-8"))
        name = path.stem
        info = raw.get("info", {})
        return cls(
            uid=f"{category}.{name}",
            api_name=category,
            kind="component",
            singular_name=name,
            plural_name=name,
            display_name=info.get("displayName", name),
            collection_name=raw.get("collectionName") or f"components_{snake(category)}_{snake(name)}s",
            draft_and_publish=False,
            attributes=raw.get("attributes", {}),
            options=raw.get("options", {}),
        )

    @cached_property
    def _readable(self) -> tuple[str, ...]:
        return ("id", *(k for k in self.scalar_attributes() if k not in self.private_fields))


def load_components(folder: Path) -> dict[str, Component]:
    """Every ``<category>/<name>.json`` under ``folder`` (``src/components``), by uid."""
    out: dict[str, Component] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*/*.json")):
        try:
            component = Component.from_component_file(path, path.parent.name)
        except ValueError as exc:
            raise ValueError(f"{path.parent.name}/{path.name}: {exc}") from exc
        out[component.uid] = component
    return out


def unknown_components(owner: ContentType, components: dict[str, Component]) -> list[tuple[str, str]]:
    """(attribute, component uid) for each component ``owner`` names that is not in ``components``."""
    out = []
    for name, attr in component_attributes(owner).items():
        for uid in [attr.get("component")] if attr["type"] == "component" else attr.get("components", []):
            if uid not in components:
                out.append((name, str(uid)))
    return out


def component_attributes(owner: ContentType) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in owner.attributes.items() if v.get("type") in COMPONENT_TYPES}


def cmps_table(owner: ContentType) -> sa.Table | None:
    """The join table of ``owner``'s component attributes (None when it has none)."""
    return owner.links.get("__cmps")


def build_component_tables(metadata: sa.MetaData, types: dict[str, ContentType],
                           components: dict[str, Component]) -> None:
    """The table of every component, and the ``_cmps`` join table of every owner that needs one."""
    for component in components.values():
        columns: list[sa.Column[Any]] = [sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)]
        component.columns = {"id": "id"}
        for name, attr in component.scalar_attributes().items():
            component.columns[name] = snake(name)
            columns.append(sa.Column(snake(name), column_type(attr)))
        component.table = sa.Table(component.collection_name, metadata, *columns, sqlite_autoincrement=True)
    for owner in [*types.values(), *components.values()]:
        if not component_attributes(owner):
            continue
        for name, uid in unknown_components(owner, components):
            raise ValueError(f"attribute {name} of {owner.uid}: unknown component {uid}")
        owner.links["__cmps"] = sa.Table(
            f"{owner.collection_name}_cmps",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("entity_id", sa.Integer, index=True),
            sa.Column("cmp_id", sa.Integer),
            sa.Column("component_type", sa.String(255)),
            sa.Column("field", sa.String(255)),
            sa.Column("order", sa.Float),
            sqlite_autoincrement=True,
        )


# -- writes -------------------------------------------------------------------------------------------
def _items(owner: ContentType, name: str, attr: dict[str, Any], value: Any) -> list[tuple[str, dict[str, Any]]]:
    """A component attribute's value → (component uid, data) pairs, in order."""
    if value is None:
        return []
    if attr["type"] == "dynamiczone":
        if not isinstance(value, list):
            raise ValidationError(f"{name} must be a `array` type")
        out = []
        for i, item in enumerate(value):
            uid = item.get("__component") if isinstance(item, dict) else None
            if not isinstance(uid, str):
                raise ValidationError(f"{name}[{i}].__component is a required field")
            if uid not in attr.get("components", []):
                raise ValidationError(f"{name}[{i}].__component must be one of: {', '.join(attr.get('components', []))}")
            out.append((uid, {k: v for k, v in item.items() if k != "__component"}))
        return out
    if attr.get("repeatable"):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValidationError(f"{name} must be a `array` type")
        return [(attr["component"], v) for v in value]
    if not isinstance(value, dict):
        raise ValidationError(f"{name} must be a `object` type")
    return [(attr["component"], value)]


def _row_values(component: Component, data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        attr = component.attributes.get(key)
        if attr is None or key == "id":
            continue
        if attr.get("type") in ("json", "blocks"):
            values[component.columns[key]] = value
        elif key in component.columns:
            values[component.columns[key]] = cast_value(attr["type"], value)
    return values


def _nested(component: Component, data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in component_attributes(component)}


def _insert(conn: Connection, db: Database, component: Component, data: dict[str, Any]) -> int:
    """A new component row (an ``id`` in ``data`` is ignored, as Strapi's createComponent omits it)."""
    assert component.table is not None
    row_id = conn.execute(sa.insert(component.table).values(**_row_values(component, data))).inserted_primary_key
    assert row_id is not None
    write(conn, db, component, int(row_id[0]), _nested(component, data), creating=True)
    return int(row_id[0])


def _update(conn: Connection, db: Database, component: Component, cmp_id: int, data: dict[str, Any]) -> int:
    """An existing component row: the attributes ``data`` names change, the others are kept."""
    assert component.table is not None
    values = _row_values(component, data)
    if values:
        conn.execute(sa.update(component.table).where(component.table.c.id == cmp_id).values(**values))
    write(conn, db, component, cmp_id, _nested(component, data))
    return cmp_id


def _id_text(value: Any) -> str:
    """``${id}``: how Strapi compares a kept component's id with the ones the entry holds."""
    return js_string(value)


def delete(conn: Connection, db: Database, owner: ContentType, ids: list[int], fields: list[str] | None = None) -> None:
    """Delete the components ``owner``'s rows ``ids`` hold (only in ``fields`` when given), nested ones too."""
    table = cmps_table(owner)
    if table is None or not ids:
        return
    where: sa.ColumnElement[bool] = table.c.entity_id.in_(ids)
    if fields is not None:
        where = sa.and_(where, table.c.field.in_(fields))
    held: dict[str, list[int]] = {}
    for cmp_id, uid in conn.execute(sa.select(table.c.cmp_id, table.c.component_type).where(where)):
        held.setdefault(uid, []).append(cmp_id)
    conn.execute(sa.delete(table).where(where))
    for uid, cmp_ids in held.items():
        component = db.components[uid]
        assert component.table is not None
        delete(conn, db, component, cmp_ids)
        conn.execute(sa.delete(component.table).where(component.table.c.id.in_(cmp_ids)))


def write(conn: Connection, db: Database, owner: ContentType, row_id: int, values: dict[str, Any],
          creating: bool = False) -> None:
    """Write the component attributes named in ``values`` for ``owner``'s row ``row_id``, as Strapi's
    Document Service does: a create makes new components (ids given are ignored); an update keeps
    the entries that name one of the attribute's current components by ``id`` (updating the
    attributes they name), creates the others and deletes the components no entry names. An id
    that is not one of them is a 400, before anything is written."""
    table = cmps_table(owner)
    if table is None or not values:
        return
    attrs = component_attributes(owner)
    for name in [n for n in attrs if n in values]:  # in the schema's order, as Strapi checks them
        attr, value = attrs[name], values[name]
        items = _items(owner, name, attr, value)
        held = [] if creating else conn.execute(
            sa.select(table.c.cmp_id, table.c.component_type)
            .where(table.c.entity_id == row_id, table.c.field == name).order_by(table.c.order, table.c.id)).all()
        current = {(str(cmp_id), uid if attr["type"] == "dynamiczone" else None): int(cmp_id) for cmp_id, uid in held}
        kept: dict[int, tuple[str, dict[str, Any]]] = {}
        for index, (uid, data) in enumerate(items):
            if creating or "id" not in data:
                continue
            key = (_id_text(data["id"]), uid if attr["type"] == "dynamiczone" else None)
            if key not in current:
                message = f"Some of the provided components in {name} are not related to the entity"
                if attr["type"] == "dynamiczone":
                    raise HttpError(400, message, name="Error")  # Strapi throws a plain Error, status 400
                raise ApplicationError(message)
            kept[index] = (uid, {**data, "id": current[key]})
        gone = [cmp_id for cmp_id in current.values() if cmp_id not in {d["id"] for _, d in kept.values()}]
        for uid in {u for _, u in held}:
            ids = [c for c, u in held if u == uid and int(c) in gone]
            if ids:
                component = db.components[uid]
                assert component.table is not None
                delete(conn, db, component, ids)
                conn.execute(sa.delete(component.table).where(component.table.c.id.in_(ids)))
        conn.execute(sa.delete(table).where(table.c.entity_id == row_id, table.c.field == name))
        for order, (uid, data) in enumerate(items, start=1):
            component = db.components[uid]
            cmp_id = _update(conn, db, component, kept[order - 1][1]["id"], data) if order - 1 in kept \
                else _insert(conn, db, component, data)
            conn.execute(sa.insert(table).values(entity_id=row_id, cmp_id=cmp_id, component_type=uid,
                                                 field=name, order=order))


# -- reads --------------------------------------------------------------------------------------------
def populate(conn: Connection, db: Database, owner: ContentType, rows: list[dict[str, Any]], name: str,
             sub: Any) -> None:
    """Attach component attribute ``name`` to ``rows``: ``sub`` is True, Query Engine params
    (``select``, ``populate``), or for a dynamic zone ``{"on": {uid: params}}`` (only those
    components) or params for every component."""
    attr = owner.attributes[name]
    table = cmps_table(owner)
    many = attr["type"] == "dynamiczone" or bool(attr.get("repeatable"))
    grouped: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if table is not None and rows:
        sub = sub if isinstance(sub, dict) else {}
        fragments = sub.get("on") if attr["type"] == "dynamiczone" else None
        links = conn.execute(
            sa.select(table.c.entity_id, table.c.cmp_id, table.c.component_type)
            .where(table.c.entity_id.in_(list(grouped)), table.c.field == name)
            .order_by(table.c.order, table.c.id)
        ).all()
        wanted: dict[str, Any] = {}
        for _, _, uid in links:
            if fragments is None:
                wanted.setdefault(uid, sub)
            elif uid in fragments:
                wanted.setdefault(uid, fragments[uid] if isinstance(fragments[uid], dict) else {})
        found: dict[tuple[str, int], dict[str, Any]] = {}
        for uid, params in wanted.items():
            ids = [cmp_id for _, cmp_id, u in links if u == uid]
            for entry in _read(conn, db, db.components[uid], ids, params):
                if attr["type"] == "dynamiczone":
                    entry["__component"] = uid
                found[(uid, entry["id"])] = entry
        for entity_id, cmp_id, uid in links:
            held = found.get((uid, cmp_id))
            if held is not None:
                grouped[entity_id].append(held)
    for row in rows:
        items = grouped[row["id"]]
        row[name] = items if many else (items[0] if items else None)


def _read(conn: Connection, db: Database, component: Component, ids: list[int], params: dict[str, Any]) -> list[dict[str, Any]]:
    assert component.table is not None
    select = params.get("select")
    names = [n for n in component.columns if not select or n == "id" or n in select]
    stmt = sa.select(*(component.table.c[component.columns[n]].label(n) for n in names)).where(
        component.table.c.id.in_(ids))
    from .query import column_value, needs_conversion  # here: the query engine imports this module

    convert = [needs_conversion(component.table.c[component.columns[n]]) for n in names]
    entries = [{n: column_value(v) if c else v for n, v, c in zip(names, row, convert, strict=True)}
               for row in conn.execute(stmt)]
    for nested, nested_sub in (params.get("populate") or {}).items():
        if component.attributes.get(nested, {}).get("type") in COMPONENT_TYPES:
            populate(conn, db, component, entries, nested, nested_sub)
    return entries
