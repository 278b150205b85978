"""The catalogue against an already running real Strapi: start-up apart, then the scenarios.

    python benchmarks/strapi_suite.py [--strapi-version 5.54.0] [--runs 1] [--workers 2]
                                      [--out reports/bench/strapi-suite.json] [--before BEFORE.json]
                                      [--cpu-profile DIR]

Strapi (the fixture project, from the cache), the webhook receiver and the capability probes are
started once, as ``conformance run --target strapi`` does, and timed apart (``startup``). The
catalogue then runs ``--runs`` times against that one server, serially and with ``--workers``
(``--workers ''`` skips it), each a whole pytest session (collection, every scenario, reports),
inside this process, with the target's expectation manifest.

The first serial run is observed: the time spent inside requests to Strapi (set-up writes apart
from the requests under test), in webhook steps (waiting for deliveries) and the rest (the
harness), with the count of requests, and the requests by kind (method and path, ids left out); and
the CPU seconds Strapi itself used during the run. On a shared machine the load average is recorded
with every figure: compare figures of one run.

``--cpu-profile DIR`` loads benchmarks/node_cpu_profile.js into Strapi (NODE_OPTIONS) and profiles
exactly that first serial run: the ``.cpuprofile`` is written to DIR and its top costs (see
benchmarks/cpuprofile_top.py) go into the JSON under ``strapi_profile``. The profiler costs Strapi
CPU itself: time the catalogue without it.

``--before`` names this script's JSON from another checkout (run just before, on the same machine):
it is kept under ``before``, with the after/before ratios of the wall times and of Strapi's CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "bench" / "strapi-suite.json"
GOAL_S = 10.0


class BenchError(Exception):
    """The benchmark could not run (Strapi did not start, a run did not pass): a one-line reason."""


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process (Linux), None where /proc is missing."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(f) for f in fields[11:13]) / os.sysconf("SC_CLK_TCK")


class _Split:
    """Wall time of the catalogue split into requests (set-up / under test), webhook waits, the rest."""

    def __init__(self) -> None:
        self.seconds = {"setup_requests": 0.0, "main_requests": 0.0, "webhook_steps": 0.0}
        self.counts = {"setup_requests": 0, "main_requests": 0, "webhook_steps": 0}
        self.kinds: dict[str, list[float]] = {}  # "set-up POST /api/x/:id" -> [count, seconds]

    def add(self, what: str, seconds: float, kind: str | None = None) -> None:
        self.seconds[what] += seconds
        self.counts[what] += 1
        if kind is not None:
            entry = self.kinds.setdefault(kind, [0, 0.0])
            entry[0] += 1
            entry[1] += seconds

    def by_kind(self, top: int = 15) -> list[dict[str, Any]]:
        ranked = sorted(self.kinds.items(), key=lambda kv: -kv[1][1])[:top]
        return [{"kind": k, "count": int(c), "s": round(s, 3), "mean_ms": round(1000 * s / c, 2)}
                for k, (c, s) in ranked]

    @contextmanager
    def installed(self) -> Iterator[None]:
        from conformance import world as world_mod
        from conformance.steps import webhooks as webhook_steps

        request, collect = world_mod.World.request, webhook_steps.collect_deliveries

        def timed_request(world: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return request(world, method, path, *args, **kwargs)
            finally:
                main = kwargs.get("main", True)
                self.add("main_requests" if main else "setup_requests", time.perf_counter() - started,
                         f"{'main' if main else 'set-up'} {method} {_path_kind(path)}")

        def timed_collect(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return collect(*args, **kwargs)
            finally:
                self.add("webhook_steps", time.perf_counter() - started)

        world_mod.World.request = timed_request  # type: ignore[method-assign,assignment]
        webhook_steps.collect_deliveries = timed_collect
        try:
            yield
        finally:
            world_mod.World.request = request  # type: ignore[method-assign]
            webhook_steps.collect_deliveries = collect


_ID_SEGMENT = re.compile(r"/(?:[^/]*[{<][^/]*|[a-z0-9]{20,}|\d+)(?=/|$)")


def _path_kind(path: str) -> str:
    """A request's path without its query and with ids (documentIds, numbers, placeholders) as :id."""
    return _ID_SEGMENT.sub("/:id", path.split("?", 1)[0])


