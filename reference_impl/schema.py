"""Content types read from Strapi's own ``schema.json`` format, and the SQL tables behind them.

Tables follow Strapi v5's layout: one row per document version (draft and published rows share a
``document_id``), timestamps and ``published_at`` on every type, and one link table per owning
relation attribute (``<table>_<attribute>_lnk``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SCALAR_TYPES = {
    "string",
    "text",
    "richtext",
    "email",
    "uid",
    "password",
    "enumeration",
    "integer",
    "biginteger",
    "float",
    "decimal",
    "boolean",
    "date",
    "time",
    "datetime",
    "timestamp",
    "json",
    "blocks",
}
SYSTEM_FIELDS = ("id", "documentId", "createdAt", "updatedAt", "publishedAt")
# Kinds stored in link tables: a media attribute is a one-way relation to the upload plugin's files
# (``reference_impl.upload`` gives it its target and cardinality when the project loads).
RELATIONAL_TYPES = ("relation", "media")


def snake(name: str) -> str:
    """``publishedAt`` → ``published_at``; also turns dashes into underscores."""
    out = []
    for ch in name.replace("-", "_"):
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out).lstrip("_")


def column_type(attr: dict[str, Any]) -> sa.types.TypeEngine[Any]:
    kind = attr["type"]
    if kind == "integer":
        # 64 bits on PostgreSQL too (SQLite's INTEGER is): Strapi on SQLite keeps integers past 32 bits.
        return sa.Integer().with_variant(sa.BigInteger(), "postgresql")
    if kind == "biginteger":
        return sa.BigInteger()
    if kind in ("float",):
        return sa.Float()
    if kind == "decimal":
        return sa.Numeric(asdecimal=False)
    if kind == "boolean":
        return sa.Boolean()
    if kind in ("datetime", "timestamp"):
        return sa.DateTime()
    if kind == "date":
        return sa.Date()
    if kind == "time":
        return sa.Time()
    if kind in ("json", "blocks"):
        return sa.JSON()
    if kind in ("text", "richtext"):
        return sa.Text()
    return sa.String(255)


@dataclass
class ContentType:
    """A content type: its uid, kind, names and attributes, as ``schema.json`` declares them."""

    uid: str
    api_name: str
    kind: str
    singular_name: str
    plural_name: str
    display_name: str
    collection_name: str
    draft_and_publish: bool
    attributes: dict[str, dict[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)
    plugin_options: dict[str, Any] = field(default_factory=dict)  # pluginOptions (i18n: see reference_impl.i18n)
    table: sa.Table | None = None
    links: dict[str, sa.Table] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path, api_name: str) -> ContentType:
        raw = json.loads(path.read_text(encoding="utf-8"))
        info = raw.get("info", {})
        singular = info["singularName"]
        options = raw.get("options", {})
        return cls(
            uid=f"api::{api_name}.{singular}",
            api_name=api_name,
            kind=raw.get("kind", "collectionType"),
            singular_name=singular,
            plural_name=info.get("pluralName", singular + "s"),
            display_name=info.get("displayName", singular),
            collection_name=raw.get("collectionName") or snake(info.get("pluralName", singular + "s")),
            draft_and_publish=bool(options.get("draftAndPublish", False)),
            attributes=raw.get("attributes", {}),
            options=options,
            plugin_options=raw.get("pluginOptions") or {},
        )

    @property
    def is_single(self) -> bool:
        return self.kind == "singleType"

    def scalar_attributes(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.attributes.items() if v.get("type") in SCALAR_TYPES}

    def relation_attributes(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.attributes.items() if v.get("type") in RELATIONAL_TYPES}

    @cached_property
    def private_fields(self) -> frozenset[str]:
        """Private and password attributes (a schema does not change once loaded)."""
        return frozenset(k for k, a in self.attributes.items() if a.get("private") or a.get("type") == "password")

    @cached_property
    def relation_targets(self) -> dict[str, str]:
        """Relation attribute → target uid (read for every entry a response sanitizes)."""
        return {k: v["target"] for k, v in self.attributes.items() if v.get("type") in RELATIONAL_TYPES}

    def is_private(self, name: str) -> bool:
        return name in self.private_fields

    @cached_property
    def _readable(self) -> tuple[str, ...]:
        return (*SYSTEM_FIELDS, *(k for k in self.scalar_attributes() if k not in self.private_fields))

    def readable_fields(self) -> tuple[str, ...]:
        """Attributes that can be filtered, sorted and selected: system fields plus public scalars."""
        return self._readable


def build_tables(metadata: sa.MetaData, types: dict[str, ContentType]) -> None:
    """Create the ``sa.Table`` of every content type, then its relation link tables."""
    for ct in types.values():
        columns: list[sa.Column[Any]] = [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("document_id", sa.String(64), index=True, nullable=False),
        ]
        ct.columns = {"id": "id", "documentId": "document_id"}
        for name, attr in ct.scalar_attributes().items():
            col = snake(name)
            ct.columns[name] = col
            columns.append(sa.Column(col, column_type(attr)))
        for name, col in (("createdAt", "created_at"), ("updatedAt", "updated_at"), ("publishedAt", "published_at")):
            ct.columns[name] = col
            columns.append(sa.Column(col, sa.DateTime, nullable=True))
        # AUTOINCREMENT on SQLite, as knex's increments(): a deleted row's id is never given again.
        ct.table = sa.Table(ct.collection_name, metadata, *columns, sqlite_autoincrement=True)
    for ct in types.values():
        for name, attr in ct.relation_attributes().items():
            if attr.get("mappedBy"):
                continue  # the owning side holds the link table
            target = types[attr["target"]]
            own_col = f"{snake(ct.singular_name)}_id"
            target_col = f"inv_{snake(target.singular_name)}_id" if target is ct else f"{snake(target.singular_name)}_id"
            link = sa.Table(
                f"{ct.collection_name}_{snake(name)}_lnk",
                metadata,
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column(own_col, sa.Integer, index=True),
                sa.Column(target_col, sa.Integer, index=True),
                sa.Column("ord", sa.Float),
                # The owner's position in the target's list (the inverse side of a bidirectional relation).
                sa.Column("inv_ord", sa.Float),
                sqlite_autoincrement=True,
            )
            ct.links[name] = link
    for ct in types.values():
        for name, attr in ct.relation_attributes().items():
            mapped_by = attr.get("mappedBy")
            if mapped_by:
                ct.links[name] = types[attr["target"]].links[mapped_by]


def link_columns(ct: ContentType, attr_name: str) -> tuple[str, str]:
    """For relation ``attr_name`` of ``ct``: (column holding ct's row id, column holding the target row id)."""
    attr = ct.attributes[attr_name]
    link = ct.links[attr_name]
    cols = [c.name for c in link.columns if c.name not in ("id", "ord", "inv_ord")]
    if attr.get("mappedBy"):
        return cols[1], cols[0]
    return cols[0], cols[1]
