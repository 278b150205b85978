import os
from collections.abc import Iterator

import pytest

from conformance.targets.reference import ReferenceTarget
from conformance.webhooks import WebhookReceiver

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    # `tox -e unit` leaves these out (-m "not strapi"): `tox -e own-project` runs them, after `tox -e
    # strapi` has installed the Strapi they start.
    config.addinivalue_line("markers", "strapi: starts a real Strapi (tox -e own-project runs it)")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core and one more, which fills the cores while tests wait on
    servers, sockets and subprocesses (on 2 cores 3 workers beat 2 and 4:
    python -m benchmarks.unit_speed --workers 2,3,4, reports/bench/unit-workers.json)."""
    return (os.cpu_count() or 1) + 1


# An in-process reference delivering to a real webhook receiver, one per test module (the probe and
# webhook tests: test_probes.py, test_webhooks_idle.py, test_webhooks_off.py). A module's own
# fixture of the same name takes precedence.
@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def reference(receiver: WebhookReceiver) -> Iterator[ReferenceTarget]:
    target = ReferenceTarget(webhook_url=receiver.hook_url)
    target.start()
    yield target
    target.stop()
