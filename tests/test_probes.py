"""Capability probes against the real in-process reference target and its hollow variants: a target
that declares what it cannot do must be refused (TargetError, exit 2) naming the capability."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
import respx

from conformance import probes
from conformance.fixture.facts import WEBHOOKS_OFF_CAPABILITY
from conformance.fixture.python import probe as fixture_probe
from conformance.targets.base import TargetError, TargetInfo
from conformance.targets.http import HttpTarget
from conformance.targets.reference import ReferenceTarget
from conformance.webhooks import WebhookReceiver

from .harness_helpers import discovered


def test_every_capability_of_the_reference_is_proven(reference: ReferenceTarget,
                                                     receiver: WebhookReceiver) -> None:
    info = probes.verify(reference.http, discovered(reference), receiver.events_url)
    # webhooks-off is declared by the Strapi fixture only (conformance/PROTOCOL.md, section 2).
    expected = frozenset(probes.PROBES) - {WEBHOOKS_OFF_CAPABILITY}
    assert info.declared == info.capabilities == expected
    assert info.webhook_latency_s is not None and info.webhook_latency_s > 0
    assert set(info.probes) == expected
    assert not any(text.startswith(("failed", "not verified")) for text in info.probes.values())
    as_json = info.as_json()["capabilities"]
    assert as_json == {"declared": sorted(expected), "verified": sorted(expected)}


def test_the_probes_leave_no_data_behind(reference: ReferenceTarget, receiver: WebhookReceiver) -> None:
    probes.verify(reference.http, discovered(reference), receiver.events_url)
    listed = reference.http.get("/api/articles?filters[title][$eq]=conformance probe&status=draft").json()
    assert listed["data"] == []


def test_trace_declared_but_empty_is_refused(reference: ReferenceTarget, receiver: WebhookReceiver,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixture_probe, "mark", lambda *args, **kwargs: None)
    with pytest.raises(TargetError) as caught:
        probes.verify(reference.http, discovered(reference), receiver.events_url)
    message = str(caught.value)
    assert "trace (GET /api/conformance/info answered 200 with the header ''" in message
    assert "control" not in message and "\n" not in message


def test_control_declared_but_ignored_is_refused(reference: ReferenceTarget, receiver: WebhookReceiver,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixture_probe, "directives", lambda *args, **kwargs: [])
    with pytest.raises(TargetError, match=r"control \(a respond directive to gmw:first asked for 299"):
        probes.verify(reference.http, discovered(reference), receiver.events_url)


def test_webhooks_declared_but_never_delivered_are_refused(reference: ReferenceTarget,
                                                           receiver: WebhookReceiver,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from reference_impl.webhooks import WebhookRunner

    monkeypatch.setattr(WebhookRunner, "__call__", lambda self, event, info: None)
    # Someone else's delivery arrives meanwhile: it proves nothing about the probe article.
    other = {"event": "entry.create", "entry": {"batch": "someone-else"}}
    timer = threading.Timer(0.05, lambda: httpx.post(receiver.hook_url, json=other))
    timer.start()
    with pytest.raises(TargetError, match=r"webhooks \(no delivery for the probe article reached the receiver"
                                          r" within 1 s of creating it \([1-9]\d* other deliveries read\)"):
        probes.verify(reference.http, discovered(reference), receiver.events_url, webhook_timeout_s=1.0)
    timer.join()


def test_an_in_process_target_with_nothing_left_to_do_is_refused_without_waiting_the_timeout(
        reference: ReferenceTarget, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its loop says every delivery has been sent: a missing one is missing, not late (the message
    says so; waiting out the 60 s would give the timeout's message instead)."""
    from reference_impl.webhooks import WebhookRunner

    monkeypatch.setattr(WebhookRunner, "__call__", lambda self, event, info: None)
    with pytest.raises(TargetError, match=r"webhooks \(no delivery for the probe article reached the receiver: "
                                          r"the target has nothing left to do \(\d+ other deliveries read\)"):
        probes.verify(reference.http, discovered(reference), receiver.events_url, webhook_timeout_s=60.0,
                      quiesce=reference.quiesce)


def test_an_in_process_target_that_delivers_passes_the_probe_read_once_idle(
        reference: ReferenceTarget, receiver: WebhookReceiver) -> None:
    info = probes.verify(reference.http, discovered(reference), receiver.events_url, quiesce=reference.quiesce)
    assert "webhooks" in info.capabilities and info.webhook_latency_s is not None
    assert info.probes["webhooks"].startswith("the probe article's entry.create delivery arrived")


