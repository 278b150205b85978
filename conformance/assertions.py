"""Assertions that explain themselves: expected vs actual, the HTTP exchange and the trace.

JSON expectations are *subset* matches by default: every key given must match, other keys are
ignored, lists must have the same length.  With ``exact=True`` every object must also have no key
beyond those given (``{}`` means "an empty object", not "an object"): used where the documentation
promises a whole shape.  Both are type-strict: a boolean is never a number, a string never a
number; ``1`` and ``1.0`` are equal (JSON does not tell them apart).  Special strings stand for
kinds of values: ``<any>``, ``<string>``, ``<number>``, ``<integer>``, ``<boolean>``, ``<null>``,
``<object>``, ``<list>``, and ``<absent>`` (the key must not be there).
"""

from __future__ import annotations

import json
from typing import Any

from .world import World

ABSENT = "<absent>"
_KINDS = {
    "<any>": lambda v: True,
    "<string>": lambda v: isinstance(v, str),
    "<number>": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "<integer>": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "<boolean>": lambda v: isinstance(v, bool),
    "<null>": lambda v: v is None,
    "<object>": lambda v: isinstance(v, dict),
    "<list>": lambda v: isinstance(v, list),
}
_MISSING = object()


class ConformanceFailure(AssertionError):
    """A scenario's expectation did not hold; the first line is the short message for reports."""


def fail(summary: str, world: World | None = None, detail: str = "") -> None:
    parts = [summary]
    if detail:
        parts.append(detail)
    if world is not None:
        parts.append(world.explain())
    raise ConformanceFailure("\n".join(parts))


def show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except TypeError:
        return repr(value)


def mismatches(expected: Any, actual: Any, path: str = "$", *, exact: bool = False) -> list[str]:
    """Where ``actual`` does not match the pattern ``expected`` (a subset pattern unless ``exact``)."""
    if isinstance(expected, str) and expected in _KINDS:
        if actual is _MISSING or not _KINDS[expected](actual):
            return [f"{path}: expected {expected}, got {show(actual)}"]
        return []
    if expected == ABSENT:
        return [] if actual is _MISSING else [f"{path}: expected no such key, got {show(actual)}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {show(actual)}"]
        out: list[str] = []
        for key, want in expected.items():
            out += mismatches(want, actual.get(key, _MISSING), f"{path}.{key}", exact=exact)
        if exact:
            out += [f"{path}.{key}: expected no such key, got {show(actual[key])}"
                    for key in actual if key not in expected]
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {show(actual)}"]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items, got {len(actual)}: {show(actual)}"]
        out = []
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            out += mismatches(want, got, f"{path}[{i}]", exact=exact)
        return out
    if actual is _MISSING:
        return [f"{path}: expected {show(expected)}, the key is absent"]
    if type(expected) is not type(actual) and not (
        isinstance(expected, (int, float)) and isinstance(actual, (int, float))
        and not isinstance(expected, bool) and not isinstance(actual, bool)
    ):
        return [f"{path}: expected {show(expected)}, got {show(actual)}"]
    if expected != actual:
        return [f"{path}: expected {show(expected)}, got {show(actual)}"]
    return []


def at_path(document: Any, path: str) -> Any:
    """``data.0.title`` → the value, or the missing marker."""
    current = document
    for part in [p for p in path.split(".") if p]:
        if isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else _MISSING
        elif isinstance(current, dict):
            current = current.get(part, _MISSING)
        else:
            return _MISSING
        if current is _MISSING:
            return _MISSING
    return current


def is_missing(value: Any) -> bool:
    return value is _MISSING
