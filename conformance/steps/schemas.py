"""The fixture's content types as the harness sees them: used to type the values of data tables."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..fixture import CONTENT_TYPES_DIR


@cache
def content_types() -> dict[str, dict[str, Any]]:
    """plural name (and singular name) → schema."""
    out: dict[str, dict[str, Any]] = {}
    for path in CONTENT_TYPES_DIR.glob("*/*/schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        info = schema["info"]
        schema["uid"] = f"api::{path.parent.parent.name}.{info['singularName']}"
        out[info["pluralName"]] = schema
        out[info["singularName"]] = schema
    return out


def typed(schema: dict[str, Any], name: str, text: str) -> Any:
    """A table cell → the JSON value the attribute takes (empty cell: leave the attribute out)."""
    attr = schema["attributes"].get(name, {})
    kind = attr.get("type")
    if text == "null":
        return None
    if kind in ("integer", "biginteger"):
        return int(text)
    if kind in ("decimal", "float"):
        return float(text)
    if kind == "boolean":
        return text.lower() == "true"
    if kind == "json":
        return json.loads(text)
    return text
