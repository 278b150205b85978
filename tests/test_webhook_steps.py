"""The webhook receiver's long poll and the counting webhook steps, against a real receiver: the
deliveries are posted to it over HTTP the way a target posts them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from conformance.assertions import ConformanceFailure
from conformance.steps import webhooks as steps
from conformance.targets.base import TargetError, TargetInfo
from conformance.webhooks import WebhookReceiver, feed
from conformance.world import World

FLOOR = 0.3


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver().start()
    yield r
    r.stop()


_poster = httpx.Client(verify=False)


@pytest.fixture(autouse=True)
def small_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(steps.FLOOR_ENV, str(FLOOR))


def _post(receiver: WebhookReceiver, event: str, batch: str | None, delay: float = 0.0) -> None:
    body: dict[str, Any] = {"event": event, "model": "article"}
    if batch is not None:
        body["entry"] = {"documentId": "d1", "batch": batch}

    def send() -> None:
        time.sleep(delay)
        _poster.post(receiver.hook_url, json=body, headers={"X-Strapi-Event": event})

    if delay:
        threading.Thread(target=send, daemon=True).start()
    else:
        send()


def _world(receiver: WebhookReceiver, latency: float | None = 0.001) -> World:
    info = TargetInfo("t", "reference", webhook_latency_s=latency)
    return World(httpx.Client(), info, receiver.events_url)


def _request(sid: str) -> Any:
    mark = SimpleNamespace(args=(sid,))
    return SimpleNamespace(node=SimpleNamespace(get_closest_marker=lambda name: mark, name=sid))


# -- the receiver -------------------------------------------------------------------------------------


def test_long_poll_answers_when_a_delivery_arrives(receiver: WebhookReceiver) -> None:
    events = feed(receiver.events_url)
    start = events.seen
    _post(receiver, "entry.create", "b1", delay=0.2)
    found = events.after(start, wait_s=20.0)
    assert [d["body"]["event"] for d in found] == ["entry.create"]
    assert found[0]["index"] == start and found[0]["headers"]["x-strapi-event"] == "entry.create"
    assert events.seen == start + 1


def test_long_poll_without_deliveries_answers_empty_after_the_wait(receiver: WebhookReceiver) -> None:
    everything = len(httpx.get(receiver.events_url).json())
    assert feed(receiver.events_url).after(everything, wait_s=0.05) == []


def test_after_skips_what_was_read_and_bad_parameters_are_refused(receiver: WebhookReceiver) -> None:
    start = len(httpx.get(receiver.events_url).json())  # no parameters: every delivery so far
    for event in ("entry.create", "entry.update", "entry.delete"):
        _post(receiver, event, "b1")
    assert [d["body"]["event"] for d in feed(receiver.events_url).after(start + 1)] == ["entry.update",
                                                                                        "entry.delete"]
    assert len(httpx.get(receiver.events_url).json()) == start + 3
    assert httpx.get(receiver.events_url, params={"after": "x"}).status_code == 400


def test_stopping_releases_waiting_long_polls() -> None:
    receiver = WebhookReceiver().start()
    result: list[Any] = []
    reader = threading.Thread(target=lambda: result.append(feed(receiver.events_url).after(0, wait_s=25.0)))
    reader.start()
    time.sleep(0.1)
    receiver.stop()
    reader.join(timeout=10)
    assert not reader.is_alive() and result == [[]]


# -- the window -----------------------------------------------------------------------------------------


def test_window_is_the_floor_or_three_times_the_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    assert steps.window_s(0.01, floor_s=1.0) == 1.0
    assert steps.window_s(2.0, floor_s=1.0) == 6.0
    assert steps.window_s(None, floor_s=0.5) == 0.5
    monkeypatch.setenv(steps.FLOOR_ENV, "soon")
    with pytest.raises(TargetError, match="not a number"):
        steps.window_floor_s()
    monkeypatch.setenv(steps.FLOOR_ENV, "-1")
    with pytest.raises(TargetError, match="between 0 and 60"):
        steps.window_floor_s()
    monkeypatch.delenv(steps.FLOOR_ENV)
    assert steps.window_floor_s() == steps.DEFAULT_FLOOR_S


# -- the steps --------------------------------------------------------------------------------------------


def test_a_count_waits_for_duplicates_less_than_an_absence_waits(receiver: WebhookReceiver) -> None:
    world = _world(receiver)
    _post(receiver, "entry.create", world.batch)
    steps.webhooks_received(world, "in order", "entry.create", _request("WH-T0"))
    assert world.webhooks.window_s == FLOOR * steps.SETTLE_FRACTION
    quiet = _world(receiver)
    steps.no_webhook(quiet, _request("WH-T0b"))
    assert quiet.webhooks.window_s == FLOOR


def test_the_exact_deliveries_pass(receiver: WebhookReceiver) -> None:
    world = _world(receiver)
    _post(receiver, "entry.create", world.batch)
    _post(receiver, "entry.publish", world.batch)
    steps.webhooks_received(world, "in any order", "entry.publish, entry.create", _request("WH-T1"))
    steps.webhook_received(world, "entry.create", _request("WH-T1"))
    assert world.selected_delivery is not None and world.selected_delivery["body"]["event"] == "entry.create"


def test_a_duplicate_fails_the_count(receiver: WebhookReceiver) -> None:
    world = _world(receiver)
    for _ in range(2):
        _post(receiver, "entry.create", world.batch)
    with pytest.raises(ConformanceFailure, match=r"expected \['entry.create'\] \(in order\), "
                                                 r"received \['entry.create', 'entry.create'\]"):
        steps.webhooks_received(world, "in order", "entry.create", _request("WH-T2"))


def test_a_duplicate_fails_a_webhook_is_received(receiver: WebhookReceiver) -> None:
    world = _world(receiver)
    for _ in range(2):
        _post(receiver, "entry.create", world.batch)
    with pytest.raises(ConformanceFailure, match="expected exactly one 'entry.create' delivery"):
        steps.webhook_received(world, "entry.create", _request("WH-T3"))


def test_a_duplicate_arriving_while_the_count_settles_is_counted(receiver: WebhookReceiver) -> None:
    world = _world(receiver)
    _post(receiver, "entry.create", world.batch)
    _post(receiver, "entry.create", world.batch, delay=FLOOR * steps.SETTLE_FRACTION / 3)
    with pytest.raises(ConformanceFailure, match=r"received \['entry.create', 'entry.create'\]"):
        steps.webhooks_received(world, "in order", "entry.create", _request("WH-T4"))


def test_no_webhook_waits_the_window(receiver: WebhookReceiver) -> None:
    quiet = _world(receiver)
    steps.no_webhook(quiet, _request("WH-T5"))
    world = _world(receiver)
    _post(receiver, "entry.create", world.batch, delay=FLOOR / 3)
    with pytest.raises(ConformanceFailure, match=r"expected none, received \['entry.create'\]"):
        steps.no_webhook(world, _request("WH-T6"))


def test_the_measured_latency_widens_the_window(receiver: WebhookReceiver) -> None:
    world = _world(receiver, latency=0.3)  # window: 0.9 s, three times the floor
    _post(receiver, "entry.create", world.batch, delay=FLOOR + 0.1)  # after the floor, inside the window
    with pytest.raises(ConformanceFailure, match=r"expected none, received \['entry.create'\]"):
        steps.no_webhook(world, _request("WH-T7"))


def test_deliveries_matching_no_scenario_are_listed(receiver: WebhookReceiver,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "ARRIVAL_TIMEOUT_S", 0.5)  # the expected delivery never comes
    world = _world(receiver)
    _post(receiver, "entry.create", None)
    with pytest.raises(ConformanceFailure) as caught:
        steps.webhooks_received(world, "in order", "entry.create", _request("WH-T8"))
    assert "received [] (waited" in str(caught.value)
    assert '1 delivery(ies) matching no scenario: {"event":"entry.create","model":"article"}' in str(caught.value)


def test_a_delivery_after_its_scenario_s_window_fails_the_next_webhook_step(receiver: WebhookReceiver) -> None:
    first = _world(receiver)
    _post(receiver, "entry.create", first.batch)
    steps.webhooks_received(first, "in order", "entry.create", _request("WH-T9"))
    _post(receiver, "entry.create", first.batch)  # the same event again, after WH-T9 was judged
    second = _world(receiver)
    _post(receiver, "entry.create", second.batch)
    with pytest.raises(ConformanceFailure, match="arrived after its scenario's window had passed: "
                                                 "entry.create for WH-T9, "):
        steps.webhooks_received(second, "in order", "entry.create", _request("WH-T10"))


def test_a_bad_window_floor_stops_the_run_before_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.targets.launch import launch

    monkeypatch.setenv(steps.FLOOR_ENV, "soon")
    with pytest.raises(TargetError, match="CONFORMANCE_WEBHOOK_WINDOW_FLOOR_S='soon' is not a number"):
        launch(SimpleNamespace(target="reference", workers=None, database=None, capability=None))
