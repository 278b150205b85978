"""The OpenAPI document the harness fuzzes a target with: the fixture's content API.

Real Strapi has no such document without the documentation plugin, so the harness builds one for any
target from the fixture's ``schema.json`` files and Public role. The generator is
``reference_impl/openapi.py``, the same code that serves the reference implementation's
``/openapi.json``; this module only feeds it the fixture's description.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reference_impl.openapi import (
    ContentTypeSchema,
    attribute_value_schema,
    build_document,
    input_value_schema,
)
from reference_impl.openapi import load_content_types as _load_content_types

from .fixture import COMPONENTS_DIR, CONTENT_TYPES_DIR

__all__ = ["ContentTypeSchema", "attribute_value_schema", "build_document", "fixture_document",
           "input_value_schema", "load_content_types"]


def load_content_types(directory: Path = CONTENT_TYPES_DIR) -> list[ContentTypeSchema]:
    """The fixture's content types (or those of ``directory``), sorted by uid."""
    return _load_content_types(directory)


def fixture_document() -> dict[str, Any]:
    """The document of the conformance fixture: its content types and its Public role."""
    from .fixture.facts import PUBLIC_ACTIONS

    return build_document(load_content_types(), PUBLIC_ACTIONS,
                          description="Generated from the content types' schema.json by the conformance harness.",
                          components=load_components())


def load_components(directory: Path = COMPONENTS_DIR) -> dict[str, dict[str, Any]]:
    """The fixture's components (``<category>/<name>.json``): uid -> attributes."""
    return {f"{path.parent.name}.{path.stem}": json.loads(path.read_text(encoding="utf-8")).get("attributes", {})
            for path in sorted(directory.glob("*/*.json"))}
