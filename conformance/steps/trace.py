"""Then steps about the trace: ordered subsequences and absences (conformance/PROTOCOL.md §4)."""

from __future__ import annotations

from pytest_bdd import parsers, then

from ..assertions import fail
from ..trace import TRACE_HEADER, aligned_diff, find_subsequence, matches
from ..world import World


def _markers(text: str) -> list[str]:
    return [m for line in text.splitlines() for m in line.split() if not m.startswith("#")]


def _require_trace(world: World, what: str) -> None:
    """An absence (or a structure) proves nothing about a trace that was never recorded."""
    if not world.trace:
        header = world.last.response_headers.get(TRACE_HEADER) if world.last else None
        fail(f"trace: header X-Conformance-Trace {'missing' if header is None else 'empty'}, "
             f"cannot prove {what}", world)


@then(parsers.re(r"the trace contains, in order:$"))
def trace_in_order(world: World, docstring: str) -> None:
    expected = _markers(docstring)
    _, missing = find_subsequence(expected, world.trace)
    if missing is not None:
        fail(f"trace: {expected[missing]!r} not found in order", world, aligned_diff(expected, world.trace))


@then(parsers.re(r'the trace contains "(?P<marker>[^"]+)"$'))
def trace_contains(world: World, marker: str) -> None:
    if not any(matches(marker, m) for m in world.trace):
        fail(f"trace: expected a marker {marker!r}", world, aligned_diff([marker], world.trace))


@then(parsers.re(r'the trace does not contain "(?P<marker>[^"]+)"$'))
def trace_lacks(world: World, marker: str) -> None:
    _require_trace(world, "an absence")
    found = [m for m in world.trace if matches(marker, m)]
    if found:
        fail(f"trace: expected no marker {marker!r}, found {found}", world)


@then(parsers.re(r"the trace is exactly:$"))
def trace_exactly(world: World, docstring: str) -> None:
    expected = _markers(docstring)
    if world.trace != expected:
        fail("trace: not the exact sequence expected", world, aligned_diff(expected, world.trace))


@then(parsers.re(r'the trace contains "(?P<marker>[^"]+)" (?P<count>\d+) times?$'))
def trace_count(world: World, marker: str, count: str) -> None:
    if int(count) == 0:
        _require_trace(world, "an absence")
    found = [m for m in world.trace if matches(marker, m)]
    if len(found) != int(count):
        fail(f"trace: expected {count} markers {marker!r}, found {len(found)}", world)


@then("every layer is left in the exact reverse order it was entered")
def trace_nested(world: World) -> None:
    """Upstream runs in exact reverse order: each ``out`` closes the most recent open ``in``."""
    _require_trace(world, "the nesting of layers")
    stack: list[str] = []
    for marker in world.trace:
        head, _, phase = marker.rpartition(":")
        if phase == "in":
            stack.append(head)
        elif phase == "out":
            if not stack or stack[-1] != head:
                fail(f"trace: {marker!r} leaves a layer that is not the innermost open one "
                     f"(open: {' > '.join(stack) or 'none'})", world)
            stack.pop()
    if stack:
        fail(f"trace: layers entered but never left: {' > '.join(stack)}", world)
