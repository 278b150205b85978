"""Every benchmark in one command, the reference implementation side by side with real Strapi.

    python -m benchmarks all [--strapi 5.54.0|none] [--seconds 5] [--rounds 3] [--connections 16]
                             [--postgres URL] [--baseline GITREV]
                             [--skip inprocess,suite,fuzz,strapi-suite,throughput,memory]

- ``inprocess``: CPU milliseconds per request of the reference implementation itself (no network).
- ``throughput``: requests per second over real HTTP (wrk, one process per server, loopback) for
  ``GET /api/articles``, ``GET /api/articles/:documentId`` and ``POST /api/articles``, on the
  reference implementation (SQLite, and PostgreSQL with ``--postgres`` or ``$CONFORMANCE_PG_URL``)
  and on real Strapi (SQLite: the cached Strapi install has no PostgreSQL driver), every server
  started and stopped here, rounds alternating between servers so that the load of a shared
  machine falls on both sides alike.  Ratios are taken per round, then their median reported; the
  server's own CPU time per request (``/proc/PID/stat``) is reported too, being steadier than
  requests per second on a busy machine.  The GET rounds run before the POST rounds, so that the
  lists read are the seeded ones.
- ``memory``: peak RSS (``VmHWM``) of each server after ``wrk -c500`` on the list.
- ``suite``: wall time of ``conformance run`` against the in-process reference (serial, ``--workers 2``, one
  scenario) and the harness' overhead per scenario (``benchmarks/harness_overhead.py``).
- ``fuzz``: cases per second of ``conformance fuzz`` against it (``benchmarks/fuzz_speed.py``, one run).
- ``strapi-suite``: the catalogue against a running real Strapi, start-up apart, serially and with
  ``--workers 2`` (``benchmarks/strapi_suite.py``; skipped with ``--strapi none``).

Figures go to ``reports/bench/*.json``; a summary table is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "reports" / "bench"
ARTICLE = {"title": "Benchmark article", "body": "x" * 200, "views": 1}
SCENARIOS = ("GET /api/articles", "GET /api/articles/:documentId", "POST /api/articles")
PG_ENV = "CONFORMANCE_PG_URL"


class BenchError(Exception):
    """A benchmark could not run (missing tool, server that did not start): a one-line reason."""


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model or platform.processor() or "unknown",
            "python": platform.python_version(), "system": platform.system(),
            # Other work on the machine slows some servers more than others: compare within a run.
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and of its waited-for children (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


# -- servers -------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    database: str
    url: str
    pid: int
    stop: Callable[[], None]
    document_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def start_reference(name: str, database_url: str | None, database: str, env: dict[str, str] | None = None,
                    tree: Path | None = None) -> Server:
    """``python -m reference_impl serve`` (of ``tree``, this checkout by default) on the fixture project."""
    sys.path.insert(0, str(ROOT))
    from conformance.targets.process import ProcessTarget
    from conformance.targets.registry import TargetOptions, parse

    target = parse("reference-http").build(TargetOptions(database=database_url))
    assert isinstance(target, ProcessTarget)  # its environment and folder are set below
    target.env.update(env or {})
    if tree is not None:  # ``python -m`` puts the working directory first on sys.path
        target.env["PYTHONPATH"] = str(tree)
        target.cwd = str(tree)
    try:
        target.start()
    except Exception as exc:
        raise BenchError(f"{name} did not start: {exc}") from exc
    assert target.pid is not None
    return Server(name, database, target.base_url, target.pid, target.stop)


def start_strapi(version: str) -> Server:
    from conformance.targets.registry import TargetOptions, parse

    target = parse(f"strapi:{version}").build(TargetOptions())
    try:
        info = target.start()
    except Exception as exc:
        raise BenchError(f"strapi {version} did not start: {exc}") from exc
    assert info.url is not None and target.pid is not None
    return Server(f"strapi-{version}", "sqlite", info.url.rstrip("/"), target.pid, target.stop)


class PostgresSchema:
    """A fresh schema on the given PostgreSQL database, dropped afterwards (runs share the database)."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.sa = sa
        self.base = url
        self.schema = "bench_" + uuid.uuid4().hex[:12]
        self.engine = sa.create_engine(url)
        with self.engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        separator = "&" if "?" in url else "?"
        self.url = f"{url}{separator}options={quote(f'-csearch_path={self.schema}')}"

    def drop(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.sa.text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.engine.dispose()


def seed(server: Server, count: int = 20) -> None:
    with httpx.Client(base_url=server.url, timeout=30.0, trust_env=False) as client:
        for i in range(count):
            r = client.post("/api/articles", json={"data": {**ARTICLE, "title": f"Article {i}", "views": i}})
            if r.status_code not in (200, 201):
                raise BenchError(f"{server.name}: seeding answered {r.status_code}: {r.text[:200]}")
            server.document_id = r.json()["data"]["documentId"]


# -- load ----------------------------------------------------------------------------------------


def wrk_script(tmp: Path) -> Path:
    script = tmp / "post.lua"
    body = json.dumps({"data": ARTICLE}).replace("\\", "\\\\").replace("'", "\\'")
    script.write_text(f"wrk.method = 'POST'\nwrk.body = '{body}'\nwrk.headers['Content-Type'] = 'application/json'\n")
    return script


def run_wrk(url: str, seconds: int, connections: int, threads: int, script: Path | None = None) -> dict[str, Any]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {(done.stderr or done.stdout).strip().splitlines()[0][:200]}")
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if rps is None or total is None:
        raise BenchError(f"unreadable wrk output: {out[:200]}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M))
    return {"requests_per_s": float(rps.group(1)), "requests": int(total.group(1)),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else None,
            "latency": latency}


def target_url(server: Server, scenario: str) -> str:
    if scenario == "GET /api/articles/:documentId":
        return f"{server.url}/api/articles/{server.document_id}"
    return f"{server.url}/api/articles"


def measure(server: Server, scenario: str, seconds: int, connections: int, threads: int,
            script: Path) -> dict[str, Any]:
    before = cpu_seconds(server.pid)
    result = run_wrk(target_url(server, scenario), seconds, connections, threads,
                     script if scenario.startswith("POST") else None)
    after = cpu_seconds(server.pid)
    if before is not None and after is not None and result["requests"]:
        result["server_cpu_ms_per_request"] = round(1000 * (after - before) / result["requests"], 3)
    return result


def throughput(servers: list[Server], rounds: int, seconds: int, connections: int, threads: int,
               tmp: Path) -> dict[str, Any]:
    script = wrk_script(tmp)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {s: {srv.name: [] for srv in servers} for s in SCENARIOS}
    for scenario in SCENARIOS:
        for server in servers:  # warm-up: JIT, caches, connection pools
            run_wrk(target_url(server, scenario), min(2, seconds), connections, threads,
                    script if scenario.startswith("POST") else None)
        for r in range(rounds):
            # Alternate which server goes first, so neither always follows the other's load.
            order = servers if r % 2 == 0 else list(reversed(servers))
            for server in order:
                result = measure(server, scenario, seconds, connections, threads, script)
                runs[scenario][server.name].append(result)
                print(f"  round {r + 1} {scenario:<32} {server.name:<22} {result['requests_per_s']:>9.0f} req/s  "
                      f"{result.get('server_cpu_ms_per_request', '?')} CPU ms/req  non-2xx {result['non_2xx']}",
                      file=sys.stderr)
    summary: dict[str, Any] = {}
    for scenario, by_server in runs.items():
        summary[scenario] = {
            name: {"median_requests_per_s": round(statistics.median(r["requests_per_s"] for r in results), 1),
                   "median_server_cpu_ms_per_request": _median(r.get("server_cpu_ms_per_request") for r in results),
                   "non_2xx": sum(r["non_2xx"] for r in results), "rounds": results}
            for name, results in by_server.items()
        }
    return summary


def _median(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def ratios(summary: dict[str, Any], reference: str, strapi: str) -> dict[str, Any]:
    """Per scenario: the median over rounds of (reference req/s ÷ Strapi req/s in the same round),
    and Strapi's CPU per request ÷ the reference's."""
    out = {}
    for scenario, by_server in summary.items():
        if reference not in by_server or strapi not in by_server:
            continue
        ref_rounds, strapi_rounds = by_server[reference]["rounds"], by_server[strapi]["rounds"]
        per_round = [a["requests_per_s"] / b["requests_per_s"] for a, b in zip(ref_rounds, strapi_rounds, strict=True)
                     if b["requests_per_s"]]
        cpu_ref = by_server[reference]["median_server_cpu_ms_per_request"]
        cpu_strapi = by_server[strapi]["median_server_cpu_ms_per_request"]
        out[scenario] = {
            "throughput_ratio_median": round(statistics.median(per_round), 2) if per_round else None,
            "throughput_ratio_min": round(min(per_round), 2) if per_round else None,
            "cpu_per_request_ratio": round(cpu_strapi / cpu_ref, 2) if cpu_ref and cpu_strapi else None,
        }
    return out


def memory(servers: list[Server], seconds: int, threads: int) -> dict[str, Any]:
    out = {}
    for server in servers:
        result = run_wrk(target_url(server, "GET /api/articles"), seconds, 500, threads)
        out[server.name] = {"peak_rss_mb": peak_rss_mb(server.pid), "connections": 500,
                            "requests_per_s": result["requests_per_s"], "non_2xx": result["non_2xx"],
                            "socket_errors": result["socket_errors"]}
        print(f"  memory {server.name:<22} peak RSS {out[server.name]['peak_rss_mb']} MB under wrk -c500 "
              f"({result['requests_per_s']:.0f} req/s)", file=sys.stderr)
    return out


def export_baseline(rev: str, tmp: Path) -> Path:
    """The tree of git revision ``rev`` (its reference implementation and benchmarks), for a
    before/after comparison in the same run."""
    dest = tmp / "baseline"
    if (dest / "reference_impl").is_dir():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "reference_impl", "conformance", "benchmarks"],
                             capture_output=True, timeout=60)
    if archive.returncode != 0:
        raise BenchError(f"--baseline {rev}: {archive.stderr.decode(errors='replace').strip()[:200]}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True, timeout=60)
    return dest


def inprocess(tree: Path, requests: int) -> dict[str, Any]:
    """``benchmarks/inprocess.py`` of ``tree`` in its own process (its own reference implementation)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, str(tree / "benchmarks" / "inprocess.py"), "--requests", str(requests)],
                          capture_output=True, text=True, env=env, cwd=tree, timeout=600)
    if done.returncode != 0:
        raise BenchError(f"inprocess benchmark failed: {done.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- the command ---------------------------------------------------------------------------------


def write(name: str, payload: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def run_all(args: argparse.Namespace) -> int:
    skip = {s.strip() for s in (args.skip or "").split(",") if s.strip()}
    unknown = skip - {"inprocess", "throughput", "memory", "suite", "fuzz", "strapi-suite"}
    if unknown:
        raise BenchError(f"--skip: unknown benchmark(s) {', '.join(sorted(unknown))}")
    if "throughput" not in skip and shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    out_dir = Path(args.out_dir)
    command = "python -m benchmarks " + " ".join(sys.argv[1:] if args.argv is None else args.argv)
    header: dict[str, Any] = {"command": command.strip(), "machine": machine(),
              "at": datetime.now(UTC).isoformat(timespec="seconds")}
    table: list[tuple[str, str, str, str, str]] = []

    if "inprocess" not in skip:
        print("inprocess: CPU per request of the reference implementation itself", file=sys.stderr)
        result = inprocess(ROOT, args.inprocess_requests)
        payload_in: dict[str, Any] = {**header, "requests": args.inprocess_requests, "results": result}
        if args.baseline:
            tmp_base = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
            try:
                payload_in["baseline"] = {"rev": args.baseline,
                                          "results": inprocess(export_baseline(args.baseline, tmp_base),
                                                               args.inprocess_requests)}
            finally:
                shutil.rmtree(tmp_base, ignore_errors=True)
        write("inprocess.json", payload_in, out_dir)
        for name, figures in result.items():
            before = payload_in.get("baseline", {}).get("results", {}).get(name, {}).get("cpu_ms_per_request")
            table.append((f"in-process {name}", f"{figures['cpu_ms_per_request']} CPU ms",
                          f"{args.baseline}: {before} CPU ms" if before is not None else "", "", ""))

    if "suite" not in skip:
        print("suite: conformance run against the in-process reference (benchmarks/harness_overhead.py)",
              file=sys.stderr)
        from benchmarks.harness_overhead import measure as suite_measure

        suite = suite_measure(args.suite_runs, "2")
        write("harness.json", {**header, **suite}, out_dir)
        for name, run in suite["processes"].items():
            table.append((f"conformance run (in-process, {name.replace('_', ' ')})", f"{run['median_s']} s",
                          f"{run['scenarios']} scenarios", f"budget {run['budget_s']} s", ""))
        b = suite["breakdown"]
        table.append(("harness overhead per scenario", f"{b['harness_overhead_ms_per_scenario']} ms",
                      f"{b['harness_overhead_cpu_ms_per_scenario']} CPU ms", f"budget {b['overhead_budget_ms']} ms", ""))

    if "fuzz" not in skip:
        print("fuzz: conformance fuzz against the in-process reference (benchmarks/fuzz_speed.py)", file=sys.stderr)
        fuzz_out = out_dir / "fuzz.json"
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fuzz_speed.py"), "--runs", "1",
                               "--label", "all", "--out", str(fuzz_out)], cwd=ROOT, capture_output=True, text=True,
                              timeout=1800)
        if done.returncode != 0:
            raise BenchError(f"fuzz benchmark failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
        for situation in json.loads(fuzz_out.read_text())["results"]["all"]["situations"]:
            table.append((f"fuzz cases/s ({situation['situation']})", f"{situation['median_cases_per_s']} cases/s",
                          f"{situation['median_cases_per_cpu_s']} cases/CPU-s", "", ""))

    if "strapi-suite" not in skip and args.strapi.lower() != "none":
        print(f"strapi-suite: the catalogue against a running Strapi {args.strapi} (benchmarks/strapi_suite.py)",
              file=sys.stderr)
        from benchmarks import strapi_suite as strapi_suite_bench
        from conformance.targets.base import TargetError

        try:
            strapi_suite = strapi_suite_bench.measure(args.strapi, 1, "2")
        except (strapi_suite_bench.BenchError, TargetError) as exc:
            raise BenchError(f"strapi-suite: {exc}") from exc
        write("strapi-suite.json", {**header, **strapi_suite}, out_dir)
        table.append((f"conformance run against a running Strapi {args.strapi} (serial)",
                      f"{strapi_suite['serial']['median_s']} s", f"start-up {strapi_suite['startup']['wall_s']} s apart",
                      f"goal < {strapi_suite['serial']['goal_s']} s", ""))
        if "workers_2" in strapi_suite:
            table.append((f"conformance run against a running Strapi {args.strapi} (--workers 2)",
                          f"{strapi_suite['workers_2']['median_s']} s", "", "", ""))

    if not {"throughput", "memory"} <= skip:
        servers: list[Server] = []
        schema: PostgresSchema | None = None
        base_schema: PostgresSchema | None = None
        tmp = Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            print("starting servers", file=sys.stderr)
            servers.append(start_reference("reference-sqlite", None, "sqlite"))
            # As durable as Strapi's SQLite (every commit synced): see reference_impl.query.sqlite_synchronous.
            servers.append(start_reference("reference-sqlite-sync-full", None, "sqlite, synchronous=FULL",
                                           {"REFERENCE_SQLITE_SYNCHRONOUS": "full"}))
            if args.baseline:
                base = export_baseline(args.baseline, tmp)
                servers.append(start_reference(f"reference@{args.baseline}", None, "sqlite", tree=base))
            pg_url = args.postgres or os.environ.get(PG_ENV)
            if pg_url:
                schema = PostgresSchema(pg_url)
                servers.append(start_reference("reference-postgresql", schema.url, "postgresql"))
                if args.baseline:  # before/after on PostgreSQL too, in the same rounds
                    base_schema = PostgresSchema(pg_url)
                    servers.append(start_reference(f"reference@{args.baseline}-postgresql", base_schema.url,
                                                   "postgresql", tree=export_baseline(args.baseline, tmp)))
            if args.strapi.lower() != "none":
                servers.append(start_strapi(args.strapi))
            for server in servers:
                seed(server)
            strapi_name = f"strapi-{args.strapi}"
            payload: dict[str, Any] = {**header, "settings": {
                "seconds": args.seconds, "rounds": args.rounds, "connections": args.connections,
                "wrk_threads": args.threads, "seeded_articles": 20,
                "databases": {s.name: s.database for s in servers}}}
            if "throughput" not in skip:
                print(f"throughput: {args.rounds} rounds x {args.seconds} s, wrk -c{args.connections}", file=sys.stderr)
                summary = throughput(servers, args.rounds, args.seconds, args.connections, args.threads, tmp)
                payload["results"] = summary
                payload["ratios"] = {s.name: ratios(summary, s.name, strapi_name)
                                     for s in servers if s.name.startswith("reference")}
                if args.baseline:
                    payload["ratios_to_baseline"] = ratios(summary, "reference-sqlite", f"reference@{args.baseline}")
                    if base_schema is not None:
                        payload["ratios_to_baseline_postgresql"] = ratios(
                            summary, "reference-postgresql", f"reference@{args.baseline}-postgresql")
                for scenario, by_server in summary.items():
                    for server in servers:
                        figures = by_server[server.name]
                        ratio = payload["ratios"].get(server.name, {}).get(scenario, {})
                        table.append((f"{scenario} [{server.name}]", f"{figures['median_requests_per_s']:.0f} req/s",
                                      f"{figures['median_server_cpu_ms_per_request']} CPU ms/req",
                                      f"x{ratio['throughput_ratio_median']}" if ratio.get("throughput_ratio_median") else "",
                                      f"CPU x{ratio['cpu_per_request_ratio']}" if ratio.get("cpu_per_request_ratio") else ""))
            if "memory" not in skip:
                print("memory: peak RSS under wrk -c500", file=sys.stderr)
                payload["memory"] = memory(servers, args.seconds, args.threads)
                for name, figures in payload["memory"].items():
                    table.append((f"peak RSS, wrk -c500 [{name}]", f"{figures['peak_rss_mb']} MB", "", "", ""))
            payload["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
            write("throughput.json", payload, out_dir)
        finally:
            for server in reversed(servers):
                try:
                    server.stop()
                except Exception as exc:  # noqa: BLE001 - stop the others anyway
                    print(f"stopping {server.name}: {exc}", file=sys.stderr)
            for pg_schema in (schema, base_schema):
                if pg_schema is not None:
                    pg_schema.drop()
            shutil.rmtree(tmp, ignore_errors=True)

    m = header["machine"]
    print(f"\n{command}\nmachine: {m['nproc']} CPUs, {m['cpu_model']}, Python {m['python']}, "
          f"load average at start {m['load_average_at_start'][0]}")
    print("ratios: reference req/s ÷ Strapi req/s per round (median); CPU: Strapi CPU per request ÷ the reference's")
    widths = [max(len(row[i]) for row in table) if table else 0 for i in range(5)]
    for row in table:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    print(f"figures written to {out_dir.relative_to(ROOT) if out_dir.is_relative_to(ROOT) else out_dir}/")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    every = sub.add_parser("all", help="every benchmark, side by side with real Strapi")
    every.add_argument("--strapi", default="5.54.0", metavar="VERSION", help="Strapi version, or 'none'")
    every.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    every.add_argument("--rounds", type=int, default=3)
    every.add_argument("--connections", type=int, default=16)
    every.add_argument("--threads", type=int, default=1, help="wrk threads")
    every.add_argument("--postgres", default=None, metavar="URL",
                       help=f"also the reference on this PostgreSQL database (default: ${PG_ENV})")
    every.add_argument("--baseline", default=None, metavar="GITREV",
                       help="also measure the reference implementation of this git revision (before/after)")
    every.add_argument("--inprocess-requests", type=int, default=2000)
    every.add_argument("--suite-runs", type=int, default=3, help="runs of each conformance run timing (median)")
    every.add_argument("--skip", default="",
                       help="comma-separated: inprocess, suite, fuzz, strapi-suite, throughput, memory")
    every.add_argument("--out-dir", default=str(OUT_DIR))
    args = parser.parse_args(argv)
    args.argv = argv
    if args.seconds <= 0 or args.rounds < 1 or args.connections < 1 or args.suite_runs < 1:
        print("benchmarks: --seconds, --rounds, --connections and --suite-runs must be positive", file=sys.stderr)
        return 2
    try:
        return run_all(args)
    except BenchError as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
