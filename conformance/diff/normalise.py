"""Normalising answers so that values each target generates on its own compare equal.

Configurable field names (``--id-fields`` and friends): numeric ids become ``<id>``, timestamps
``<timestamp>`` (``null`` stays ``null``: a draft's ``publishedAt`` is a real answer), and every
documentId becomes the name of the step that created it (``<doc:3>``): a documentId returned by a create
on A and on B in the same step of the same sequence is the same logical document. A documentId first
seen elsewhere is named after the step and JSON path it was first seen at, so two lists that name
their documents in a different order still differ. Each sequence's ``batch`` value and the documentIds
it knows are also replaced inside strings (error messages quote them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Placeholders in planned requests, resolved per target: alphanumeric, so that URL and JSON
# encoding leave them intact.
REF_RE = re.compile(r"zzref(\d{3})zz")
BATCH_TOKEN = "zzbatchzz"
# What a reference to a document a target never created is sent as: the same on every target.
MISSING_DOCUMENT = "nosuchdocument0000000000"

MIN_ID_IN_TEXT = 10
DEFAULT_ID_FIELDS = ("id",)
DEFAULT_DOCUMENT_FIELDS = ("documentId",)
DEFAULT_TIMESTAMP_FIELDS = ("createdAt", "updatedAt", "publishedAt")
DEFAULT_HEADERS = ("content-type",)


def ref_token(step: int) -> str:
    """The placeholder for "the documentId that step ``step`` of this sequence created"."""
    return f"zzref{step:03d}zz"


@dataclass(frozen=True)
class Normalisation:
    """Which fields hold values a target generates (compared as placeholders), which headers count."""

    id_fields: frozenset[str] = frozenset(DEFAULT_ID_FIELDS)
    document_fields: frozenset[str] = frozenset(DEFAULT_DOCUMENT_FIELDS)
    timestamp_fields: frozenset[str] = frozenset(DEFAULT_TIMESTAMP_FIELDS)
    headers: tuple[str, ...] = DEFAULT_HEADERS

    def as_json(self) -> dict[str, Any]:
        return {"id_fields": sorted(self.id_fields), "document_fields": sorted(self.document_fields),
                "timestamp_fields": sorted(self.timestamp_fields), "headers": list(self.headers)}


@dataclass
class Symbols:
    """One target's documentIds in one sequence, and the sequence's batch value there."""

    batch: str
    by_step: dict[int, str] = field(default_factory=dict)  # step -> the documentId it created
    names: dict[str, str] = field(default_factory=dict)  # documentId -> its name

    def bind(self, step: int, document_id: str) -> None:
        """``document_id`` is what step ``step`` created."""
        self.by_step.setdefault(step, document_id)
        self.names.setdefault(document_id, f"<doc:{step}>")

    def name(self, document_id: str, step: int, path: str) -> str:
        return self.names.setdefault(document_id, f"<doc:{step}:{path}>")

    def resolve(self, text: str) -> str:
        """A planned request's placeholders, replaced by this target's values."""
        text = text.replace(BATCH_TOKEN, self.batch)
        return REF_RE.sub(lambda m: self.by_step.get(int(m.group(1)), MISSING_DOCUMENT), text)

    def in_text(self, text: str) -> str:
        """Known documentIds and the batch value inside a string, by name."""
        if self.batch and self.batch in text:
            text = text.replace(self.batch, "<batch>")
        for document_id, name in self.names.items():
            # Only ids long enough not to be part of ordinary text (a drawn documentId may be "" or "a").
            if len(document_id) >= MIN_ID_IN_TEXT and document_id in text:
                text = text.replace(document_id, name)
        return text


def normalise(value: Any, symbols: Symbols, step: int, rules: Normalisation, path: str = "") -> Any:
    """``value`` (parsed JSON) with generated values replaced by placeholders and names."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key in rules.document_fields and isinstance(item, str):
                out[key] = symbols.name(item, step, where)
            elif key in rules.id_fields and isinstance(item, (int, str)) and not isinstance(item, bool):
                out[key] = "<id>"
            elif key in rules.timestamp_fields and isinstance(item, str):
                out[key] = "<timestamp>"
            else:
                out[key] = normalise(item, symbols, step, rules, where)
        return out
    if isinstance(value, list):
        return [normalise(item, symbols, step, rules, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, str):
        return symbols.in_text(value)
    return value


def created_document(body: Any, rules: Normalisation) -> str | None:
    """The documentId a write answered with (``data.documentId``), if any."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        for key in rules.document_fields:
            value = data.get(key)
            if isinstance(value, str):
                return value
    return None


def media_type(value: str | None) -> str | None:
    """``application/json; charset=utf-8`` -> ``application/json``: parameters are not compared."""
    return value.split(";", 1)[0].strip().lower() if value else None
