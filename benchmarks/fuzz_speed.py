"""Fuzzing and differential speed against the in-process reference implementation, written to
reports/bench/fuzz.json.

    python benchmarks/fuzz_speed.py [--runs 2] [--max-examples 20] [--diff-cases 1000] [--only fuzz|diff]
                                    [--out reports/bench/fuzz.json] [--label after] [--checkout DIR]
                                    [--compare OTHER_CHECKOUT [--compare-label before]]

Each run is a whole ``conformance fuzz --target reference`` process (every phase, default seed);
the figures come from its summary.json: cases, wall time of the phases, CPU time of the process over
them (the in-process target included) and cases per second; the whole process' wall and CPU time
(start-up included) are measured around it. Three situations:

- ``cold``: an empty corpus directory, every stateless case drawn by hypothesis;
- ``warm``: the same directory again, the stateless cases read back (what every later run, and a
  run against another target with the same document and seed, does);
- ``warm-stateless``: the same, stateless phase only;
- ``diff-cold`` and ``diff-warm``: ``conformance diff --target reference --against reference`` (in-process
  references in one process: the candidate, the oracle, and the oracle's second instance where noise
  must be learned) with an empty plan cache, then with the plan cached; a case is one compared
  request, sent to A and B (and to the oracle again where a verdict depends on it: ``requests``).
  Figures come from its summary.json (the replay's wall and CPU time); ``--diff-cases 0`` skips it.

The machine is shared and noisy: the load average at each run is recorded, and cases per CPU
second is the figure that load disturbs least. ``--checkout DIR`` measures another checkout of the
project; ``--compare OTHER_CHECKOUT`` measures a second one too (a worktree of main, say), alternating
with the first run by run so that a before/after pair sees the same minutes. A checkout without the
corpus is measured cold only.
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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def fuzz(checkout: Path, report: Path, corpus: Path | None, max_examples: int, phases: str | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "conformance.cli", "fuzz", "--target", "reference", "--report-dir", str(report),
               "--max-examples", str(max_examples)]
    if corpus is not None:
        command += ["--corpus-dir", str(corpus)]
    if phases:
        command += ["--phases", phases]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    code = subprocess.call(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=checkout, env=env)
    process_wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    process_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads((report / "summary.json").read_text())
    cases, wall = summary["cases"]["total"], summary["duration_s"]
    cpu = summary.get("cpu_s")
    return {"exit": code, "cases": cases, "wall_s": wall, "cpu_s": cpu,
            "cases_per_s": round(cases / wall, 1) if wall else None,
            "cases_per_cpu_s": round(cases / cpu, 1) if cpu else None,
            "process_wall_s": round(process_wall, 2), "process_cpu_s": round(process_cpu, 2),
            "phases_s": summary.get("phase_durations_s"), "corpus": summary.get("corpus", "n/a"),
            "load_average_1m": round(load, 2)}


def diff(checkout: Path, report: Path, cache_home: Path, cases: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "conformance.cli", "diff", "--target", "reference", "--against", "reference",
               "--no-manifest", "--cases", str(cases), "--report-dir", str(report)]
    env = {**os.environ, "PYTHONPATH": str(checkout), "XDG_CACHE_HOME": str(cache_home)}
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    code = subprocess.call(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=checkout, env=env)
    process_wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    process_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads((report / "summary.json").read_text())
    total, wall, cpu = summary["cases"], summary["replay_s"], summary.get("replay_cpu_s")
    requests = summary.get("requests", 3 * total)  # before it was recorded: every case sent three times
    return {"exit": code, "cases": total, "requests": requests, "wall_s": wall, "cpu_s": cpu,
            "cases_per_s": round(total / wall, 1) if wall else None,
            "cases_per_cpu_s": round(total / cpu, 1) if cpu else None,
            "requests_per_cpu_s": round(requests / cpu, 1) if cpu else None,
            "process_wall_s": round(process_wall, 2), "process_cpu_s": round(process_cpu, 2),
            "process_cases_per_cpu_s": round(total / process_cpu, 1) if process_cpu else None,
            "plan": summary.get("plan"), "agreement_percent": summary.get("agreement_percent"),
            "load_average_1m": round(load, 2)}


def situation(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    def median(key: str) -> float | None:
        values = [r[key] for r in runs if r.get(key) is not None]
        return round(statistics.median(values), 1) if values else None

    return {"situation": name, "runs": runs, "median_cases_per_s": median("cases_per_s"),
            "median_cases_per_cpu_s": median("cases_per_cpu_s")}


ORDER = ("cold", "warm", "warm-stateless", "diff-cold", "diff-warm")


def measure_once(checkout: Path, max_examples: int, diff_cases: int, only: str | None,
                 into: dict[str, list[dict[str, Any]]]) -> None:
    """One round of every situation on ``checkout``, each run appended to ``into[situation]``."""
    has_fuzz = only != "diff"
    has_corpus = has_fuzz and (checkout / "conformance" / "fuzz" / "corpus.py").is_file()
    has_diff = only != "fuzz" and diff_cases > 0 and (checkout / "conformance" / "diff" / "plan.py").is_file()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus" if has_corpus else None
        if has_fuzz:
            into.setdefault("cold", []).append(fuzz(checkout, Path(tmp) / "cold", corpus, max_examples, None))
        if has_corpus:
            into.setdefault("warm", []).append(fuzz(checkout, Path(tmp) / "warm", corpus, max_examples, None))
            into.setdefault("warm-stateless", []).append(
                fuzz(checkout, Path(tmp) / "stateless", corpus, max_examples, "stateless"))
        if has_diff:
            into.setdefault("diff-cold", []).append(
                diff(checkout, Path(tmp) / "diff-cold", Path(tmp) / "cache", diff_cases))
            into.setdefault("diff-warm", []).append(
                diff(checkout, Path(tmp) / "diff-warm", Path(tmp) / "cache", diff_cases))


def _commit(checkout: Path) -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True,
                          text=True).stdout.strip()


def _checkout(text: str) -> Path | None:
    path = Path(text).resolve()
    return path if (path / "conformance" / "fuzz").is_dir() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--diff-cases", type=int, default=1000, help="cases of the diff runs (0: no diff runs)")
    parser.add_argument("--only", choices=("fuzz", "diff"), default=None,
                        help="measure the fuzz situations only, or the diff situations only (default: both)")
    parser.add_argument("--label", default="current")
    parser.add_argument("--checkout", default=str(REPO), help="the project checkout to measure (default: this one)")
    parser.add_argument("--compare", default=None, metavar="OTHER_CHECKOUT",
                        help="also measure this checkout (e.g. a worktree of main), alternating with --checkout run "
                             "by run so that both see the same minutes; recorded under --compare-label")
    parser.add_argument("--compare-label", default="before")
    parser.add_argument("--out", default=str(REPO / "reports" / "bench" / "fuzz.json"))
    args = parser.parse_args()
    checkout = _checkout(args.checkout)
    other = _checkout(args.compare) if args.compare else None
    if checkout is None or (args.compare and other is None):
        bad = args.checkout if checkout is None else args.compare
        print(f"fuzz_speed: {bad} is not a checkout of this project", file=sys.stderr)
        return 2
    if args.runs < 1:
        print("fuzz_speed: --runs must be at least 1", file=sys.stderr)
        return 2
    measured: dict[str, dict[str, list[dict[str, Any]]]] = {args.label: {}}
    pairs = [(args.label, checkout)]
    if other is not None:
        measured[args.compare_label] = {}
        pairs.insert(0, (args.compare_label, other))
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for _ in range(args.runs):
        for label, path in pairs:
            measure_once(path, args.max_examples, args.diff_cases, args.only, measured[label])
    out = Path(args.out)
    previous = json.loads(out.read_text()) if out.is_file() else {}
    results = previous.get("results", {})
    for label, path in pairs:
        results[label] = {"commit": _commit(path), "max_examples": args.max_examples, "diff_cases": args.diff_cases,
                          "measured_at": started, "alternated_with": [x for x, _ in pairs if x != label],
                          "situations": [situation(name, measured[label][name]) for name in ORDER
                                         if name in measured[label]]}
    payload = {"benchmark": "conformance fuzz --target reference (all phases, default seed) and conformance diff "
                            "--target reference --against reference (default seed)",
               "command": "python benchmarks/fuzz_speed.py"
                          + (f" --only {args.only}" if args.only else "")
                          + (" --compare OTHER_CHECKOUT" if other is not None else ""),
               "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "platform": platform.platform()},
               "results": results}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
    for label, _path in pairs:
        for s in results[label]["situations"]:
            loads = ", ".join(str(r["load_average_1m"]) for r in s["runs"])
            print(f"{label:<8} {s['situation']:<15} {s['median_cases_per_s']} cases/s wall, "
                  f"{s['median_cases_per_cpu_s']} cases/CPU-s (load {loads})")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
