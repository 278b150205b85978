"""When each pytest process of a ``conformance run`` starts, is ready, collects, runs its first
scenario and ends: a pytest plugin loaded in every process of the run through
``PYTEST_PLUGINS=benchmarks.timeline`` (xdist workers and forked workers inherit it), writing one
JSON file per process into the folder named by ``CONFORMANCE_TIMELINE``.

Times are wall-clock seconds (``time.time()``); a process's start comes from ``/proc`` (Linux,
10 ms resolution) and is absent elsewhere. benchmarks/harness_overhead.py runs one observed run
and reports the marks relative to the command's start.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

ENV = "CONFORMANCE_TIMELINE"


def process_start() -> float | None:
    """This process's start time (wall clock), from /proc; None where there is no /proc."""
    try:
        fields = Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, IndexError, ValueError):
        return None


_marks: dict[str, Any] = {"pid": os.getpid(), "process_start": process_start(), "plugin_loaded": time.time()}


def _write() -> None:
    folder = os.environ.get(ENV)
    if not folder:
        return
    _marks["cpu_s"] = round(time.process_time(), 3)
    path = Path(folder) / f"{_marks['pid']}.json"
    path.write_text(json.dumps(_marks), encoding="utf-8")


def _role(config: pytest.Config) -> str:
    worker = getattr(config, "workerinput", None)
    return str(worker["workerid"]) if worker else "controller"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _marks.update(role=_role(config), configured=time.time())


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    _marks["collected"] = time.time()
    _marks["items"] = len(session.items)
    _write()


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    if "first_scenario" not in _marks:
        _marks["first_scenario"] = time.time()
        # a forked worker is a copy of the process that collected: it names itself here
        if _marks["pid"] != os.getpid():
            _marks.update(pid=os.getpid(), role=f"fork-{os.getpid()}", process_start=process_start())
            for key in ("plugin_loaded", "configured", "collected", "items"):
                _marks.pop(key, None)


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    if _marks["pid"] != os.getpid():
        return  # the controller receiving a forked worker's reports
    _marks["last_scenario_end"] = time.time()
    _marks["scenarios"] = _marks.get("scenarios", 0) + 1
    _write()


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    _marks["unconfigured"] = time.time()
    _write()
