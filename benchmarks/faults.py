"""Faults around the reference implementation served over real HTTP, and what it answers.

- ``postgres``: PostgreSQL (a private throwaway server) stopped while requests keep coming, then
  started again: every answer while it is down is ``503`` with the error envelope and
  ``Retry-After`` (no other 5xx, no hang), and the same server process answers 2xx again once the
  database is back (no restart: pool_pre_ping and the dropped idle connections).
- ``webhooks``: the webhook receiver down (a closed port), slow (answers after 10 s) or answering
  500: every write still answers 201, while the receiver is still holding the deliveries open for the
  slow one; latency against a healthy receiver's; every failed delivery is logged; past the backlog
  bound (``REFERENCE_WEBHOOK_MAX_PENDING``) deliveries are dropped and logged, and the server still
  stops within its delivery timeout.
- ``sqlite-lock``: another process holds the SQLite file's write lock: a write answers ``503``
  after the busy timeout (5 s) instead of hanging, reads still answer, and writes succeed again once
  the lock is gone.

    python benchmarks/faults.py [--writes 200] [--only postgres,webhooks,sqlite-lock]

Figures go to ``reports/bench/faults.json``; ``tests/test_faults.py`` runs the same, smaller.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "reports" / "bench" / "faults.json"
SLOW_S = 10.0


@contextmanager
def served(database_url: str, webhook_url: str | None = None, env: dict[str, str] | None = None) -> Iterator[Any]:
    """The reference over HTTP (a launched process); yields the target (``log_path``, ``proc``)."""
    from conformance.targets.process import ProcessTarget
    from conformance.targets.registry import TargetOptions, parse

    built = parse("reference-http").build(TargetOptions(webhook_url=webhook_url, database=database_url))
    assert isinstance(built, ProcessTarget)  # a launched process: its env and log are used below
    target: Any = built  # final_log is added below
    target.env.update(env or {})
    target.start()
    assert target.log_path is not None
    log_dir = target.log_path.parent
    target.cleanup.remove(log_dir)  # kept past stop(): what the server logged while stopping counts too
    try:
        yield target
    finally:
        target.stop()
        target.final_log = _log(target)
        shutil.rmtree(log_dir, ignore_errors=True)


def _log(target: Any) -> str:
    try:
        return Path(target.log_path).read_text(encoding="utf-8", errors="replace") if target.log_path else ""
    except OSError:
        return ""


def _envelope_503(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return (response.status_code == 503 and body.get("data", 0) is None and isinstance(error, dict)
            and error.get("status") == 503 and error.get("name") == "ServiceUnavailableError"
            and response.headers.get("retry-after") is not None)


def _ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


# -- PostgreSQL stopped and started during a run --------------------------------------------------


def postgres_outage(down_s: float = 3.0, settle_s: float = 1.0) -> dict[str, Any]:
    """``settle_s``: load before the stop and after the recovery (the tests use less)."""
    from benchmarks.pg_server import PrivatePostgres

    with PrivatePostgres() as pg, served(pg.url) as target, httpx.Client(base_url=target.base_url, timeout=30,
                                                                          trust_env=False) as client:
        pid = target.proc.pid
        phase = "before"
        seen: dict[str, Counter[str]] = {"before": Counter(), "down": Counter(), "after": Counter()}
        bad: list[str] = []
        slowest = 0.0
        stop = threading.Event()
        recovered_at: list[float] = []

        def load() -> None:
            nonlocal slowest
            i = 0
            while not stop.is_set():
                i += 1
                started = time.monotonic()
                try:
                    if i % 2:
                        r = client.post("/api/articles", json={"data": {"title": f"outage-{i}", "batch": "outage"}})
                    else:
                        r = client.get("/api/articles?filters[batch][$eq]=outage")
                except httpx.HTTPError as exc:
                    seen[phase][type(exc).__name__] += 1
                    continue
                slowest = max(slowest, time.monotonic() - started)
                status = r.status_code
                seen[phase][str(status)] += 1
                if status >= 500 and not _envelope_503(r):
                    bad.append(f"{phase}: {status} {r.text[:120]}")
                if phase == "after" and status < 300 and not recovered_at:
                    recovered_at.append(time.monotonic())
                time.sleep(0.01)

        worker = threading.Thread(target=load, daemon=True)
        worker.start()
        time.sleep(settle_s)
        phase = "down"
        pg.stop("fast")
        time.sleep(down_s)
        phase = "after"
        restarted = time.monotonic()
        pg.start()
        deadline = time.monotonic() + 30
        while not recovered_at and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(settle_s)
        stop.set()
        worker.join(timeout=40)
        after = seen["after"]
        return {
            "down_s": down_s,
            "answers": {k: dict(v) for k, v in seen.items()},
            "not_the_503_envelope": bad[:10],
            "slowest_answer_s": round(slowest, 3),
            "recovered_s_after_restart": round(recovered_at[0] - restarted, 3) if recovered_at else None,
            "same_server_process": target.proc is not None and target.proc.pid == pid and target.proc.poll() is None,
            "after_2xx": sum(n for s, n in after.items() if s.isdigit() and int(s) < 300),
            "log_lines_database_unavailable": _log(target).count("database unavailable"),
        }


# -- a webhook receiver that is down, slow or failing ----------------------------------------------


class _Receiver(ThreadingHTTPServer):
    """Answers every delivery after ``delay_s`` with ``status``; counts received and answered."""

    daemon_threads = True

    def __init__(self, status: int, delay_s: float) -> None:
        self.status, self.delay_s = status, delay_s
        self.received = 0
        self.answered = 0
        self.release = threading.Event()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                with server.lock:
                    server.received += 1
                server.release.wait(server.delay_s)
                self.send_response(server.status)
                self.send_header("content-length", "0")
                self.end_headers()
                with server.lock:
                    server.answered += 1

            def log_message(self, format: str, *args: Any) -> None:
                return None

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"

    def close(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"


def webhook_receiver(kind: str, writes: int, database_url: str, max_pending: int = 10_000,
                     env: dict[str, str] | None = None) -> dict[str, Any]:
    """``writes`` creates (each posts entry.create and entry.publish) with the receiver ``kind``:
    healthy, down, slow or error; ``env``: the server's extra environment."""
    receiver = None if kind == "down" else _Receiver(500 if kind == "error" else 204, SLOW_S if kind == "slow" else 0.0)
    url = receiver.url if receiver is not None else _closed_port_url()
    env = {"REFERENCE_WEBHOOK_MAX_PENDING": str(max_pending), **(env or {})}
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    try:
        with served(database_url, url, env) as target:
            with httpx.Client(base_url=target.base_url, timeout=30, trust_env=False) as client:
                for i in range(writes):
                    started = time.monotonic()
                    r = client.post("/api/articles", json={"data": {"title": f"wh-{kind}-{i}", "batch": "wh"}})
                    latencies.append(time.monotonic() - started)
                    statuses[str(r.status_code)] += 1
            answered_during_writes = receiver.answered if receiver is not None else 0
            if receiver is not None and kind == "slow":
                # Deliveries leave the server after its answers: on a loaded machine the writes can end
                # before the first one arrived. Each is held SLOW_S, so none is answered meanwhile.
                deadline = time.monotonic() + 5
                while receiver.received == 0 and time.monotonic() < deadline:
                    time.sleep(0.01)
            held_open = receiver.received - receiver.answered if receiver is not None else 0
            if receiver is not None and kind != "slow":
                deadline = time.monotonic() + 30
                while receiver.answered < min(2 * writes, max_pending) and time.monotonic() < deadline:
                    time.sleep(0.05)
            stop_started = time.monotonic()
        stop_s = time.monotonic() - stop_started
        log = target.final_log
    finally:
        if receiver is not None:
            receiver.close()
    return {
        "receiver": kind,
        "writes": writes,
        "statuses": dict(statuses),
        "latency_ms": {"p50": _ms(latencies, 0.5), "p95": _ms(latencies, 0.95), "max": _ms(latencies, 1.0)},
        "deliveries_received": receiver.received if receiver is not None else 0,
        "deliveries_held_open_when_the_writes_were_done": held_open,
        "deliveries_answered_during_the_writes": answered_during_writes,
        "log_failed": log.count(" failed: "),
        "log_answered_500": log.count(" answered 500"),
        "log_dropped_backlog_full": log.count("backlog full"),
        "log_dropped_at_shutdown": log.count("pending at shutdown were dropped"),
        "max_pending": max_pending,
        "server_stop_s": round(stop_s, 2),
    }


