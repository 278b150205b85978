"""Then steps about webhooks: deliveries counted exactly, read from the run's receiver by long poll.

Deliveries arrive asynchronously, so every step waits, but never on a fixed sleep: the receiver
answers as soon as a delivery lands. How long "nothing (more) arrives" must hold:

- an absence ("no webhook is received") waits the *window*, ``max(floor, 3 × latency)`` after the
  scenario's write, where the latency is the larger of what the webhooks probe measured
  (conformance/probes.py) and what this scenario's own deliveries took, and the floor is
  ``CONFORMANCE_WEBHOOK_WINDOW_FLOOR_S`` (default 1 s);
- a count, once the expected deliveries are in, waits ``max(floor / 4, 3 × latency)`` after the
  last of them for duplicates, which come from the same machinery and so as fast as the original.

A target that can tell when it has nothing left to do (the in-process reference: no task and no
timer on its event loop, ``quiesce``) is read once it is idle instead: every delivery it will ever
send for the writes so far has then reached the receiver, so no window is needed, and a delivery
held back longer than any window would be counted too.

Each step counts every delivery of the scenario (set-up writes included): a duplicate, or an extra
delivery, fails the step. Deliveries that belong to no scenario are listed in the failure message,
so that a payload the harness could not attribute is seen rather than hidden. A delivery for a
scenario whose wait has passed (a duplicate sent a second later, say) can no longer fail that
scenario: the next webhook step of the same process that reads it fails instead, naming the
scenario it belonged to and how late it was, so that it still fails the run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_bdd import parsers, then

from ..assertions import fail, mismatches
from ..targets.base import TargetError
from ..webhooks import feed
from ..world import HarnessError, World

FLOOR_ENV = "CONFORMANCE_WEBHOOK_WINDOW_FLOOR_S"
DEFAULT_FLOOR_S = 1.0
LATENCY_FACTOR = 3.0
# How long expected deliveries may take to arrive at all (at least the window).
ARRIVAL_TIMEOUT_S = 5.0
# The share of the floor a count waits for duplicates after its last expected delivery.
SETTLE_FRACTION = 0.25
STRAY_SHOWN = 5


def window_floor_s() -> float:
    """The configured floor of the window; a bad value is a TargetError (exit 2)."""
    raw = os.environ.get(FLOOR_ENV)
    if raw is None or raw == "":
        return DEFAULT_FLOOR_S
    try:
        value = float(raw)
    except ValueError:
        raise TargetError(f"{FLOOR_ENV}={raw!r} is not a number of seconds") from None
    if not 0 <= value <= 60:
        raise TargetError(f"{FLOOR_ENV}={raw!r}: the window floor must be between 0 and 60 seconds")
    return value


def window_s(latency_s: float | None, floor_s: float | None = None) -> float:
    floor = window_floor_s() if floor_s is None else floor_s
    return max(floor, LATENCY_FACTOR * (latency_s or 0.0))


@dataclass
class Deliveries:
    """What one scenario has read from the receiver so far."""

    cursor: int
    mine: list[dict[str, Any]] = field(default_factory=list)
    # Deliveries that match no scenario at all (no entry, or an entry without a batch).
    stray: list[dict[str, Any]] = field(default_factory=list)
    others: int = 0  # deliveries of other scenarios' batches, read meanwhile
    settled_for: tuple[float, bool] | None = None  # (the write, absence) whose wait is over
    window_s: float = 0.0
    # Deliveries for scenarios of this process whose window had passed: (delivery, what it was late for).
    late: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    idle: bool = False  # read once the (in-process) target had nothing left to do, not after a window


@dataclass
class _Settled:
    scenario: str
    anchor: float
    window_s: float


# Batches of this process's scenarios whose window passed: any delivery for them now is late.
_settled: dict[str, _Settled] = {}


def _entry(delivery: dict[str, Any]) -> dict[str, Any] | None:
    body = delivery.get("body")
    entry = body.get("entry") if isinstance(body, dict) else None
    return entry if isinstance(entry, dict) else None


def _for_scenario(world: World, delivery: dict[str, Any]) -> bool:
    entry = _entry(delivery)
    return entry is not None and (
        entry.get("batch") == world.batch
        or any(entry.get("documentId") == e.get("documentId") for e in world.aliases.values())
    )


def _state(world: World) -> Deliveries:
    if not world.events_url:
        raise HarnessError("no webhook receiver in this run")
    if world.webhooks_off:
        # Its requests asked for no deliveries: "nothing was received" would prove nothing.
        raise HarnessError("this scenario reads webhooks but is not tagged @needs:webhooks")
    state = world.webhooks
    if state is None:
        state = world.webhooks = Deliveries(world.events_from)
    return state


def _read(world: World, state: Deliveries, wait_s: float) -> None:
    for delivery in feed(world.events_url or "").after(state.cursor, wait_s=wait_s):
        state.cursor = max(state.cursor, int(delivery.get("index", state.cursor)) + 1)
        batch = (_entry(delivery) or {}).get("batch")
        if _for_scenario(world, delivery):
            state.mine.append(delivery)
        elif isinstance(batch, str) and batch in _settled:
            done = _settled[batch]
            after = float(delivery.get("received_at") or 0.0) - done.anchor
            state.late.append((delivery, f"{done.scenario}, {after:.2f} s after its write "
                                         f"(its window: {done.window_s:.2f} s)"))
        elif isinstance(batch, str):
            state.others += 1
        else:
            state.stray.append(delivery)


def collect_deliveries(world: World, enough: Callable[[list[dict[str, Any]]], bool] | None = None) -> Deliveries:
    """The scenario's deliveries once nothing more is to be expected: without ``enough`` (an
    absence) the window after its last write has passed; with it, ``enough`` holds (or the arrival
    timeout passed) and the settle time after the last delivery has passed too."""
    state = _state(world)
    anchor = world.last.started_at if world.last is not None else time.time()
    absence = enough is None
    if state.settled_for in ((anchor, absence), (anchor, True)):
        return state
    floor = window_floor_s() * (1.0 if absence else SETTLE_FRACTION)
    window = window_s(world.target.webhook_latency_s, floor)
    if world.quiesce is not None and world.quiesce(max(ARRIVAL_TIMEOUT_S, window)):
        # An in-process target that has nothing left to do has sent every delivery it ever will
        # for the writes so far: no window to wait, and a delivery held back on a timer counts too.
        _read(world, state, 0.0)
        state.window_s = max(0.0, time.time() - anchor)
        state.idle = True
        state.settled_for = (anchor, absence)
        _settled[world.batch] = _Settled(world.scenario or world.batch, anchor, state.window_s)
        return state
    _read(world, state, 0.0)
    arrival_deadline = time.time() + max(ARRIVAL_TIMEOUT_S, window)
    while True:
        if enough is None or enough(state.mine):
            arrivals = [float(d.get("received_at") or 0.0) for d in state.mine]
            observed = max((a - anchor for a in arrivals), default=0.0)
            state.window_s = max(window, LATENCY_FACTOR * observed)
            since = anchor if absence else max([anchor, *arrivals])
            wait = since + state.window_s - time.time()
            if wait <= 0:
                state.settled_for = (anchor, absence)
                _settled[world.batch] = _Settled(world.scenario or world.batch, anchor, state.window_s)
                return state
        else:
            wait = arrival_deadline - time.time()
            if wait <= 0:
                state.window_s = window
                return state
        _read(world, state, wait)


def _name(world: World, request: pytest.FixtureRequest) -> None:
    mark = request.node.get_closest_marker("scenario_id")
    world.scenario = str(mark.args[0]) if mark else request.node.name


def _check_late(world: World, state: Deliveries) -> None:
    if state.late:
        shown = [f"{(d.get('body') or {}).get('event')} for {what}" for d, what in state.late]
        state.late = []
        fail("webhooks: a delivery arrived after its scenario's window had passed: " + "; ".join(shown), world)


def _events(found: list[dict[str, Any]]) -> list[str]:
    return [str((d.get("body") or {}).get("event")) for d in found]


def _received(state: Deliveries) -> str:
    """What arrived, for failure messages: this scenario's deliveries and the unattributed ones."""
    waited = (f"read once the target had nothing left to send, {state.window_s:.2f} s after the write"
              if state.idle else f"waited {state.window_s:.2f} s for more")
    text = f"received {_events(state.mine)} ({waited})"
    if state.stray:
        shown = [json.dumps(d.get("body"), separators=(",", ":"))[:200] for d in state.stray[:STRAY_SHOWN]]
        more = f" (and {len(state.stray) - STRAY_SHOWN} more)" if len(state.stray) > STRAY_SHOWN else ""
        text += f"; {len(state.stray)} delivery(ies) matching no scenario{more}: " + " | ".join(shown)
    return text


