"""``python -m tests.meta.bench``: what the meta-tests cost, written to reports/bench/meta-tests.json.

Measures, on this machine and in this minute (the load average is recorded with the figures, as a
shared machine's wall times mean little without it):

- one variant's run (its declared ids plus controls) started as a fresh process, as the meta-tests
  did before, and forked from the warm server, as they do now: CPU seconds per run, mean of ``--runs``;
- ``pytest tests/meta`` as ``tox -e unit`` runs it (``--xdist N``, 0 for none): wall and CPU seconds,
  with the meta batch's runs at a time (``--jobs``, else test_meta.batch_jobs());
- with ``--unit``, the whole ``pytest tests`` with the same options (what ``tox -e unit`` runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .runner import JOBS_ENV, REPO_ROOT, SuiteRunner, batch_jobs, load_recorded, quick_selection, scenario_ids
from .variants import get_variant

OUT = REPO_ROOT / "reports" / "bench" / "meta-tests.json"
SAMPLE = ("policy-false-ignored", "op-not-in-as-in", "webhook-model-is-uid", "error-details-dropped")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _per_run(fork: bool, runs: int) -> dict[str, Any]:
    ids = scenario_ids()
    recorded = load_recorded(REPO_ROOT / "reports" / "meta" / "mutants.json")
    cpu: list[float] = []
    walls: list[float] = []
    usage: list[dict[str, float]] = []
    with SuiteRunner(fork=fork) as runner:
        if fork:
            runner.run(None, ["GM-016"])  # start the server: its warm-up is paid once per session
        for i in range(runs):
            variant = get_variant(SAMPLE[i % len(SAMPLE)])
            before = _children_cpu()
            started = time.perf_counter()
            result = runner.run(variant.name, quick_selection(variant, ids, recorded))
            walls.append(time.perf_counter() - started)
            if result.error:
                raise SystemExit(f"meta bench: {variant.name}: {result.error}")
            cpu.append(result.cpu_s if result.cpu_s is not None else _children_cpu() - before)
            usage.append(result.usage)
    out: dict[str, Any] = {"runs": runs, "cpu_s_per_run": round(sum(cpu) / runs, 3),
                           "wall_s_per_run": round(sum(walls) / runs, 3)}
    # A forked run's CPU split (the server's wait4): user and system time, minor page faults
    # (copy-on-write of the server's pages, fresh memory).
    for key in ("user_s", "sys_s", "minor_faults"):
        values = [u[key] for u in usage if key in u]
        if len(values) == runs:
            out[f"{key}_per_run"] = round(sum(values) / runs, 3 if key != "minor_faults" else None)
    return out


def _pytest(paths: list[str], xdist: int, jobs: int | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:randomly"]
    if xdist:
        command += ["-n", str(xdist)]
    env = {**os.environ, JOBS_ENV: str(jobs)} if jobs else None
    before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    return {"command": " ".join(["pytest", *command[3:]]), "exit_code": proc.returncode, "summary": tail,
            "batch_jobs": jobs or batch_jobs(),
            "wall_s": round(wall, 1), "cpu_s": round(_children_cpu() - before, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.meta.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="variant runs per way of starting them (default 8)")
    parser.add_argument("--xdist", type=int, default=2, help="pytest-xdist workers for the pytest figures (0: none)")
    parser.add_argument("--unit", action="store_true", help="also time the whole `pytest tests` (tox -e unit)")
    parser.add_argument("--skip-pytest", action="store_true", help="only the per-run figures")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"the meta batch's runs at a time in the pytest figures ({JOBS_ENV})")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    document: dict[str, Any] = {
        "command": "python -m tests.meta.bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "per_variant_run": {"fresh_process": _per_run(False, args.runs), "forked": _per_run(True, args.runs)},
    }
    if not args.skip_pytest:
        document["pytest_tests_meta"] = _pytest(["tests/meta"], args.xdist, args.jobs)
        if args.unit:
            document["pytest_tests"] = _pytest(["tests"], args.xdist, args.jobs)
    document["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