# -- a SQLite file locked by another process -------------------------------------------------------

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()  # held until the parent closes our stdin
"""


def sqlite_lock(tmp: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """``env``: the server's extra environment (the tests set a shorter busy timeout)."""
    database = tmp / "locked.db"
    url = f"sqlite:///{database}"
    with served(url, env=env) as target, httpx.Client(base_url=target.base_url, timeout=60, trust_env=False) as client:
        before = client.post("/api/articles", json={"data": {"title": "before", "batch": "lock"}}).status_code
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(database)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
            started = time.monotonic()
            write = client.post("/api/articles", json={"data": {"title": "while locked", "batch": "lock"}})
            write_s = time.monotonic() - started
            started = time.monotonic()
            read = client.get("/api/articles?filters[batch][$eq]=lock")
            read_s = time.monotonic() - started
        finally:
            assert locker.stdin is not None
            locker.stdin.close()
            locker.wait(timeout=10)
        after = client.post("/api/articles", json={"data": {"title": "after", "batch": "lock"}}).status_code
        titles = sorted(e["title"] for e in client.get("/api/articles?filters[batch][$eq]=lock").json()["data"])
        log = _log(target)
    return {
        "write_before": before,
        "write_while_locked": {"status": write.status_code, "envelope_503": _envelope_503(write),
                               "body": write.json() if write.headers.get("content-type", "").startswith("application/json") else write.text[:200],
                               "seconds": round(write_s, 2)},
        "read_while_locked": {"status": read.status_code, "seconds": round(read_s, 2)},
        "write_after": after,
        "titles": titles,
        "log_lines_database_unavailable": log.count("database unavailable"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--only", default="postgres,webhooks,sqlite-lock")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="conformance-faults-") as tmp:
        if "postgres" in only:
            result["postgres"] = postgres_outage()
            print("postgres", json.dumps(result["postgres"]), flush=True)
        if "webhooks" in only:
            result["webhooks"] = []
            for i, kind in enumerate(("healthy", "down", "slow", "error")):
                run = webhook_receiver(kind, args.writes, f"sqlite:///{Path(tmp) / f'wh{i}.db'}",
                                       max_pending=100 if kind == "slow" else 10_000)
                result["webhooks"].append(run)
                print("webhooks", json.dumps(run), flush=True)
        if "sqlite-lock" in only:
            result["sqlite_lock"] = sqlite_lock(Path(tmp))
            print("sqlite-lock", json.dumps(result["sqlite_lock"]), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "faults",
        "command": "python benchmarks/faults.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()[0]},
        **result,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"faults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