def test_wrong_credentials_in_info_are_refused(reference: ReferenceTarget, receiver: WebhookReceiver) -> None:
    info = discovered(reference)
    info.tokens["full-access"] = "not-a-token"
    info.user["password"] = "wrong"
    with pytest.raises(TargetError) as caught:
        probes.verify(reference.http, info, receiver.events_url)
    assert "api-tokens (GET /api/conformance/whoami with the full-access token answered 401" in str(caught.value)
    assert "users (POST /api/auth/local answered 400" in str(caught.value)


def test_without_a_receiver_webhooks_stay_declared_but_unverified(reference: ReferenceTarget) -> None:
    info = probes.verify(reference.http, discovered(reference), None)
    assert "webhooks" in (info.declared or set()) and "webhooks" not in info.capabilities
    assert info.probes["webhooks"].startswith("not verified: no webhook receiver")
    assert info.webhook_latency_s is None


def test_probe_results_travel_to_the_pytest_processes(reference: ReferenceTarget,
                                                      receiver: WebhookReceiver) -> None:
    info = probes.verify(reference.http, discovered(reference), receiver.events_url)
    worker = discovered(reference)
    probes.restore(worker, *probes.decode(probes.encode(info)))
    assert worker.as_json() == info.as_json()
    with pytest.raises(TargetError, match="--probed"):
        probes.decode("{not json")


# -- a server that declares everything and has nothing (respx) ---------------------------------------

BASE = "http://hollow.test"


@respx.mock
def test_a_target_declaring_what_it_lacks_is_refused_naming_each_capability() -> None:
    respx.get(f"{BASE}/api/conformance/info").respond(200, json={
        "protocol": "1", "capabilities": sorted(probes.PROBES),
        "tokens": {"full-access": "a", "read-only": "b"}, "user": {"identifier": "u", "password": "p"}})
    respx.route().respond(404, json={"data": None, "error": {"status": 404, "name": "NotFoundError"}})
    target = HttpTarget(BASE)
    info = target.start()
    with pytest.raises(TargetError) as caught:
        probes.verify(target.http, info, None)
    message = str(caught.value)
    for capability in ("trace", "control", "api-tokens", "users", "single-types", "draft-and-publish",
                       "documents-endpoint"):
        assert f"{capability} (" in message
    assert "webhooks (" not in message  # no receiver in this run: unverifiable, not the target's fault
    assert "content-types (" not in message  # recorded, never fatal: the scenarios fail instead
    assert info.probes["content-types"].startswith("failed: GET /api/articles answered 404")
    target.stop()


@respx.mock
def test_a_black_box_target_is_not_refused_for_what_only_the_harness_assumed() -> None:
    respx.get(f"{BASE}/api/conformance/info").respond(404)
    respx.route().respond(404)
    target = HttpTarget(BASE)
    info = probes.verify(target.http, target.start(), None)
    assert info.black_box and info.declared == {"content-types"} and info.capabilities == frozenset()
    assert info.probes["content-types"].startswith("failed: GET /api/articles answered 404")
    target.stop()


@respx.mock
def test_a_black_box_target_is_refused_for_what_the_user_declared() -> None:
    respx.get(f"{BASE}/api/conformance/info").respond(404)
    respx.get(f"{BASE}/api/articles").respond(200, json={"data": [], "meta": {}})
    target = HttpTarget(BASE, capabilities=frozenset({"content-types", "trace"}))
    with pytest.raises(TargetError, match=r"trace \(GET /api/conformance/info answered 404 with no X-Conformance"):
        probes.verify(target.http, target.start(), None)
    target.stop()


def test_probe_requests_that_fail_in_transit_are_reported() -> None:
    def boom(request: httpx.Request) -> Any:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.Client(base_url=BASE, transport=httpx.MockTransport(boom))
    info = TargetInfo("t", "http", capabilities=frozenset({"trace"}))
    with pytest.raises(TargetError, match=r"trace \(GET /api/conformance/info failed: ConnectError"):
        probes.verify(client, info, None)


def test_xdist_runs_of_the_reference_are_probed_before_the_workers_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without os.fork the workers are pytest-xdist's, whose crash report would hide a failing probe's
    reason (forked workers stop the run as serially: tests/test_forked.py)."""
    from types import SimpleNamespace

    from conformance import forked
    from conformance.targets.launch import launch

    args = SimpleNamespace(target="reference", workers="2", database=None, capability=None)
    assert launch(args).pytest_options == ["--target", "reference", "--forked-workers=2"]
    monkeypatch.setattr(forked, "available", lambda: False)
    options = launch(args).pytest_options
    assert options[:2] == ["--target", "reference"] and options[2].startswith("--probed="), options
    monkeypatch.setattr(fixture_probe, "mark", lambda *a, **k: None)
    with pytest.raises(TargetError, match=r"trace \(GET /api/conformance/info answered 200 with the header ''"):
        launch(args)
    launch(SimpleNamespace(**{**vars(args), "workers": None}))  # serial: each pytest process probes