def _run_catalogue(pytest_args: Callable[[Path, str | None], list[str]], workers: str | None,
                   strapi_pid: int | None, split: _Split | None = None) -> dict[str, Any]:
    import pytest

    with tempfile.TemporaryDirectory() as tmp:
        load = round(os.getloadavg()[0], 2)
        cpu_before = cpu_seconds(strapi_pid)
        started = time.perf_counter()
        if split is not None:
            with split.installed():
                code = pytest.main(pytest_args(Path(tmp), workers))
        else:
            code = pytest.main(pytest_args(Path(tmp), workers))
        wall = time.perf_counter() - started
        cpu_after = cpu_seconds(strapi_pid)
        report_path = Path(tmp) / "report.json"
        if not report_path.is_file():
            raise BenchError(f"the catalogue run (workers {workers or 1}) wrote no report (pytest exit {code})")
        report = json.loads(report_path.read_text(encoding="utf-8"))
    summary = report["summary"]
    if report["verdict"] != "conformant":
        raise BenchError(f"the catalogue run (workers {workers or 1}) was {report['verdict']}: {summary}")
    result: dict[str, Any] = {
        "workers": int(workers) if workers else 1, "wall_s": round(wall, 3), "load_average_1m": load,
        "scenarios": summary["total"], "passed": summary["passed"],
        "expected_failures": summary["expected_failures"],
        "strapi_cpu_s": round(cpu_after - cpu_before, 2) if cpu_before is not None and cpu_after is not None else None,
    }
    slowest = sorted(report["scenarios"], key=lambda s: -float(s["duration_s"]))[:10]
    result["slowest"] = [{"id": s["id"], "duration_s": s["duration_s"]} for s in slowest]
    if split is not None:
        inside = sum(split.seconds.values())
        result["split_s"] = {k: round(v, 3) for k, v in split.seconds.items()}
        result["split_s"]["harness_and_pytest"] = round(wall - inside, 3)
        result["counts"] = dict(split.counts)
        result["requests_by_kind"] = split.by_kind()
        requests = split.counts["setup_requests"] + split.counts["main_requests"]
        if requests:
            per = (split.seconds["setup_requests"] + split.seconds["main_requests"]) / requests
            result["mean_request_ms"] = round(1000 * per, 2)
    return result


PROFILER_JS = ROOT / "benchmarks" / "node_cpu_profile.js"


@contextmanager
def _profiled(pid: int | None, directory: Path | None, top: int = 20) -> Iterator[dict[str, Any]]:
    """SIGUSR2 to Strapi before and after the block (see node_cpu_profile.js); yields the summary."""
    summary: dict[str, Any] = {}
    if directory is None or pid is None:
        yield summary
        return
    from benchmarks.cpuprofile_top import summarize

    known = set(directory.glob("*.cpuprofile"))
    os.kill(pid, signal.SIGUSR2)
    time.sleep(0.2)  # the profiler starts on Strapi's event loop
    try:
        yield summary
    finally:
        os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        new = sorted(set(directory.glob("*.cpuprofile")) - known)
        if new:
            time.sleep(0.5)  # written in one writeFileSync; let it finish
            summary["file"] = new[-1].name
            summary.update(summarize(json.loads(new[-1].read_text(encoding="utf-8")), top))
            return
        time.sleep(0.2)
    raise BenchError(f"Strapi wrote no CPU profile into {directory} within 30 s")


