"""The webhook receiver: a small real HTTP server on loopback that records what targets post.

``POST /hooks`` records a delivery (headers and JSON body); ``GET /events`` answers every delivery
recorded so far, so that any process of a run (pytest-xdist workers included) can poll it.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("content-length") or 0)
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
        with self.server.lock:
            self.server.deliveries.append(record)
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        with self.server.lock:
            payload = json.dumps(self.server.deliveries).encode()
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
        self.lock = threading.Lock()


class WebhookReceiver:
    """Start with ``start()``; give ``hook_url`` to the target and ``events_url`` to the scenarios."""

    def __init__(self) -> None:
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> WebhookReceiver:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def hook_url(self) -> str:
        return self.base_url + "/hooks"

    @property
    def events_url(self) -> str:
        return self.base_url + "/events"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def fetch_deliveries(events_url: str) -> list[dict[str, Any]]:
    response = httpx.get(events_url, timeout=5.0)
    response.raise_for_status()
    data = response.json()
    return data if isinstance(data, list) else []
