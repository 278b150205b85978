"""The meta fork server warms what every forked run would otherwise import again, and forks a run's
webhook receiver instead of starting a fresh interpreter for it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .patching import SNAPSHOT
from .runner import JOBS_ENV, REPO_ROOT, _python_env, batch_jobs
from .server import _submodules


def test_the_warm_up_walks_into_namespace_packages() -> None:
    # conformance/targets has no __init__.py: pkgutil.walk_packages alone never imported the
    # reference target in the server, so every forked run imported it again.
    names = _submodules("conformance")
    assert {"conformance.targets.reference", "conformance.targets.launch", "conformance.cli"} <= set(names)
    assert len(names) == len(set(names))


def test_no_variant_patches_what_a_forked_receiver_runs() -> None:
    """A forked run's receiver is a copy of the run, variant applied; a fresh process' receiver has no
    variant. They run the same code only while no variant patches conformance/webhooks.py (or the
    standard library under it): every patch target lies in reference_impl or the harness' fixture
    and probes (tests/meta/test_patch_targets.py keeps patch_targets.json equal to what is patched)."""
    wheres = [t.split(" ", 1)[0] for targets in json.loads(SNAPSHOT.read_text()).values() for t in targets]
    assert wheres
    outside = [w for w in wheres if not w.startswith(("reference_impl.", "conformance.fixture.", "conformance.probes."))]
    assert outside == []


_FORKED_RECEIVER = """
import threading
import httpx
from conformance.webhooks import ReceiverProcess, fetch_deliveries
from tests.meta.server import ForkedReceiver, _fork_receivers

_fork_receivers()
receiver = ReceiverProcess().start()
proc = receiver._proc
assert isinstance(proc, ForkedReceiver), type(proc)
answer = httpx.post(receiver.hook_url, json={"event": "entry.create"}, timeout=10)
assert answer.status_code == 204, answer.status_code
(delivery,) = fetch_deliveries(receiver.events_url)
assert delivery["body"] == {"event": "entry.create"} and delivery["index"] == 0
receiver.stop()
assert proc.poll() == 0, proc.poll()
stop = threading.Event()
threading.Thread(target=stop.wait).start()  # with a second thread running the run forks no more
other = ReceiverProcess.spawn()
stop.set()
other.kill()
other.wait()
assert not isinstance(other, ForkedReceiver), type(other)
print("ok")
"""


def test_a_forked_receiver_records_deliveries_and_ends_when_stopped() -> None:
    # In a fresh single-threaded process, as a forked run is: this test's process may have threads.
    proc = subprocess.run([sys.executable, "-c", _FORKED_RECEIVER], cwd=REPO_ROOT, env=_python_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_runs_at_a_time_come_from_the_environment_and_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JOBS_ENV, raising=False)
    assert batch_jobs() == (os.cpu_count() or 1) + 1
    monkeypatch.setenv(JOBS_ENV, " 3 ")
    assert batch_jobs() == 3
    for bad in ("0", "-1", "two", "2.5"):
        monkeypatch.setenv(JOBS_ENV, bad)
        with pytest.raises(ValueError, match=f"{JOBS_ENV}='{re.escape(bad)}': expected a positive whole number"):
            batch_jobs()
