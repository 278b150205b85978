"""``python -m benchmarks.unit_speed``: what ``tox -e unit`` costs, written to reports/bench/unit.json.

Runs the unit env's command (``pytest tests -q -n auto --dist loadgroup -m "not strapi"``, tox.ini's unit
line) and records its wall and CPU seconds (the CPU of every process it started: workers, forked runs, servers), the 15 slowest test phases, the test counts and the load
average before and after: on a shared machine a wall time means little without the load beside it.

``--compare DIR`` runs another checkout's own command (e.g. a worktree of main) as well,
alternating with this one for ``--rounds`` rounds, or with ``--together`` at the same time, so both
are measured in the same minutes (CPU seconds are each run's own either way).
``--workers 2,3,4`` times this checkout's command with each xdist worker count instead, alternating
in every round (which ``-n`` is fastest here); ``--no-meta`` leaves the meta batch
(tests/meta/test_meta.py) out of every run.
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
COMMAND = ["-m", "pytest", "tests", "-q", "-n", "auto", "--dist", "loadgroup", "-m", "not strapi", "-p", "no:randomly",
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


def with_workers(command: list[str], workers: str | None, no_meta: bool) -> list[str]:
    """``command`` with ``-n workers`` instead of its own, and without the meta batch if asked."""
    out = list(command)
    if workers is not None and "-n" in out:
        out[out.index("-n") + 1] = workers
    if no_meta:
        out += ["--deselect", "tests/meta/test_meta.py"]
    return out


def run_once(checkout: Path, workers: str | None = None, no_meta: bool = False) -> dict[str, Any]:
    """One run of the unit command in ``checkout``: wall, CPU, counts, slowest phases."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(checkout), os.environ.get("PYTHONPATH"))
                                                      if p)}
    load_before = _load()
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        command = with_workers(command_of(checkout), workers, no_meta)
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
    return {"checkout": checkout.name, "workers": command[command.index("-n") + 1],
            "measured": "python " + " ".join(command), "exit_code": proc.returncode,
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
    parser.add_argument("--workers", help="comma-separated xdist worker counts to time alternately (e.g. 2,3,4)")
    parser.add_argument("--no-meta", action="store_true", help="leave the meta batch (tests/meta/test_meta.py) out")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    other = Path(args.compare).resolve() if args.compare else None
    if other is not None and not (other / "tests").is_dir():
        print(f"unit_speed: {other} is not a checkout of this project (no tests/)", file=sys.stderr)
        return 2
    if args.rounds < 1:
        print("unit_speed: --rounds must be at least 1", file=sys.stderr)
        return 2
    counts = [w.strip() for w in args.workers.split(",")] if args.workers else []
    if counts and (other is not None or not all(w == "auto" or (w.isdigit() and int(w) > 0) for w in counts)):
        print("unit_speed: --workers takes counts like 2,3,4 (or auto), and not with --compare", file=sys.stderr)
        return 2
    runs: list[dict[str, Any]] = []

    def one(checkout: Path, workers: str | None = None) -> dict[str, Any]:
        run = run_once(checkout, workers, args.no_meta)
        run["role"] = ("this" if checkout == REPO_ROOT else "compare") if workers is None else f"n{workers}"
        print(f"{run['role']:<8} {checkout.name}: wall {run['wall_s']} s, cpu {run['cpu_s']} s, "
              f"{run['summary']} (load {run['load_average_before']})", file=sys.stderr)
        return run

    for i in range(args.rounds if counts else 0):  # each count once per round, the order turned each round
        order = counts[i % len(counts):] + counts[:i % len(counts)]
        runs.extend(one(REPO_ROOT, w) for w in order)
    for i in range(0 if counts else args.rounds):
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
        "measured": "python " + " ".join(with_workers(COMMAND, None, args.no_meta)),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
        "runs": runs,
    }
    for role in ("this", "compare", *(f"n{w}" for w in counts)):
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
