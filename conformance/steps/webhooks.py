"""Then steps about webhooks: deliveries polled from the run's receiver (they arrive asynchronously)."""

from __future__ import annotations

import json
import time
from typing import Any

from pytest_bdd import parsers, then

from ..expect import fail, mismatches
from ..webhooks import fetch_deliveries
from ..world import HarnessError, World

WAIT_S = 5.0


def _for_scenario(world: World, delivery: dict[str, Any]) -> bool:
    body = delivery.get("body")
    entry = body.get("entry") if isinstance(body, dict) else None
    return isinstance(entry, dict) and (
        entry.get("batch") == world.batch
        or any(entry.get("documentId") == e.get("documentId") for e in world.aliases.values())
    )


def _deliveries(world: World, until: Any = None, wait_s: float = WAIT_S) -> list[dict[str, Any]]:
    if not world.events_url:
        raise HarnessError("no webhook receiver in this run")
    deadline = time.monotonic() + wait_s
    while True:
        found = [d for d in fetch_deliveries(world.events_url) if _for_scenario(world, d)]
        if until is None or until(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _events(found: list[dict[str, Any]]) -> list[str]:
    return [str((d.get("body") or {}).get("event")) for d in found]


@then(parsers.re(r'the webhooks received are, (?P<how>in order|in any order): (?P<events>.+)$'))
def webhooks_received(world: World, how: str, events: str) -> None:
    """Strapi sends up to five deliveries at once: only scenarios with one event per document can ask
    for an order."""
    expected = [e.strip() for e in events.split(",")]
    _deliveries(world, lambda f: len(f) >= len(expected))
    time.sleep(0.2)  # late extra deliveries must show up too
    received = _events(_deliveries(world))
    same = received == expected if how == "in order" else sorted(received) == sorted(expected)
    if not same:
        fail(f"webhooks: expected {expected} ({how}), received {received}", world)


@then(parsers.re(r'a webhook "(?P<event>[\w.-]+)" is received$'))
def webhook_received(world: World, event: str) -> None:
    found = _deliveries(world, lambda f: event in _events(f))
    matching = [d for d in found if (d.get("body") or {}).get("event") == event]
    if not matching:
        fail(f"webhooks: expected a {event!r} delivery within {WAIT_S:.0f}s, received {_events(found)}", world)
    world.selected_delivery = matching[0]


@then(parsers.re(r"no webhook is received$"))
def no_webhook(world: World) -> None:
    time.sleep(0.5)
    found = _deliveries(world)
    if found:
        fail(f"webhooks: expected none, received {_events(found)}", world)


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
