"""Traces (``X-Conformance-Trace``): parsing, ordered-subsequence matching and an aligned diff.

A marker is ``stage:name:phase[=detail]``.  An expected marker matches an actual one when they are
equal, or when the expected marker is a glob pattern (``controller:*:in``) that matches it.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from .fixture import facts

TRACE_HEADER = facts.TRACE_HEADER.lower()


def parse(header: str | None) -> list[str]:
    return header.split() if header else []


def matches(expected: str, actual: str) -> bool:
    if any(ch in expected for ch in "*?["):
        return fnmatchcase(actual, expected)
    return expected == actual


def find_subsequence(expected: list[str], actual: list[str]) -> tuple[list[int], int | None]:
    """Greedy match of ``expected`` as an ordered subsequence of ``actual``.

    Returns the matched positions and the index in ``expected`` of the first marker that could not
    be matched (None when all matched).
    """
    positions: list[int] = []
    start = 0
    for i, want in enumerate(expected):
        for j in range(start, len(actual)):
            if matches(want, actual[j]):
                positions.append(j)
                start = j + 1
                break
        else:
            return positions, i
    return positions, None


def aligned_diff(expected: list[str], actual: list[str]) -> str:
    """Two columns: the actual trace, with each expected marker beside the actual one it matched and
    the first unmatched expected marker shown where the search for it began."""
    positions, missing = find_subsequence(expected, actual)
    by_position = {pos: expected[i] for i, pos in enumerate(positions)}
    width = max([len(m) for m in actual] + [len("actual trace")]) + 2
    lines = [f"  {'actual trace'.ljust(width)}expected (in order)"]
    insert_at = (positions[-1] + 1) if positions else 0
    for j, marker in enumerate(actual):
        if missing is not None and j == insert_at:
            lines.append(f"  {''.ljust(width)}✗ {expected[missing]}   <- not found from here on")
        mark = by_position.get(j)
        lines.append(f"  {marker.ljust(width)}{'✓ ' + mark if mark else ''}")
    if missing is not None and insert_at >= len(actual):
        lines.append(f"  {''.ljust(width)}✗ {expected[missing]}   <- not found from here on")
    if missing is not None and missing + 1 < len(expected):
        lines.append(f"  (not checked after the first miss: {' '.join(expected[missing + 1:])})")
    if not actual:
        lines.append("  (the trace is empty)")
    return "\n".join(lines)
