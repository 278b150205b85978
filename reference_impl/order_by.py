"""The Query Engine's ``orderBy`` (Strapi's ``query/helpers/order-by``): columns of the queried table,
and columns of related entries or components (``author.name``, ``seo.metaTitle``), a "deep sort".

A deep sort joins the relation (or the component) to every row, picks for each entry its first joined
row in the sort's order (NULL last), orders the entries by that row's values, then by id: an
article with the tags red and blue sorts as blue ascending and as red descending; an entry with no
related row sorts as NULL. Strapi does it with ``row_number() over (partition by id …)``; so does
this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .schema import ContentType, link_columns

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.sql.elements import ColumnElement


def order_items(order_by: Any) -> list[tuple[str, str]]:
    """``[{"views": "desc"}, "title", {"author.name": "asc"}]`` → [(path, direction)]."""
    items: list[tuple[str, str]] = []
    for item in order_by or []:
        if isinstance(item, str):
            items.append((item, "asc"))
        else:
            items.extend((name, str(direction).lower()) for name, direction in item.items())
    return items


def is_deep(order_by: Any) -> bool:
    return any("." in path for path, _ in order_items(order_by))


def ordered(column: Any, direction: str) -> Any:
    # NULL sorts as the smallest value, as on SQLite (PostgreSQL's default is the opposite).
    return column.desc().nulls_last() if direction == "desc" else column.asc().nulls_first()


class _Joins:
    """The outer joins a deep sort needs, one per relation or component path."""

    def __init__(self, ct: ContentType, table: Any, types: Mapping[str, ContentType],
                 components: Mapping[str, ContentType]) -> None:
        self.types, self.components = types, components
        self.source: Any = table
        self.done: dict[str, tuple[ContentType, Any]] = {"": (ct, table)}

    def column(self, path: str) -> Any:
        *steps, name = path.split(".")
        at = ""
        ct, table = self.done[""]
        for step in steps:
            here = f"{at}.{step}" if at else step
            if here not in self.done:
                self.done[here] = self._join(ct, table, step)
            ct, table = self.done[here]
            at = here
        return table.c[ct.columns[name]]

    def _join(self, ct: ContentType, table: Any, name: str) -> tuple[ContentType, Any]:
        attr = ct.attributes[name]
        if attr.get("type") == "component":
            component = self.components[attr["component"]]
            link = ct.links["__cmps"].alias()
            target = component.table.alias()  # type: ignore[union-attr]
            self.source = self.source.outerjoin(link, sa.and_(link.c.entity_id == table.c.id, link.c.field == name)) \
                .outerjoin(target, link.c.cmp_id == target.c.id)
            return component, target
        related = self.types[attr["target"]]
        link = ct.links[name].alias()
        own_col, target_col = link_columns(ct, name)
        target = related.table.alias()  # type: ignore[union-attr]
        self.source = self.source.outerjoin(link, link.c[own_col] == table.c.id) \
            .outerjoin(target, link.c[target_col] == target.c.id)
        return related, target


def deep_sorted(ct: ContentType, table: Any, columns: list[Any], where: ColumnElement[bool], order_by: Any,
                types: Mapping[str, ContentType], components: Mapping[str, ContentType]) -> Any:
    """``SELECT columns FROM table WHERE where`` ordered by ``order_by``, whose paths reach related
    entries or components; then by id. Limit and offset apply to the statement returned."""
    joins = _Joins(ct, table, types, components)
    items = [(f"o{i}", joins.column(path), direction) for i, (path, direction) in enumerate(order_items(order_by))]
    base = sa.select(table.c.id.label("id"), *[col.label(label) for label, col, _ in items]) \
        .select_from(joins.source).where(where).subquery("deep_base")
    first = sa.func.row_number().over(
        partition_by=base.c.id,
        order_by=[(base.c[label].desc() if d == "desc" else base.c[label].asc()).nulls_last() for label, _, d in items],
    ).label("row_number")
    ranked = sa.select(base, first).subquery("deep_ranked")
    return (
        sa.select(*columns)
        .select_from(table.join(ranked, sa.and_(ranked.c.id == table.c.id, ranked.c.row_number == 1)))
        .order_by(*[ordered(ranked.c[label], d) for label, _, d in items], ranked.c.id.asc())
    )
