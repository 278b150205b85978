"""Relation writes: ``connect``, ``disconnect`` and ``set``, with ``before``/``after``/``start``/``end``
positions, and the order relations are read back in — what Strapi 5's entity manager does.

Two layers take part, as in Strapi.  The Document Service turns what a request names (documentIds,
ids, ``{documentId, position}`` objects, bare values, lists) into a :class:`RelationWrite` on row ids
(:func:`parse`); the Query Engine applies it to the link table (:func:`apply`).

A link table row keeps two orders: ``ord``, the target's place in the owner's list (the side that
declares ``inversedBy``, or a one-way relation), and ``inv_ord``, the owner's place in the target's
list (the ``mappedBy`` side).  A side's list is written with its own order column; a link added from
one side goes to the end of the other side's list.  A bidirectional relation whose other side holds
one entry (``oneToOne``, and ``oneToMany`` seen from its ``mappedBy`` side) moves a connected entry
away from its previous owner; one-way relations never do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import ValidationError
from .schema import ContentType, link_columns

Position = dict[str, Any]
# Resolves a reference (documentId, id or {documentId|id, ...}) to a row id; None: no such document.
Resolver = Callable[[Any], Awaitable[int | None]]
POSITION_KEYS = ("before", "after", "start", "end")


@dataclass
class RelationWrite:
    """What to do to one relation attribute of one row: a full ``set``, or a partial update."""

    set: list[int] | None = None
    connect: list[tuple[int, Position | None]] = field(default_factory=list)
    disconnect: list[int] = field(default_factory=list)
    # What Strapi's entity validator sees of the value (documentIds turned into ids), how many of its
    # ids name no row, and whether it names an empty documentId ("Invalid relations").
    shown: Any = None
    missing: int = 0
    invalid: bool = False


def is_many(attr: dict[str, Any]) -> bool:
    """Whether this side of the relation holds a list."""
    return str(attr.get("relation", "")).endswith("ToMany")


def _refs(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# A text that JavaScript's parseInt reads a number from is an id for Strapi 5.54.0 ("5", "07", "3:x").
_LOOKS_NUMERIC = re.compile(r"^\s*[+-]?\d")


def _as_id(key: Any) -> int | None:
    """The row id a reference names, as the database compares it (``"07"`` is 7); None for none."""
    if isinstance(key, bool):
        return None
    if isinstance(key, str):
        try:
            key = float(key.strip())
        except ValueError:
            return None
    if isinstance(key, float):
        if not key.is_integer():
            return None
        key = int(key)
    return key if isinstance(key, int) and abs(key) < 2**63 else None


def _ref_key(ref: Any) -> Any:
    return ref.get("documentId", ref.get("id")) if isinstance(ref, dict) else ref


async def parse(value: Any, resolve: Resolver, not_found: Callable[[Any], Exception],
                default_locale: str | None = None) -> RelationWrite:
    """A relation value from a request body → a :class:`RelationWrite` on row ids.

    A bare reference or a list of references is a ``set``; an object takes ``set``, or ``connect``
    and ``disconnect`` (``set`` wins over the two when all are sent, as on Strapi).  As in Strapi 5.54.0,
    a documentId is looked up at once (a missing one is ``not_found``), while ids, values that are no
    reference (``true``) and an empty documentId are left to the entity validator: they are counted
    in ``missing`` / ``invalid``; ``null`` and objects naming neither an id nor a documentId are dropped."""
    write = RelationWrite()

    async def item(ref: Any, strict: bool = True) -> dict[str, Any] | None:
        """One reference → what the validator shows of it; its row id joins ``found``."""
        key = _ref_key(ref)
        by_id = isinstance(ref, (int, float)) or (isinstance(ref, dict) and "documentId" not in ref) \
            or (isinstance(ref, str) and _LOOKS_NUMERIC.match(ref) is not None)
        if key is None:
            return None
        if not by_id and key == "":
            write.invalid = True
            return {"documentId": ""}
        if not by_id and isinstance(key, str):
            row = await resolve(key)
            if row is None:
                raise not_found(key)
            found.append(row)
            return {"id": row}
        number = _as_id(key)
        row = await resolve(number) if number is not None else None
        if row is None:
            # An id naming no row: the validator counts it (a disconnect of one is simply nothing).
            write.missing += 1 if strict else 0
            return {"id": key}
        found.append(row)
        return {"id": row}

    found: list[int] = []
    if value is None:
        write.set = []
        return write
    if isinstance(value, bool):
        # The database reads a boolean as the id 1 or 0 (Strapi 5.54.0 on SQLite): shown as sent.
        row = await resolve(int(value))
        write.missing, write.shown, write.set = int(row is None), value, [] if row is None else [row]
        return write
    if isinstance(value, dict) and not ({"set", "connect", "disconnect", "id", "documentId"} & value.keys()):
        write.shown = value  # names nothing: the relation is left as it is
        return write
    if not isinstance(value, dict) or not ({"set", "connect", "disconnect"} & value.keys()):
        # In a list, what is neither a text, a number nor an object is dropped (``[false]`` names nothing).
        refs = [ref for ref in _refs(value) if not isinstance(value, list) or
                (isinstance(ref, (str, int, float, dict)) and not isinstance(ref, bool))]
        shown = [s for s in [await item(ref) for ref in refs] if s is not None]
        write.set, write.shown = found, {"set": shown}
        return write
    if value.get("set") is not None:  # a null set is no set (Strapi's transform skips it)
        shown = [s for s in [await item(ref) for ref in _refs(value["set"])] if s is not None]
        write.set, write.shown = found, {"set": shown}
        return write
    write.shown = {}
    if "disconnect" in value:
        write.shown["disconnect"] = [s for s in [await item(ref, strict=False) for ref in _refs(value["disconnect"])]
                                     if s is not None]
        write.disconnect, found = found, []
    connect_shown: list[Any] = []
    for ref in _refs(value.get("connect")):
        position = ref.get("position") if isinstance(ref, dict) else None
        resolved: Position | None = None
        if isinstance(position, dict):
            resolved = {}
            for key in POSITION_KEYS:
                if key not in position:
                    continue
                target = position[key]
                if key in ("before", "after"):
                    adjacent = await resolve(_ref_key(target))
                    if adjacent is None:
                        raise not_found(_ref_key(target))
                    resolved[key] = adjacent
                else:
                    resolved[key] = target
            if default_locale is not None:
                # Strapi's message shows the position with the locale its transform added.
                resolved["locale"] = default_locale
        before = len(found)
        entry = await item(ref)
        if entry is None:
            continue
        connect_shown.append({**entry, "position": resolved} if resolved is not None else entry)
        if len(found) > before:
            write.connect.append((found[-1], resolved))
    if "connect" in value:
        write.shown["connect"] = connect_shown
    return write


def _position_error(target: int, position: Position, adjacent: Any) -> ValidationError:
    return ValidationError(
        f"There was a problem connecting relation with id {target} at position "
        f"{json.dumps(position, separators=(',', ':'))}. The relation with id {adjacent} needs to be connected first.")


def _ordered(current: list[int], write: RelationWrite) -> list[int]:
    """The list after a partial write: disconnect, then connect each entry at its position (an entry
    already there moves; one without a position goes to the end).  An entry positioned next to one
    connected later in the same list is placed after that one, as Strapi's relations orderer does."""
    out = [t for t in current if t not in set(write.disconnect)]
    pending = {target: position for target, position in write.connect}
    done: set[int] = set()

    def place(target: int, seen: frozenset[int]) -> None:
        if target in done:
            return
        position = pending[target] or {}
        adjacent = position.get("before", position.get("after"))
        if adjacent is not None and adjacent in seen:
            raise ValidationError("A circular reference was found in the connect array. One relation is trying to "
                                  "connect before/after another one that is trying to connect before/after it")
        if adjacent is not None and adjacent not in out and adjacent in pending and adjacent not in done:
            place(adjacent, seen | {target})
        done.add(target)
        if target in out:
            out.remove(target)
        if adjacent is not None:
            if adjacent not in out:
                raise _position_error(target, position, adjacent)
            index = out.index(adjacent)
            out.insert(index if "before" in position else index + 1, target)
        elif position.get("start"):
            out.insert(0, target)
        else:
            out.append(target)

    for target, _position in write.connect:
        place(target, frozenset())
    return out


