"""Throughput of the reference implementation (or any running target) over real HTTP.

Serves the conformance fixture project (``write_reference_project``) with ``python -m reference_impl
serve`` (uvicorn) on a free loopback port, creates some published articles, then measures requests
per second for ``GET /api/articles`` and ``GET /api/articles/:id`` from a separate load process:
``wrk`` when it is installed, else a concurrent httpx client in another process.  Figures go to
``reports/bench/throughput.json``.  Loopback only; every run is bounded in time and stops by itself.

    python benchmarks/throughput.py                         # --target reference-http: the reference, SQLite
    python benchmarks/throughput.py --database postgresql+psycopg://...
    python benchmarks/throughput.py --target http://127.0.0.1:1337 --label strapi-5.54.0   # a running server
    python benchmarks/throughput.py --target strapi:5.54.0  # real Strapi with the fixture, started and stopped here

Any target kind of ``conformance run --target`` that serves HTTP (conformance/targets/registry.py);
``--url URL`` and ``--strapi VERSION`` are the older spellings of ``--target URL`` and ``--target strapi:VERSION``.

One target per run; ``python -m benchmarks all`` measures the reference and Strapi side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "reports" / "bench" / "throughput.json"


def start_target(name: str, database: str | None) -> Any:
    """Start the target named ``kind[:spec]`` as ``conformance run --target`` does (an unknown kind: exit 2)."""
    sys.path.insert(0, str(ROOT))
    from conformance.targets.base import TargetError
    from conformance.targets.registry import TargetOptions, parse

    try:
        ref = parse(name)
        if ref.kind.in_process:
            raise TargetError(f"--target {name}: the throughput is measured over HTTP; use reference-http")
        target = ref.build(TargetOptions(database=database))
        target.start()
    except TargetError as exc:
        print(f"throughput: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    return target


def seed(base: str, count: int, token: str | None) -> str:
    """Create ``count`` published articles; returns one documentId."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    document_id = ""
    with httpx.Client(base_url=base, headers=headers, timeout=10.0) as client:
        for i in range(count):
            r = client.post("/api/articles", json={"data": {"title": f"Article {i}", "body": "x" * 200, "views": i}})
            r.raise_for_status()
            document_id = r.json()["data"]["documentId"]
    return document_id


def run_wrk(url: str, seconds: int, connections: int, threads: int) -> dict[str, Any]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = {p: v for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M)}
    return {"requests_per_s": rps, "requests": total, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "latency": latency, "command": " ".join(command)}


# The fallback load generator, run in its own process: N concurrent keep-alive httpx clients.
HTTPX_LOAD = r"""
import asyncio, json, sys, time
import httpx

async def main(url, seconds, connections):
    end = time.monotonic() + seconds
    counts = {"ok": 0, "bad": 0}
    async def worker(client):
        while time.monotonic() < end:
            r = await client.get(url)
            counts["ok" if r.status_code < 400 else "bad"] += 1
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        start = time.monotonic()
        await asyncio.gather(*(worker(client) for _ in range(connections)))
        elapsed = time.monotonic() - start
    print(json.dumps({"requests": counts["ok"] + counts["bad"], "non_2xx": counts["bad"], "elapsed_s": elapsed}))

asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
"""


def run_httpx(url: str, seconds: int, connections: int) -> dict[str, Any]:
    command = [sys.executable, "-c", HTTPX_LOAD, url, str(seconds), str(connections)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return {"requests_per_s": round(data["requests"] / data["elapsed_s"], 2), "requests": data["requests"],
            "non_2xx": data["non_2xx"], "command": f"httpx load process: {connections} connections, {seconds} s"}


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process (Linux): steadier than req/s on a busy shared machine."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(base: str, paths: dict[str, str], tool: str, seconds: int, connections: int, threads: int,
            server_pid: int | None = None) -> dict[str, Any]:
    results = {}
    for name, path in paths.items():
        url = base + path
        httpx.get(url, timeout=10.0).raise_for_status()  # warm up, and fail early on a broken endpoint
        cpu_before = cpu_seconds(server_pid)
        result = run_wrk(url, seconds, connections, threads) if tool == "wrk" else run_httpx(url, seconds, connections)
        cpu_after = cpu_seconds(server_pid)
        if cpu_before is not None and cpu_after is not None and result["requests"]:
            result["server_cpu_ms_per_request"] = round(1000 * (cpu_after - cpu_before) / result["requests"], 3)
        results[name] = result
        print(f"{name}: {result['requests_per_s']:.0f} req/s ({result['non_2xx']} non-2xx), "
              f"server CPU {result.get('server_cpu_ms_per_request', '?')} ms/request", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="reference-http", metavar="KIND[:SPEC]",
                        help="what to measure, named as for `conformance run --target` (default reference-http)")
    parser.add_argument("--url", help="a running server's base URL (the same as --target URL)")
    parser.add_argument("--label", default=None, help="name of the target in the report")
    parser.add_argument("--database", default=None, help="SQLAlchemy URL for the reference implementation")
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--tool", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--token", default=None, help="bearer token for seeding a target that needs one")
    parser.add_argument("--no-seed", action="store_true", help="the target already holds articles")
    parser.add_argument("--server-pid", type=int, default=None, help="with --url: the server's PID, for CPU figures")
    parser.add_argument("--strapi", default=None, metavar="VERSION", help="the same as --target strapi:VERSION")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "httpx")

    name = f"strapi:{args.strapi}" if args.strapi else args.url or args.target
    target = start_target(name, args.database)
    try:
        info = target.info
        assert info.url is not None
        base = info.url.rstrip("/")
        token = args.token or info.tokens.get("full-access")
        if args.no_seed:
            document_id = httpx.get(base + "/api/articles", timeout=10.0).json()["data"][0]["documentId"]
        else:
            document_id = seed(base, args.articles, token)
        paths = {"GET /api/articles": "/api/articles", "GET /api/articles/:id": f"/api/articles/{document_id}"}
        results = measure(base, paths, tool, args.seconds, args.connections, args.threads,
                          target.pid or args.server_pid)
    finally:
        target.stop()

    label = args.label or ("reference_impl" if info.kind == "reference-http" else info.name)
    report = {
        "target": label,
        "database": (args.database.split("://")[0] if args.database else "sqlite") if info.kind == "reference-http"
        else "external",
        "tool": tool,
        "settings": {"seconds": args.seconds, "connections": args.connections, "threads": args.threads,
                     "articles": args.articles},
        "results": results,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_after": os.getloadavg()},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    runs: list[Any] = []
    if args.out.is_file():
        try:
            previous = json.loads(args.out.read_text())
            runs = previous.get("runs", []) if isinstance(previous, dict) else []
        except ValueError:
            runs = []
    runs.append(report)
    args.out.write_text(json.dumps({"latest": report, "runs": runs[-20:]}, indent=2) + "\n")
    print(json.dumps(report["results"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
