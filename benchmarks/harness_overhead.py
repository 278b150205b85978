"""How long the suite takes against the in-process reference, and how much of it is the harness.

    python benchmarks/harness_overhead.py [--runs 3] [--workers 2] [--out reports/bench/harness.json]

Two kinds of figures, written to one JSON file:

- ``processes``: wall time of whole ``conformance run`` processes (what a user waits for): the
  catalogue serially, with ``--workers``, and a single scenario (start-up); the median of ``--runs``
  runs each (the configurations alternating, round by round), next to the budget of 1 s + 7 ms per
  scenario; ``speed_up_over_serial`` is the serial median over the ``--workers`` median.
- ``breakdown``: one serial run inside this process with an observer plugin. ``startup_s`` runs
  from the command's start until the target is started and probed; the *scenario phase* from there
  until the last scenario's teardown. The time inside the target (the app's requests and
  background work, and waiting for it to settle: ``ReferenceTarget.busy``) is subtracted from the
  phase: the rest, per scenario, is the harness' overhead (pytest, pytest-bdd, the steps, httpx,
  the checks, the reports' bookkeeping). Wall and CPU seconds both: on a shared machine the CPU
  figures move less.
- ``timeline`` (with ``--workers``): one observed parallel run, when each of its pytest processes
  started, was ready, collected, ran its first and last scenario and ended (benchmarks/timeline.py).

The machine's load average is recorded with every figure: compare runs made in the same minute.

Each timed configuration is run once first, untimed (``warm_up_runs``): the timed runs find what
any second run finds, Python's bytecode of the suite and the reference (pip compiles an installed
package's when it installs it; a checkout writes it on its first run), the parsed feature files and
the compiled report templates (the suite's cache). An environment that turns Python's bytecode
writing off (``PYTHONDONTWRITEBYTECODE``) would compile about 130 modules from source in every
process, a quarter of a second each: the processes are run with it on (``bytecode_cache``), unless
``--no-bytecode-cache``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "bench" / "harness.json"
BUDGET_FIXED_S = 1.0
BUDGET_PER_SCENARIO_S = 0.007
OVERHEAD_BUDGET_S = 0.003


def budget_s(scenarios: int) -> float:
    return round(BUDGET_FIXED_S + BUDGET_PER_SCENARIO_S * scenarios, 3)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(bytecode_cache: bool) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _one_run(extra: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds (user + system, of the run and its children: workers included) of one
    ``conformance run``, and how many scenarios it ran."""
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu_before = time.perf_counter(), _children_cpu_s()
        code = subprocess.call([sys.executable, "-m", "conformance", "run", "--report-dir", tmp, *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
        wall, cpu = time.perf_counter() - started, _children_cpu_s() - cpu_before
        if code != 0:
            raise SystemExit(f"conformance run {' '.join(extra)} exited {code}: the figures need a passing run")
        return wall, cpu, json.loads((Path(tmp) / "report.json").read_text())["summary"]["total"]


def _processes(configurations: dict[str, list[str]], runs: int, bytecode_cache: bool = True) -> dict[str, Any]:
    """Each configuration once untimed, then ``runs`` rounds of one timed run of each, alternating:
    on a shared machine a change of load then touches every configuration alike."""
    env = _env(bytecode_cache)
    for extra in configurations.values():  # the warm-up runs
        _one_run(extra, env)
    times: dict[str, list[float]] = {name: [] for name in configurations}
    cpu: dict[str, list[float]] = {name: [] for name in configurations}
    loads: dict[str, list[float]] = {name: [] for name in configurations}
    scenarios: dict[str, int] = {}
    for _ in range(runs):
        for name, extra in configurations.items():
            loads[name].append(round(os.getloadavg()[0], 2))
            wall, used, scenarios[name] = _one_run(extra, env)
            times[name].append(wall)
            cpu[name].append(used)
    out: dict[str, Any] = {}
    for name, extra in configurations.items():
        median, n = statistics.median(times[name]), scenarios[name]
        out[name] = {"args": extra, "runs": runs, "warm_up_runs": 1, "alternating": True, "bytecode_cache": bytecode_cache,
                     "scenarios": n, "median_s": round(median, 2), "min_s": round(min(times[name]), 2),
                     "max_s": round(max(times[name]), 2), "median_cpu_s": round(statistics.median(cpu[name]), 2),
                     "budget_s": budget_s(n), "within_budget": median <= budget_s(n), "load_average_1m": loads[name]}
    return out


class _Observer:
    """Marks when the target is ready, when the last scenario ends, and what the target took."""

    def __init__(self) -> None:
        self.session: Any = None
        self.ready: tuple[float, float, float, float] | None = None  # wall, cpu, target wall, target cpu
        self.end: tuple[float, float, float, float] | None = None
        self.scenarios = 0

    def _mark(self) -> tuple[float, float, float, float]:
        busy = self.session.target.busy() if self.session is not None else (0.0, 0.0)
        return time.perf_counter(), time.process_time(), busy[0], busy[1]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Iterator[None]:
        yield
        if fixturedef.argname == "conformance_session" and self.ready is None:
            self.session = fixturedef.cached_result[0]
            self.ready = self._mark()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: Any, nextitem: Any) -> Iterator[None]:
        self.scenarios += 1
        if nextitem is None:
            self.end = self._mark()
        yield


def breakdown() -> dict[str, Any]:
    """One serial run in this process, observed."""
    from conformance import cli

    observer = _Observer()
    original = pytest.main

    def main(args: list[str], plugins: Any = None) -> Any:
        return original(args, plugins=[*(plugins or []), observer])

    load = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu = time.perf_counter(), time.process_time()
        pytest.main = main  # type: ignore[assignment]
        try:
            code = cli.main(["run", "--report-dir", tmp])
        finally:
            pytest.main = original  # type: ignore[assignment]
        finished, cpu_done = time.perf_counter(), time.process_time()
    if code != 0 or observer.ready is None or observer.end is None:
        raise SystemExit(f"the observed run exited {code}")
    ready, end, n = observer.ready, observer.end, observer.scenarios
    phase_wall, phase_cpu = end[0] - ready[0], end[1] - ready[1]
    target_wall, target_cpu = end[2] - ready[2], end[3] - ready[3]
    overhead_wall, overhead_cpu = (phase_wall - target_wall) / n, (phase_cpu - target_cpu) / n
    return {
        "scenarios": n, "load_average_1m": load,
        "total_s": round(finished - started, 3), "total_cpu_s": round(cpu_done - cpu, 3),
        "startup_s": round(ready[0] - started, 3),
        "scenario_phase_s": round(phase_wall, 3), "scenario_phase_cpu_s": round(phase_cpu, 3),
        "inside_target_s": round(target_wall, 3), "inside_target_cpu_s": round(target_cpu, 3),
        "after_last_scenario_s": round(finished - end[0], 3),
        "harness_overhead_ms_per_scenario": round(1000 * overhead_wall, 3),
        "harness_overhead_cpu_ms_per_scenario": round(1000 * overhead_cpu, 3),
        "overhead_budget_ms": 1000 * OVERHEAD_BUDGET_S,
        "within_overhead_budget": overhead_wall <= OVERHEAD_BUDGET_S,
    }


def timeline(workers: str, bytecode_cache: bool = True) -> dict[str, Any]:
    """One observed ``conformance run --workers N``: when each pytest process started, was ready
    (pytest and the harness imported, plugins loaded), collected, ran its first scenario and its
    last, and ended, in seconds from the command's start (benchmarks/timeline.py); the CPU
    seconds of each."""
    from benchmarks.timeline import ENV

    env = {**_env(bytecode_cache), "PYTEST_PLUGINS": "benchmarks.timeline",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as marks:
        started = time.time()
        code = subprocess.call([sys.executable, "-m", "conformance", "run", "--report-dir", tmp, "--workers", workers],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                               env={**env, ENV: marks})
        finished = time.time()
        if code != 0:
            raise SystemExit(f"the observed --workers {workers} run exited {code}")
        found = [json.loads(path.read_text()) for path in Path(marks).glob("*.json")]
    processes = []
    for mark in sorted(found, key=lambda m: (m.get("role") != "controller", m.get("process_start") or 0)):
        entry: dict[str, Any] = {"role": mark.get("role"), "cpu_s": mark.get("cpu_s"), "scenarios": mark.get("scenarios")}
        for key in ("process_start", "plugin_loaded", "collected", "first_scenario", "last_scenario_end",
                    "unconfigured"):
            if mark.get(key) is not None:
                entry[key] = round(mark[key] - started, 3)
        processes.append(entry)
    return {"args": ["--workers", workers], "total_s": round(finished - started, 3),
            "load_average_1m": round(os.getloadavg()[0], 2), "processes": processes}


def measure(runs: int, workers: str | None, bytecode_cache: bool = True) -> dict[str, Any]:
    configurations = {"serial": [], "single_scenario": ["--id", "CT-001"]}
    if workers:
        configurations[f"workers_{workers}"] = ["--workers", workers]
    processes = _processes(configurations, runs, bytecode_cache)
    if workers:  # the ratio of the medians, from the same alternating rounds
        processes[f"workers_{workers}"]["speed_up_over_serial"] = round(
            processes["serial"]["median_s"] / processes[f"workers_{workers}"]["median_s"], 2)
    return {"command": " ".join(["python benchmarks/harness_overhead.py", "--runs", str(runs),
                                 *(["--workers", workers] if workers else []),
                                 *([] if bytecode_cache else ["--no-bytecode-cache"])]),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.system()},
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "processes": processes, "breakdown": breakdown(),
            **({"timeline": timeline(workers, bytecode_cache)} if workers else {})}


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for name, p in result["processes"].items():
        lines.append(f"{name:<16} {p['scenarios']:>4} scenarios  median {p['median_s']} s, {p['median_cpu_s']} CPU s "
                     f"(budget {p['budget_s']} s, load {p['load_average_1m']})")
    b = result["breakdown"]
    lines.append(f"observed serial run: {b['total_s']} s = start-up {b['startup_s']} s + scenarios "
                 f"{b['scenario_phase_s']} s (inside the target {b['inside_target_s']} s) + after {b['after_last_scenario_s']} s")
    lines.append(f"harness overhead per scenario: {b['harness_overhead_ms_per_scenario']} ms wall, "
                 f"{b['harness_overhead_cpu_ms_per_scenario']} ms CPU (budget {b['overhead_budget_ms']} ms)")
    t = result.get("timeline")
    if t:
        lines.append(f"timeline of one {' '.join(t['args'])} run ({t['total_s']} s, s from its start):")
        for p in t["processes"]:
            marks = ", ".join(f"{key} {p[key]}" for key in ("process_start", "plugin_loaded", "collected",
                                                              "first_scenario", "last_scenario_end", "unconfigured")
                              if key in p)
            lines.append(f"  {p['role']:<12} {marks}; {p['scenarios'] or 0} scenarios, {p['cpu_s']} CPU s")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="2", help="also time --workers N ('' to skip)")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE for the timed processes when it is set")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sys.path.insert(0, str(ROOT))
    result = measure(args.runs, args.workers or None, not args.no_bytecode_cache)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for line in summary_lines(result):
        print(line)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
