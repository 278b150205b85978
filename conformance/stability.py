"""``conformance stability``: run the suite N times against one target and report every scenario whose
outcome changed between runs (a flaky scenario, harness or target).

Each run is a separate ``conformance run`` process with its own report directory, so a run sees a
fresh target exactly as CI does; the outcomes are read back from each run's report.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUN_TIMEOUT_S = 1800.0
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    """One run: its exit code, wall time and each scenario's outcome and message."""

    index: int
    exit_code: int
    duration_s: float
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def report_name(target: str, strapi_version: str | None = None, project: str | None = None) -> str:
    """The name ``conformance run`` gives the target's report folder (a TargetError for an unknown kind)."""
    from .targets.registry import TargetOptions, parse

    return parse(target).report_name(TargetOptions(strapi_version=strapi_version, project=project))


def run_once(index: int, run_args: list[str], work_dir: Path) -> Run:
    report_dir = work_dir / f"run-{index:03d}"
    command = [sys.executable, "-m", "conformance.cli", "run", *run_args, "--report-dir", str(report_dir)]
    started = time.monotonic()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=_env())
    except subprocess.TimeoutExpired:
        return Run(index, -1, time.monotonic() - started, error=f"no answer within {RUN_TIMEOUT_S:.0f}s")
    duration = time.monotonic() - started
    report = report_dir / "report.json"
    if not report.is_file():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        return Run(index, proc.returncode, duration, error=f"no report (exit code {proc.returncode}): {tail}")
    data = json.loads(report.read_text(encoding="utf-8"))
    scenarios = data["scenarios"]
    return Run(index, proc.returncode, duration,
               outcomes={s["id"]: s["outcome"] for s in scenarios},
               messages={s["id"]: s.get("message") or "" for s in scenarios if s["outcome"] != "passed"},
               summary=data["summary"])


def _env() -> dict[str, str]:
    """Each run imports this very copy of the harness, whatever is installed."""
    path = os.pathsep.join(p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def analyse(runs: list[Run]) -> dict[str, Any]:
    """Scenarios whose outcome differs between runs (or that a run lacks), and those failing every time."""
    ids = sorted({sid for r in runs for sid in r.outcomes})
    changed, always_failing = [], []
    for sid in ids:
        seen = Counter(r.outcomes.get(sid, "missing") for r in runs if r.error is None)
        if len(seen) > 1:
            changed.append({"id": sid, "outcomes": dict(seen),
                            "runs": {r.index: r.outcomes.get(sid, "missing") for r in runs
                                     if r.error is None and r.outcomes.get(sid) != "passed"},
                            "messages": sorted({r.messages[sid] for r in runs if r.messages.get(sid)})})
        elif seen and next(iter(seen)) in ("failed", "unexpected_pass"):
            always_failing.append(sid)
    return {"scenarios": len(ids), "changed": changed, "always_failing": always_failing}


def stability(run_args: list[str], runs: int, jobs: int = 1) -> tuple[list[Run], float]:
    """Run ``conformance run <run_args>`` ``runs`` times, ``jobs`` at a time; returns the runs and wall time."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="conformance-stability-") as tmp:

        def one(i: int) -> Run:
            run = run_once(i, run_args, Path(tmp))
            state = run.error or f"{run.summary.get('passed', 0)} passed, {run.summary.get('failed', 0)} failed"
            print(f"run {i:>3}/{runs}: {state} in {run.duration_s:.1f}s", flush=True)
            return run

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            result = list(pool.map(one, range(1, runs + 1)))
    return result, time.monotonic() - started


def document(target: str, command: str, runs: list[Run], wall_s: float) -> dict[str, Any]:
    """The JSON written to ``reports/stability/<target>.json`` (no paths of this machine)."""
    analysis = analyse(runs)
    errors = [{"run": r.index, "error": r.error} for r in runs if r.error is not None]
    return {
        "command": command,
        "target": target,
        "runs": len(runs),
        "stable": not analysis["changed"] and not errors,
        "wall_time_s": round(wall_s, 1),
        "run_time_s": {"min": round(min(r.duration_s for r in runs), 1), "max": round(max(r.duration_s for r in runs), 1)},
        "scenarios": analysis["scenarios"],
        "changed": analysis["changed"],
        "always_failing": analysis["always_failing"],
        "run_errors": errors,
        "per_run": [{"run": r.index, "exit_code": r.exit_code, "duration_s": round(r.duration_s, 1),
                     "summary": r.summary} for r in runs],
    }
