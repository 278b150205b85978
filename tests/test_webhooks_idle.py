"""``GET /api/conformance/webhooks/idle``: a target says when every webhook delivery its writes so
far cause has been answered, so that webhook steps against a server read the receiver then instead
of waiting a window (conformance/PROTOCOL.md, sections 2 and 7). The Python twin against a real
receiver, its probe, and the HTTP adapter's use of it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import respx

from conformance import probes
from conformance.targets.base import TargetError, TargetInfo
from conformance.targets.http import IDLE_CAPABILITY, IDLE_PATH, HttpTarget, discover
from conformance.targets.reference import ReferenceTarget
from conformance.webhooks import WebhookReceiver, feed
from reference_impl.webhooks import WebhookRunner

SLOW_S = 0.3


@pytest.fixture
def slow_deliveries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every delivery takes SLOW_S more before it is posted."""
    post = WebhookRunner._post

    async def slow(self: WebhookRunner, *args: Any) -> None:
        await asyncio.sleep(SLOW_S)
        await post(self, *args)

    monkeypatch.setattr(WebhookRunner, "_post", slow)


def _mine(receiver: WebhookReceiver, batch: str, after: int) -> list[str]:
    return [d["body"]["event"] for d in feed(receiver.events_url).after(after)
            if (d.get("body") or {}).get("entry", {}).get("batch") == batch]


def _create(reference: ReferenceTarget, batch: str) -> None:
    created = reference.http.post("/api/articles", json={"data": {"title": "idle", "batch": batch}})
    assert created.status_code == 201


@pytest.mark.usefixtures("slow_deliveries")
def test_idle_answers_once_the_writes_deliveries_reached_the_receiver(reference: ReferenceTarget,
                                                                      receiver: WebhookReceiver) -> None:
    assert reference.http.get(IDLE_PATH, params={"wait": 5}).json()["idle"] is True
    before = reference.http.get(IDLE_PATH).json()["sent"]
    start = feed(receiver.events_url).seen
    _create(reference, "idle-a")
    started = time.monotonic()
    answer = reference.http.get(IDLE_PATH, params={"wait": 5}).json()
    assert time.monotonic() - started >= SLOW_S * 0.9  # it waited for the slow delivery
    assert answer == {"idle": True, "pending": 0, "sent": before + 2}
    assert sorted(_mine(receiver, "idle-a", start)) == ["entry.create", "entry.publish"]


@pytest.mark.usefixtures("slow_deliveries")
def test_idle_says_false_when_the_wait_ends_first(reference: ReferenceTarget, receiver: WebhookReceiver) -> None:
    start = feed(receiver.events_url).seen
    _create(reference, "idle-b")
    answer = reference.http.get(IDLE_PATH, params={"wait": 0.01}).json()
    assert answer["idle"] is False and answer["pending"] >= 1
    assert _mine(receiver, "idle-b", start) == []
    assert reference.http.get(IDLE_PATH, params={"wait": 5}).json()["idle"] is True


@pytest.mark.parametrize("wait", ["soon", "-1", "nan"])
def test_a_bad_wait_is_a_400(reference: ReferenceTarget, wait: str) -> None:
    answer = reference.http.get(IDLE_PATH, params={"wait": wait})
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "wait must be a number of seconds"


def test_the_probe_proves_the_capability(reference: ReferenceTarget, receiver: WebhookReceiver) -> None:
    info = probes.verify(reference.http, discover(reference.http, "reference", "reference", "in-process"),
                         receiver.events_url)
    assert IDLE_CAPABILITY in info.capabilities
    assert "delivery already at the receiver" in info.probes[IDLE_CAPABILITY]


@pytest.mark.usefixtures("slow_deliveries")  # else the delivery may win the race against the answer
def test_an_idle_endpoint_that_does_not_wait_is_refused(reference: ReferenceTarget, receiver: WebhookReceiver,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    async def at_once(self: WebhookRunner, timeout_s: float) -> bool:
        return True

    monkeypatch.setattr(WebhookRunner, "wait_idle", at_once)
    with pytest.raises(TargetError, match=r"webhooks-idle \(GET /api/conformance/webhooks/idle answered idle but "
                                          r"the probe author's delivery had not reached the receiver\)"):
        probes.verify(reference.http, discover(reference.http, "reference", "reference", "in-process"),
                      receiver.events_url)


def test_without_a_receiver_the_capability_stays_unverified(reference: ReferenceTarget) -> None:
    info = probes.verify(reference.http, discover(reference.http, "reference", "reference", "in-process"), None)
    assert IDLE_CAPABILITY in (info.declared or set()) and IDLE_CAPABILITY not in info.capabilities


# -- the HTTP adapter: quiesce asks the target, only when the capability was proven -------------------------

BASE = "http://idle.test"


def _http_target(capabilities: frozenset[str]) -> HttpTarget:
    target = HttpTarget(BASE)
    target.info = TargetInfo("t", "http", url=BASE, capabilities=capabilities)
    return target


@respx.mock
def test_quiesce_asks_the_target_and_believes_only_idle_true() -> None:
    route = respx.get(f"{BASE}{IDLE_PATH}")
    target = _http_target(frozenset({"webhooks", IDLE_CAPABILITY}))
    route.respond(200, json={"idle": True, "pending": 0, "sent": 3})
    assert target.quiesce(5.0) is True
    assert route.calls.last.request.url.params["wait"] == "5.000"
    for answer in (httpx.Response(200, json={"idle": False, "pending": 1, "sent": 3}), httpx.Response(404),
                   httpx.Response(200, json={"idle": "yes"}), httpx.Response(200, text="idle")):
        route.mock(return_value=answer)
        assert target.quiesce(1.0) is False
    route.mock(side_effect=httpx.ConnectError("refused"))
    assert target.quiesce(1.0) is False


@respx.mock
def test_quiesce_without_the_proven_capability_sends_nothing() -> None:
    route = respx.get(f"{BASE}{IDLE_PATH}").respond(200, json={"idle": True, "pending": 0, "sent": 0})
    assert _http_target(frozenset({"webhooks"})).quiesce(5.0) is False
    assert not route.called
