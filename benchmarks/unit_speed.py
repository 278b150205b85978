"""``python -m benchmarks.unit_speed``: what ``tox -e unit`` costs, written to reports/bench/unit.json.

Runs the unit env's command with two xdist workers (``pytest tests -q -n 2 --dist loadgroup -m "not strapi"``, as CI's
2-core machine runs ``-n auto``) and records its wall and CPU seconds (the CPU of every process it
started: workers, forked runs, servers), the 15 slowest test phases, the test counts and the load
average before and after: on a shared machine a wall time means little without the load beside it.

``--compare DIR`` runs another checkout's own command (e.g. a worktree of main) as well,
alternating with this one for ``--rounds`` rounds, or with ``--together`` at the same time, so both
are measured in the same minutes (CPU seconds are each run's own either way).
No figure is asserted anywhere: this only measures.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT = REPO_ROOT / "reports" / "bench" / "unit.json"
COMMAND = ["-m", "pytest", "tests", "-q", "-n", "2", "--dist", "loadgroup", "-m", "not strapi", "-p", "no:randomly",
           "--durations=15"]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s+(setup|call|teardown)\s+(\S+)")
_COUNT = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?|xfailed|xpassed|warnings?)")


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def command_of(checkout: Path) -> list[str]:
    """The command ``checkout``'s own benchmarks/unit_speed.py measures (its tox unit command may
    differ from this one's, e.g. without --dist loadgroup); this one's when it has none."""
    source = checkout / "benchmarks" / "unit_speed.py"
    if checkout != REPO_ROOT and source.is_file():
        for node in ast.parse(source.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COMMAND"
                                                    for t in node.targets):
                value = ast.literal_eval(node.value)
                if isinstance(value, list) and all(isinstance(x, str) for x in value):
                    return value
    return COMMAND


def run_once(checkout: Path) -> dict[str, Any]:
    """One ``pytest tests -q -n 2`` in ``checkout``: wall, CPU, counts, slowest phases."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(checkout), os.environ.get("PYTHONPATH"))
                                                      if p)}
    load_before = _load()
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        command = command_of(checkout)
        proc = subprocess.Popen([sys.executable, *command], cwd=checkout, env=env, stdout=output,
                                stderr=subprocess.STDOUT, text=True)
        # wait4: this run's own CPU (its workers and what they started), even with another run beside it
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        lines = output.read().splitlines()
    slowest = [{"seconds": float(m.group(1)), "phase": m.group(2), "test": m.group(3)}
               for line in lines if (m := _DURATION.match(line))][:15]
    summary = next((line.strip("= ") for line in reversed(lines) if " in " in line and _COUNT.search(line)), "")
    counts = {kind: int(n) for n, kind in _COUNT.findall(summary)}
    return {"checkout": checkout.name, "measured": "python " + " ".join(command), "exit_code": proc.returncode,
            "summary": summary, "counts": counts,
            "tests_run": sum(counts.get(k, 0) for k in ("passed", "failed", "skipped", "xfailed", "xpassed")),
            "wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "load_average_before": load_before, "load_average_after": _load(), "slowest": slowest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.unit_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="DIR", help="another checkout to time alternately (e.g. main)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds (default 1); with --compare, alternating")
    parser.add_argument("--together", action="store_true",
                        help="with --compare, run both at the same time (each one's CPU is still its own)")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    other = Path(args.compare).resolve() if args.compare else None
    if other is not None and not (other / "tests").is_dir():
        print(f"unit_speed: {other} is not a checkout of this project (no tests/)", file=sys.stderr)
        return 2
    if args.rounds < 1:
        print("unit_speed: --rounds must be at least 1", file=sys.stderr)
        return 2
    runs: list[dict[str, Any]] = []

    def one(checkout: Path) -> dict[str, Any]:
        run = run_once(checkout)
        run["role"] = "this" if checkout == REPO_ROOT else "compare"
        print(f"{run['role']:<8} {checkout.name}: wall {run['wall_s']} s, cpu {run['cpu_s']} s, "
              f"{run['summary']} (load {run['load_average_before']})", file=sys.stderr)
        return run

    for i in range(args.rounds):
        order = [REPO_ROOT] if other is None else ([other, REPO_ROOT] if i % 2 == 0 else [REPO_ROOT, other])
        if args.together and len(order) == 2:
            with ThreadPoolExecutor(2) as pool:
                runs.extend(pool.map(one, order))
        else:
            runs.extend(one(checkout) for checkout in order)
    document: dict[str, Any] = {
        # The other checkout is named, not its path: reports never name a path of the machine.
        "command": "python -m benchmarks.unit_speed " + " ".join(
            "OTHER_CHECKOUT" if other is not None and arg == str(args.compare) else arg
            for arg in (argv if argv is not None else sys.argv[1:])),
        "measured": "python " + " ".join(COMMAND),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
        "runs": runs,
    }
    for role in ("this", "compare"):
        mine = [r for r in runs if r["role"] == role]
        if mine:
            document[f"{role}_mean"] = {"wall_s": round(sum(r["wall_s"] for r in mine) / len(mine), 1),
                                        "cpu_s": round(sum(r["cpu_s"] for r in mine) / len(mine), 1)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in document.items() if k != "runs"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