def apply(conn: Connection, ct: ContentType, name: str, row_id: int, write: RelationWrite) -> None:
    """Write relation ``name`` of row ``row_id`` of ``ct`` in its link table."""
    attr = ct.attributes[name]
    link = ct.links[name]
    own_col, target_col = link_columns(ct, name)
    inverse = bool(attr.get("mappedBy"))
    order_col, other_order = ("inv_ord", "ord") if inverse else ("ord", "inv_ord")
    rows = conn.execute(
        sa.select(link.c.id, link.c[target_col]).where(link.c[own_col] == row_id)
        .order_by(link.c[order_col], link.c.id)
    ).all()
    current = [r[1] for r in rows]
    wanted = list(dict.fromkeys(write.set)) if write.set is not None else _ordered(current, write)
    if not is_many(attr):
        # A to-one relation set to several entries keeps the last one, connected several the first;
        # a single media field keeps the first file either way (Strapi 5.54.0).
        if write.set is None and write.connect:
            wanted = [write.connect[0][0]]
        wanted = wanted[:1] if attr.get("type") == "media" else wanted[-1:]
    keep = set(wanted)
    gone = [r[0] for r in rows if r[1] not in keep]
    if gone:
        conn.execute(sa.delete(link).where(link.c.id.in_(gone)))
    existing = {r[1] for r in rows if r[1] in keep}
    added = [t for t in wanted if t not in existing]
    if added and attr.get("relation") in ("oneToOne", "oneToMany") and (inverse or attr.get("inversedBy")):
        # The other side holds one entry: a connected target leaves its previous owner.
        conn.execute(sa.delete(link).where(link.c[target_col].in_(added)))
    for position, target in enumerate(wanted, start=1):
        if target in existing:
            conn.execute(sa.update(link).where(link.c[own_col] == row_id, link.c[target_col] == target)
                         .values({order_col: position}))
            continue
        last = conn.execute(sa.select(sa.func.max(link.c[other_order])).where(link.c[target_col] == target)).scalar()
        conn.execute(sa.insert(link).values({own_col: row_id, target_col: target, order_col: position,
                                             other_order: (last or 0) + 1}))


def order_column(attr: dict[str, Any]) -> str:
    """The link table column that orders this side's list."""
    return "inv_ord" if attr.get("mappedBy") else "ord"
