"""Wall time of ``conformance run`` per target, as whole processes, written to a JSON file.

    python benchmarks/suite_wall_time.py [--runs 3] [--targets reference reference-http] [--out reports/bench/suite_wall_time.json]

Each run is a fresh ``python -m conformance.cli run`` process (start-up, target start, every
scenario, reports), so the figures are what a user waits for. Compare targets within one run of
this script: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(target: str, runs: int, extra: list[str]) -> dict[str, object]:
    times: list[float] = []
    scenarios = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            code = subprocess.call([sys.executable, "-m", "conformance.cli", "run", "--target", target,
                                    "--report-dir", tmp, *extra], stdout=subprocess.DEVNULL, cwd=REPO)
            times.append(time.perf_counter() - started)
            report = json.loads((Path(tmp) / "report.json").read_text())
            scenarios = report["summary"]["total"]
            if code not in (0, 1):
                raise SystemExit(f"conformance run --target {target} exited {code}")
    return {"target": target, "args": extra, "runs": runs, "scenarios": scenarios,
            "min_s": round(min(times), 2), "median_s": round(statistics.median(times), 2),
            "max_s": round(max(times), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--targets", nargs="+", default=["reference", "reference-http"])
    parser.add_argument("--workers", default=None, help="also pass --workers to every run")
    parser.add_argument("--out", default=str(REPO / "reports" / "bench" / "suite_wall_time.json"))
    args = parser.parse_args()
    extra = ["--workers", args.workers] if args.workers else []
    results = [measure(t, args.runs, extra) for t in args.targets]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
               "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": results}
    out.write_text(json.dumps(payload, indent=2) + "\n")
    for r in results:
        print(f"{r['target']:<16} {r['scenarios']} scenarios  min {r['min_s']} s  median {r['median_s']} s  max {r['max_s']} s")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
