"""The bundled reference implementation as a target: in process (the default: no network, the ASGI
app called directly on an event loop driven by the calling thread) or over real HTTP
(``reference-http``: the ``python -m reference_impl serve`` process with uvicorn on a free loopback
port).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx

from ..fixture import write_reference_project
from ..fixture.facts import WEBHOOK_URL_ENV
from .base import Target, TargetError, TargetInfo, make_client
from .http import discover
from .process import ProcessTarget, free_port

T = TypeVar("T")
# The pump thread runs the app's pending background work in slices this long, once the caller has
# left the loop alone for PUMP_IDLE_S.
PUMP_SLICE_S = 0.01
PUMP_IDLE_S = 0.02
# How often a caller waiting for the loop asks the pump again to end its slice.
PUMP_INTERRUPT_S = 0.001


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Loop:
    """One event loop for the app, run by whichever thread needs it, one at a time.

    Running the app in the caller's thread spares every request two thread switches (the request
    handed to a loop thread, the answer handed back), which cost more than the app's own work on a
    busy machine. The app's background tasks (webhook deliveries) still go on: they advance whenever
    the caller runs the loop (its next request, ``settle``), and a pump thread runs the loop in short
    slices when the caller has left it alone for a moment (waiting on the receiver, say) while
    anything is left. Not waiting for a delivery's round trip after each write lets the receiver
    answer while the harness goes on (about a third of a run's wall time on a busy machine).
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._work = threading.Event()
        self._last_use = time.monotonic()
        self._closing = False
        self._interrupt: asyncio.Future[None] | None = None  # ends the pump's current slice early
        self._pump = threading.Thread(target=self._pump_loop, name="reference-pump", daemon=True)
        self._pump.start()
        # Time inside the app (requests, their background work, settling), for benchmarks/harness_overhead.py.
        self.busy_s = 0.0
        self.busy_cpu_s = 0.0

    def _pending(self) -> bool:
        if any(not t.done() for t in asyncio.all_tasks(self.loop)):
            return True
        # asyncio keeps cancelled timers until their time comes: only live ones count
        return any(not h.cancelled() for h in getattr(self.loop, "_scheduled", ()))

    async def _settle(self, timeout_s: float, interruptible: bool = False) -> bool:
        """Run until no other task and no live timer is left (True) or ``timeout_s`` passed (False).
        ``interruptible`` (the pump's slices): also stop, False, as soon as a caller wants the loop."""
        loop = self.loop
        deadline = loop.time() + timeout_s
        me = asyncio.current_task()
        interrupt = loop.create_future()
        if interruptible:
            self._interrupt = interrupt
        try:
            while True:
                tasks = [t for t in asyncio.all_tasks(loop) if t is not me]
                timers = [h for h in getattr(loop, "_scheduled", ()) if not h.cancelled()]
                remaining = deadline - loop.time()
                if not tasks and not timers:
                    return True
                if remaining <= 0 or interrupt.done():
                    return False
                if tasks:
                    await asyncio.wait([*tasks, interrupt], timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                else:
                    await asyncio.wait([interrupt], timeout=min(remaining, max(0.0, min(h.when() for h in timers) - loop.time())))
        finally:
            self._interrupt = None

    def _acquire(self) -> None:
        """Take the loop; when the pump has it, ask it to stop its slice now (it would otherwise
        hold the loop for the rest of it, waiting on a delivery, while the caller waits)."""
        while not self._lock.acquire(timeout=PUMP_INTERRUPT_S):
            interrupt = self._interrupt
            if interrupt is not None:
                try:
                    self.loop.call_soon_threadsafe(_resolve, interrupt)
                except RuntimeError:  # the loop closed meanwhile
                    pass

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        self._acquire()
        started, cpu = time.perf_counter(), time.process_time()
        try:
            result = self.loop.run_until_complete(coro)
            if self._pending():
                self._work.set()
        finally:
            self.busy_s += time.perf_counter() - started
            self.busy_cpu_s += time.process_time() - cpu
            self._last_use = time.monotonic()
            self._lock.release()
        return result

    def settle(self, timeout_s: float) -> bool:
        self._acquire()
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return self.loop.run_until_complete(self._settle(timeout_s))
        finally:
            self.busy_s += time.perf_counter() - started
            self.busy_cpu_s += time.process_time() - cpu
            self._last_use = time.monotonic()
            self._lock.release()

    def _pump_loop(self) -> None:
        while True:
            self._work.wait()
            if self._closing:
                return
            # Only when the caller has left the loop alone for a moment: a caller between two
            # requests would otherwise wait for the pump's slice (and fight it for the GIL).
            quiet = time.monotonic() - self._last_use
            if quiet < PUMP_IDLE_S:
                time.sleep(PUMP_IDLE_S - quiet)
                continue
            with self._lock:
                if self._closing or self.loop.is_closed():
                    return
                idle = self.loop.run_until_complete(self._settle(PUMP_SLICE_S, interruptible=True))
            if idle:
                self._work.clear()
            else:
                time.sleep(0)  # let a caller waiting for the lock have it between slices

    def close(self) -> None:
        self._closing = True
        self._work.set()
        self._pump.join(timeout=10)
        with self._lock:
            self.loop.close()


async def call_app(app: Any, scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One HTTP request through an ASGI app: the body handed over whole, the answer collected."""
    sent_body = False
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if sent_body:
            return {"type": "http.disconnect"}
        sent_body = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers") or [])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, headers, b"".join(chunks)


class _AppTransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls the ASGI app directly: one scope per request, the
    body handed over whole, no socket and no second httpx request (httpx's own ASGITransport builds
    one more request and an anyio stream per call)."""

    def __init__(self, app: Any, loop: _Loop) -> None:
        self._app = app
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        url = request.url
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": request.method, "scheme": url.scheme,
            "path": url.path, "raw_path": url.raw_path.split(b"?", 1)[0],
            "query_string": url.query, "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": ("127.0.0.1", 123), "server": (url.host, url.port),
        }
        status, headers, content = self._loop.run(call_app(self._app, scope, body))
        return httpx.Response(status, headers=headers, content=content, request=request)


class ReferenceTarget(Target):
    """The reference implementation in this process, on a fresh project and SQLite file."""

    in_process = True

    def __init__(self, webhook_url: str | None = None, database_url: str | None = None) -> None:
        self.webhook_url = webhook_url
        self.database_url = database_url
        self._tmp: Path | None = None
        self._loop: _Loop | None = None
        self._app: Any = None

    @staticmethod
    def prepare() -> None:
        """Import the implementation (a third of a CPU second): forked workers (conformance/forked.py)
        find it imported by the process they are forked from, once for all of them."""
        import reference_impl  # noqa: F401

    def start(self) -> TargetInfo:
        from reference_impl import ReferenceApp

        self._tmp = Path(tempfile.mkdtemp(prefix="conformance-reference-"))
        project = write_reference_project(self._tmp / "project")
        if self.webhook_url:
            os.environ[WEBHOOK_URL_ENV] = self.webhook_url
        self._loop = _Loop()
        try:
            self._app = ReferenceApp(project, self.database_url)
            self._loop.run(self._app.startup())
        except Exception as exc:
            self.stop()
            raise TargetError(f"the reference implementation did not start: {type(exc).__name__}: {exc}") from exc
        self.info = discover(self.http, "reference", "reference", "in-process")
        return self.info

    @property
    def app(self) -> Any:
        """The started ASGI app (None before ``start()``): for callers that drive it without a thread hop."""
        return self._app

    def client(self, timeout: float = 10.0) -> httpx.Client:
        assert self._loop is not None and self._app is not None, "start() the target first"
        return make_client("http://reference.invalid", timeout=timeout, transport=_AppTransport(self._app, self._loop))

    def quiesce(self, timeout_s: float) -> bool:
        """Wait until the app has nothing left to do: no task on its loop and no timer scheduled
        (a webhook delivery is a task until the receiver answered it, so every delivery the app
        will ever send for the writes so far is recorded once this returns True). False when the
        app is still busy after ``timeout_s``. Only an in-process target can tell: the webhook
        steps wait for this instead of a fixed window."""
        return self._loop.settle(timeout_s) if self._loop is not None else False

    def busy(self) -> tuple[float, float]:
        """Wall and CPU seconds spent inside the app so far (requests, background work, settling)."""
        return (self._loop.busy_s, self._loop.busy_cpu_s) if self._loop is not None else (0.0, 0.0)

    def stop(self) -> None:
        self.close_http()
        if self._loop is not None:
            if self._app is not None:
                try:
                    self._loop.run(self._app.shutdown())
                except Exception:  # noqa: BLE001 (shutting down: nothing more to do)
                    pass
            self._loop.close()
            self._loop = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def reference_http_target(webhook_url: str | None = None, database_url: str | None = None,
                          port: int | None = None) -> ProcessTarget:
    """``python -m reference_impl serve`` on a fresh project, as a launched process."""
    tmp = Path(tempfile.mkdtemp(prefix="conformance-reference-http-"))
    project = write_reference_project(tmp / "project")
    port = port or free_port()
    command = [sys.executable, "-m", "reference_impl", "serve", str(project), "--port", str(port)]
    if database_url:
        command += ["--database", database_url]
    env = {WEBHOOK_URL_ENV: webhook_url} if webhook_url else {}
    return ProcessTarget(command, f"http://127.0.0.1:{port}", name="reference-http", kind="reference-http",
                         env=env, cleanup=[tmp])
