"""The webhook receiver: a small real HTTP server on loopback that records what targets post.

``POST /hooks`` records a delivery (headers, JSON body, arrival time and its index in the run).
``GET /events`` answers every delivery recorded so far; ``GET /events?after=N&wait=S`` answers the
deliveries from index N on, and when there are none yet, holds the request until one arrives or S
seconds passed (a long poll). Any process of a run (pytest-xdist workers included) reads it, and a
waiting step wakes up when a delivery lands instead of polling on a timer.

It binds loopback only (a target elsewhere cannot reach it, and nothing else can post to it) and
takes at most ``MAX_DELIVERY_BYTES`` a delivery: a larger one, or one without a valid
``Content-Length``, is answered 413 or 411 and not recorded (Strapi's payloads are a few kB).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

MAX_WAIT_S = 30.0
MAX_DELIVERY_BYTES = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per reader for the whole run
    # Headers and body go out in two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK (40 ms on Linux) on every read of the feed.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        declared = (self.headers.get("content-length") or "0").strip()
        if not declared.isdigit() or "transfer-encoding" in self.headers:  # chunked or garbage: not read
            self._refuse(411, "a delivery needs a Content-Length")
            return
        length = int(declared)
        if length > MAX_DELIVERY_BYTES:
            self._refuse(413, f"a delivery is at most {MAX_DELIVERY_BYTES} bytes")
            return
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = {
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "received_at": time.time(),
        }
        with self.server.arrived:
            record["index"] = len(self.server.deliveries)
            self.server.deliveries.append(record)
            self.server.arrived.notify_all()
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def _refuse(self, status: int, message: str) -> None:
        self.close_connection = True
        self.send_response(status, message)
        self.send_header("content-length", "0")
        self.send_header("connection", "close")
        self.end_headers()

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        try:
            after = max(0, int(query.get("after", ["0"])[0]))
            wait = min(MAX_WAIT_S, max(0.0, float(query.get("wait", ["0"])[0])))
        except ValueError:
            self.send_error(400, "after and wait must be numbers")
            return
        server = self.server
        with server.arrived:
            server.arrived.wait_for(lambda: len(server.deliveries) > after or server.closing, timeout=wait)
            payload = json.dumps(server.deliveries[after:]).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.deliveries: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        self.closing = False


class _ReceiverURLs:
    """The receiver's two URLs, derived from its ``base_url``: where targets post, where the harness reads."""

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    @property
    def hook_url(self) -> str:
        return self.base_url + "/hooks"

    @property
    def events_url(self) -> str:
        return self.base_url + "/events"


class WebhookReceiver(_ReceiverURLs):
    """Start with ``start()``; give ``hook_url`` to the target and ``events_url`` to the scenarios."""

    def __init__(self) -> None:
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> WebhookReceiver:
        self._server = _Server()
        # serve_forever checks for shutdown() every poll_interval: the default 0.5 s was added to
        # the end of every run.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None:
            with self._server.arrived:  # release long polls still waiting
                self._server.closing = True
                self._server.arrived.notify_all()
            events_url = self.events_url
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            stale = _feeds.pop(events_url, None)
            if stale is not None:
                stale.close()


def _spawn_receiver() -> Any:
    return subprocess.Popen([sys.executable, "-m", "conformance.webhooks"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class ReceiverProcess(_ReceiverURLs):
    """The same receiver in a process of its own (``python -m conformance.webhooks``): for a run
    whose target lives in the harness' process (the in-process reference), recording deliveries
    there cost the harness about 0.25 s of CPU per run on the same core, the receiver's threads
    taking the interpreter lock from the scenarios; in its own process it works on another core.
    Spawned at once, it is waited for only when its URL is first asked for; it stops when told to,
    or when the harness' end of its stdin closes (the harness died)."""

    # Starts the process: anything with Popen's text stdin/stdout/stderr, poll(), wait() and kill().
    # A warm fork server (tests/meta/server.py) forks a copy of itself instead of a fresh interpreter.
    spawn = staticmethod(_spawn_receiver)

    def __init__(self) -> None:
        self._proc: Any = self.spawn()
        self._base: str | None = None

    def start(self) -> ReceiverProcess:
        return self

    @property
    def base_url(self) -> str:
        if self._base is None:
            assert self._proc is not None and self._proc.stdout is not None
            line = self._proc.stdout.readline().strip()
            if not line.startswith("http://"):
                self._proc.kill()
                error = (self._proc.stderr.read() if self._proc.stderr else "").strip().splitlines()
                raise RuntimeError(f"the webhook receiver did not start: {error[-1] if error else line or 'no output'}")
            self._base = line
        return self._base

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if self._base is not None:
            stale = _feeds.pop(self.events_url, None)
            if stale is not None:
                stale.close()
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the receiver's signal to stop
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve_until_stdin_closes() -> None:
    receiver = WebhookReceiver().start()
    print(receiver.base_url, flush=True)
    try:
        sys.stdin.read()
    finally:
        receiver.stop()


class EventFeed:
    """Reads a receiver's deliveries by index over one keep-alive client (plain HTTP: no TLS set-up)."""

    def __init__(self, events_url: str) -> None:
        self.events_url = events_url
        self._client = httpx.Client(timeout=5.0, verify=False, trust_env=False)
        # Held for a whole request, so that close() waits for a long poll that stop() just released
        # instead of closing its socket under it.
        self._lock = threading.Lock()
        # The highest index this process has seen + 1: a scenario that starts later can skip the rest.
        self.seen = 0

    def after(self, index: int, wait_s: float = 0.0) -> list[dict[str, Any]]:
        """Deliveries from ``index`` on; waits up to ``wait_s`` for the first one when there is none."""
        wait_s = max(0.0, min(wait_s, MAX_WAIT_S))
        with self._lock:
            response = self._client.get(self.events_url, params={"after": index, "wait": f"{wait_s:.3f}"},
                                        timeout=wait_s + 5.0)
        response.raise_for_status()
        data = response.json()
        found = data if isinstance(data, list) else []
        self.seen = max(self.seen, index + len(found))
        return found

    def close(self) -> None:
        with self._lock:
            self._client.close()


_feeds: dict[str, EventFeed] = {}


def feed(events_url: str) -> EventFeed:
    """The process's one feed for ``events_url``."""
    found = _feeds.get(events_url)
    if found is None:
        found = _feeds[events_url] = EventFeed(events_url)
    return found


def fetch_deliveries(events_url: str) -> list[dict[str, Any]]:
    """Every delivery recorded so far."""
    return feed(events_url).after(0)


if __name__ == "__main__":
    serve_until_stdin_closes()