def measure(version: str, runs: int, workers: str | None, profile_dir: Path | None = None) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    if profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
        os.environ["CONFORMANCE_CPU_PROFILE_DIR"] = str(profile_dir.resolve())
        os.environ["NODE_OPTIONS"] = f"{os.environ.get('NODE_OPTIONS', '')} --require {PROFILER_JS}".strip()
    from conformance import cli
    from conformance.strapi_commands import manifest_for
    from conformance.targets.launch import launch

    args = argparse.Namespace(target=f"strapi:{version}", strapi_version=None, capability=None, database=None,
                           project=None, process_command=None, ready_url=None, workers=workers, verbose=False,
                           tags=None, id=None, expectations=None, profile=None, trace=False)
    load = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    launched = launch(args)  # install (cached), start, discover, probe: what a running server has behind it
    startup = time.perf_counter() - started
    try:
        target = launched.target
        pid = target.pid if target is not None else None
        manifest = manifest_for(launched.report_name)
        if manifest is not None:
            args.expectations = str(manifest)

        def pytest_args(report_dir: Path, n: str | None) -> list[str]:
            args.workers = n
            return cli.pytest_args(args, launched.pytest_options, report_dir)

        with _profiled(pid, profile_dir) as profile:
            serial = [_run_catalogue(pytest_args, None, pid, _Split())]
        serial += [_run_catalogue(pytest_args, None, pid) for _ in range(runs - 1)]
        parallel = [_run_catalogue(pytest_args, workers, pid) for _ in range(runs)] if workers else []
    finally:
        launched.stop()

    def figures(results: list[dict[str, Any]]) -> dict[str, Any]:
        walls = [r["wall_s"] for r in results]
        return {"median_s": round(statistics.median(walls), 3), "min_s": min(walls), "max_s": max(walls),
                "goal_s": GOAL_S, "within_goal": statistics.median(walls) < GOAL_S, "runs": results}

    out: dict[str, Any] = {
        "command": " ".join(["python benchmarks/strapi_suite.py", "--strapi-version", version, "--runs", str(runs),
                             "--workers", workers or "''"]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.system()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "strapi": version,
        "startup": {"wall_s": round(startup, 3), "load_average_1m": load,
                    "what": "install check, fixture project, Strapi start, discovery, capability probes"},
        "serial": figures(serial),
    }
    if parallel:
        out[f"workers_{workers}"] = figures(parallel)
    if profile:
        out["strapi_profile"] = {"what": "Strapi's CPU profile over the first serial run (V8 sampling, "
                                 "benchmarks/node_cpu_profile.js); shares of its busy time", **profile}
    return out


def compare(result: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """After/before ratios per mode present in both: median wall time and the first run's Strapi CPU."""
    ratios: dict[str, Any] = {}
    for mode in ("serial", *[k for k in result if k.startswith("workers_")]):
        if mode not in before:
            continue
        now, then = result[mode], before[mode]
        cpu_now, cpu_then = now["runs"][0].get("strapi_cpu_s"), then["runs"][0].get("strapi_cpu_s")
        ratios[mode] = {"wall": round(now["median_s"] / then["median_s"], 3),
                        "strapi_cpu": round(cpu_now / cpu_then, 3) if cpu_now and cpu_then else None}
    return ratios


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"Strapi {result['strapi']}: start-up {result['startup']['wall_s']} s (apart, "
             f"load {result['startup']['load_average_1m']})"]
    for name in ("serial", *[k for k in result if k.startswith("workers_")]):
        f = result[name]
        first = f["runs"][0]
        lines.append(f"catalogue {name:<10} {first['scenarios']} scenarios  median {f['median_s']} s "
                     f"(goal < {f['goal_s']} s; load {first['load_average_1m']}; Strapi CPU {first['strapi_cpu_s']} s)")
    first = result["serial"]["runs"][0]
    if "split_s" in first:
        s, c = first["split_s"], first["counts"]
        lines.append(f"serial split: set-up requests {s['setup_requests']} s ({c['setup_requests']}), requests under "
                     f"test {s['main_requests']} s ({c['main_requests']}), webhook steps {s['webhook_steps']} s "
                     f"({c['webhook_steps']}), harness and pytest {s['harness_and_pytest']} s; "
                     f"mean request {first.get('mean_request_ms')} ms")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strapi-version", default=None, help="default: the suite's default Strapi version")
    parser.add_argument("--runs", type=int, default=1, help="catalogue runs per mode (median)")
    parser.add_argument("--workers", default="2", help="also time --workers N against the same server ('' to skip)")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--before", default=None, help="this script's JSON from another checkout, to compare with")
    parser.add_argument("--cpu-profile", default=None, metavar="DIR",
                        help="profile Strapi over the first serial run; the .cpuprofile goes to DIR")
    args = parser.parse_args(argv)
    if args.runs < 1:
        print("strapi_suite: --runs must be at least 1", file=sys.stderr)
        return 2
    if args.workers and not args.workers.isdigit():
        print(f"strapi_suite: --workers {args.workers!r}: a number of workers, or '' to skip", file=sys.stderr)
        return 2
    before = None
    if args.before:
        try:
            before = json.loads(Path(args.before).read_text(encoding="utf-8"))
            before["serial"]["runs"][0]  # the shape this script writes
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            print(f"strapi_suite: --before {args.before}: not this script's JSON ({exc})", file=sys.stderr)
            return 2
    sys.path.insert(0, str(ROOT))
    from conformance.targets.base import TargetError
    from conformance.targets.strapi import DEFAULT_VERSION

    try:
        result = measure(args.strapi_version or DEFAULT_VERSION, args.runs, args.workers or None,
                         Path(args.cpu_profile) if args.cpu_profile else None)
    except (BenchError, TargetError) as exc:
        print(f"strapi_suite: {exc}", file=sys.stderr)
        return 2
    if before is not None:
        result["command"] += " --before BEFORE.json"  # another checkout's output, named by role not path
        result["before"] = before
        result["after_over_before"] = compare(result, before)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for line in summary_lines(result):
        print(line)
    for mode, ratio in result.get("after_over_before", {}).items():
        print(f"after/before {mode}: wall x{ratio['wall']}, Strapi CPU x{ratio['strapi_cpu']}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
