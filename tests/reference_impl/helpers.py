"""Code the test projects import: a layer that throws on request, and a per-app event log.

A project file does ``from tests.reference_impl.helpers import ...``: the repository root is on
``sys.path`` under pytest, so the test projects stay tiny.
"""

from __future__ import annotations

from typing import Any

from reference_impl.context import RequestContext
from reference_impl.errors import ERROR_CLASSES


def maybe_raise(layer: str) -> None:
    """Raise ``?error=<ClassName>&message=..&details[..]=..`` when the request says ``?where=<layer>``."""
    ctx = RequestContext.get()
    if ctx is None or ctx.query.get("where") != layer:
        return
    name = ctx.query.get("error", "Error")
    cls = ERROR_CLASSES.get(name)
    if cls is None:
        raise RuntimeError(ctx.query.get("message") or "plain error")
    raise cls(ctx.query.get("message"), ctx.query.get("details"))


def log(strapi: Any, item: Any) -> None:
    """Append to ``strapi.test_log`` (created on first use), which the test reads back."""
    strapi.__dict__.setdefault("test_log", []).append(item)


def logged(strapi: Any) -> list[Any]:
    return list(strapi.__dict__.get("test_log", []))


# For code that is given no strapi (a content type's lifecycles module): one list per process,
# which a test clears first (tests in one process run one at a time).
RECORDS: list[Any] = []


def record(item: Any) -> None:
    RECORDS.append(item)