@then(parsers.re(r'the webhooks received are, (?P<how>in order|in any order): (?P<events>.+)$'))
def webhooks_received(world: World, how: str, events: str, request: pytest.FixtureRequest) -> None:
    """Exactly these deliveries for the scenario. Strapi sends up to five deliveries at once: only
    scenarios with one event per document can ask for an order."""
    expected = [e.strip() for e in events.split(",")]
    _name(world, request)
    state = collect_deliveries(world, lambda found: len(found) >= len(expected))
    _check_late(world, state)
    received = _events(state.mine)
    same = received == expected if how == "in order" else sorted(received) == sorted(expected)
    if not same:
        fail(f"webhooks: expected {expected} ({how}), {_received(state)}", world)


def _exactly_one(world: World, event: str) -> dict[str, Any]:
    state = collect_deliveries(world, lambda found: event in _events(found))
    _check_late(world, state)
    matching = [d for d in state.mine if (d.get("body") or {}).get("event") == event]
    if len(matching) != 1:
        fail(f"webhooks: expected exactly one {event!r} delivery, {_received(state)}", world)
    return matching[0]


@then(parsers.re(r'a webhook "(?P<event>[\w.-]+)" is received$'))
def webhook_received(world: World, event: str, request: pytest.FixtureRequest) -> None:
    """Exactly one delivery of ``event`` for the scenario (a duplicate fails); ``its …`` steps read it."""
    _name(world, request)
    world.selected_delivery = _exactly_one(world, event)


@then(parsers.re(r"no webhook is received$"))
def no_webhook(world: World, request: pytest.FixtureRequest) -> None:
    _name(world, request)
    state = collect_deliveries(world)
    _check_late(world, state)
    if state.mine:
        fail(f"webhooks: expected none, {_received(state)}", world)


@then(parsers.re(r"its body matches:$"))
def delivery_body(world: World, docstring: str) -> None:
    delivery = world.selected_delivery
    if delivery is None:
        raise HarnessError("no webhook delivery was selected by an earlier step")
    problems = mismatches(json.loads(world.substitute(docstring)), delivery.get("body"))
    if problems:
        fail("webhook body: " + problems[0], world, json.dumps(delivery.get("body"))[:1500])


@then(parsers.re(r'its header "(?P<name>[^"]+)" is "(?P<value>[^"]*)"$'))
def delivery_header(world: World, name: str, value: str) -> None:
    delivery = world.selected_delivery
    if delivery is None:
        raise HarnessError("no webhook delivery was selected by an earlier step")
    actual = (delivery.get("headers") or {}).get(name.lower())
    if actual != value:
        fail(f"webhook header {name}: expected {value!r}, got {actual!r}", world)
