"""``X-Conformance-Webhooks: off``: a request whose writes are to cause no webhook delivery
(capability ``webhooks-off``, conformance/PROTOCOL.md). The Strapi fixture's runner hook, the probe
that proves it, and the harness's use of it: every request of a scenario that reads no webhook."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from conformance import probes
from conformance.fixture.facts import WEBHOOKS_OFF_CAPABILITY, WEBHOOKS_OFF_HEADER
from conformance.steps import webhooks as webhook_steps
from conformance.targets.base import TargetError, TargetInfo
from conformance.targets.reference import ReferenceTarget
from conformance.targets.strapi import installer
from conformance.targets.strapi.project import write_project
from conformance.webhooks import WebhookReceiver
from conformance.world import HarnessError, World
from reference_impl.webhooks import WebhookRunner

from .harness_helpers import discovered

# components.js with Strapi's webhook runner, its queue and its request context stood in for: the
# events the queue was given, by the header of the request current when each was queued.
RUNNER = """
const c = require('./src/conformance/components.js');
let current;
const queue = { running: 0, queue: [], given: [], enqueue(p) { this.given.push(p.event); }, pop() {} };
const runner = { queue, run: async () => {} };
const strapi = { db: { transaction: (cb) => cb }, get: () => runner };
if (process.argv[1] === 'context') strapi.requestContext = { get: () => current };
c.installWebhookCounting(strapi);
const header = JSON.parse(process.argv[2]);
for (const [event, value] of [['off', 'off'], ['other value', 'on'], ['no header', null]]) {
  current = { request: { headers: value === null ? {} : { [header]: value } } };
  queue.enqueue({ event });
}
current = undefined;
queue.enqueue({ event: 'no request' });
c.conformanceController({ strapi }).info().then((info) => {
  process.stdout.write(JSON.stringify({ given: queue.given, capabilities: info.capabilities }));
});
"""


@pytest.mark.skipif(shutil.which("node") is None or not installer.is_installed("5.54.0"),
                    reason="needs node and the cached Strapi 5.54.0 install")
@pytest.mark.parametrize(("context", "given", "declared"), [
    ("context", ["other value", "no header", "no request"], True),
    ("none", ["off", "other value", "no header", "no request"], False)])
def test_the_strapi_fixture_queues_no_event_of_a_request_that_said_off(tmp_path: Path, context: str,
                                                                       given: list[str], declared: bool) -> None:
    """Only `off` on the request current when the event is queued drops it; without a request
    context to ask, every event is queued and the capability is not declared."""
    project = write_project(tmp_path / "p", "5.54.0", installer.version_dir("5.54.0") / "node_modules")
    done = subprocess.run(["node", "-e", RUNNER, context, json.dumps(WEBHOOKS_OFF_HEADER.lower())], cwd=project,
                          capture_output=True, text=True, timeout=60, check=True)
    out = json.loads(done.stdout)
    assert out["given"] == given
    assert (WEBHOOKS_OFF_CAPABILITY in out["capabilities"]) is declared
    assert "webhooks-idle" in out["capabilities"]


# -- the probe -----------------------------------------------------------------------------------------------

def _claiming_off(reference: ReferenceTarget) -> TargetInfo:
    info = discovered(reference)
    info.capabilities = info.capabilities | {WEBHOOKS_OFF_CAPABILITY}
    return info


def test_a_target_that_delivers_despite_off_is_refused(reference: ReferenceTarget, receiver: WebhookReceiver) -> None:
    """The reference ignores the header: claimed anyway, its probe sees the delivery."""
    with pytest.raises(TargetError, match=rf"{WEBHOOKS_OFF_CAPABILITY} \(a write with {WEBHOOKS_OFF_HEADER}: off "
                                          r"was delivered \(1 at the receiver"):
        probes.verify(reference.http, _claiming_off(reference), receiver.events_url)


def test_a_target_that_delivers_nothing_for_off_passes_the_probe(reference: ReferenceTarget, receiver: WebhookReceiver,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def dropped(self: WebhookRunner, event: str, info: dict[str, Any]) -> None:
        seen.append(event)

    monkeypatch.setattr(WebhookRunner, "__call__", dropped)
    p = probes._Probe(reference.http, _claiming_off(reference), receiver.events_url, "probeoff", 5.0)
    assert "caused no delivery" in probes._webhooks_off(p)
    assert seen == ["entry.create", "entry.delete"], "the probe wrote, so an absence means something"


def test_without_a_receiver_the_capability_stays_unverified(reference: ReferenceTarget) -> None:
    info = probes.verify(reference.http, _claiming_off(reference), None)
    assert WEBHOOKS_OFF_CAPABILITY not in info.capabilities


# -- the harness ---------------------------------------------------------------------------------------------

BASE = "http://off.test"


@respx.mock
@pytest.mark.parametrize("off", [True, False])
def test_every_request_of_the_scenario_carries_the_header(off: bool) -> None:
    route = respx.post(f"{BASE}/api/authors").respond(201, json={"data": {}})
    with httpx.Client(base_url=BASE) as client:
        world = World(client, TargetInfo("t", "http", url=BASE), None)
        world.webhooks_off = off
        world.request("POST", "/api/authors", json_body={"data": {}}, main=False)
        world.request("POST", "/api/authors", json_body={"data": {}})
    assert [r.request.headers.get(WEBHOOKS_OFF_HEADER) for r in route.calls] == (["off", "off"] if off else [None, None])


def test_a_webhook_step_in_a_scenario_that_said_off_is_a_harness_error() -> None:
    world = World(httpx.Client(), TargetInfo("t", "http", url=BASE), None)
    world.events_url = "http://receiver.test/events"
    world.webhooks_off = True
    with pytest.raises(HarnessError, match="reads webhooks but is not tagged @needs:webhooks"):
        webhook_steps._state(world)
