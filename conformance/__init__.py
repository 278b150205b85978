"""Conformance suite and harness for Strapi v5-style back-end request flows."""

__version__ = "0.1.0"
SUITE_NAME = "strapi-conformance"

# Before any module of the suite imports httpx: see conformance/lean_imports.py.
from .lean_imports import import_httpx as _import_httpx  # noqa: E402

_import_httpx()
