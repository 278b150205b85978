"""The bundled reference implementation as a target: in process (the default: no network, the ASGI
app driven through httpx on a private event loop) or over real HTTP (``reference-http``: the
``python -m reference_impl serve`` process with uvicorn on a free loopback port).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from ..fixture import write_reference_project
from .base import Target, TargetError, TargetInfo, make_client
from .http import discover
from .process import ProcessTarget, free_port


class _LoopTransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls the ASGI app directly on ``loop``: one scope per
    request, the body handed over whole, no socket and no second httpx request (httpx's own
    ASGITransport builds one more request and an anyio stream per call). The loop runs in its own
    thread so that the app's background tasks (webhook deliveries) go on between requests.

    ``app_s`` adds up the time spent inside the app: the harness benchmark subtracts it."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._loop = loop
        self.app_s = 0.0

    async def _call(self, scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
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

        started = time.perf_counter()
        try:
            await self._app(scope, receive, send)
        finally:
            self.app_s += time.perf_counter() - started
        return status, headers, b"".join(chunks)

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
        future = asyncio.run_coroutine_threadsafe(self._call(scope, body), self._loop)
        status, headers, content = future.result()
        return httpx.Response(status, headers=headers, content=content, request=request)


class ReferenceTarget(Target):
    """The reference implementation in this process, on a fresh project and SQLite file."""

    def __init__(self, webhook_url: str | None = None, database_url: str | None = None) -> None:
        self.webhook_url = webhook_url
        self.database_url = database_url
        self._tmp: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._app: Any = None

    def start(self) -> TargetInfo:
        from reference_impl import ReferenceApp

        self._tmp = Path(tempfile.mkdtemp(prefix="conformance-reference-"))
        project = write_reference_project(self._tmp / "project")
        if self.webhook_url:
            os.environ["CONFORMANCE_WEBHOOK_URL"] = self.webhook_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="reference-loop", daemon=True)
        self._thread.start()
        try:
            self._app = ReferenceApp(project, self.database_url)
            asyncio.run_coroutine_threadsafe(self._app.startup(), self._loop).result(timeout=60)
        except Exception as exc:
            self.stop()
            raise TargetError(f"the reference implementation did not start: {type(exc).__name__}: {exc}") from exc
        self.info = discover(self.http, "reference", "reference", "in-process")
        return self.info

    def client(self, timeout: float = 10.0) -> httpx.Client:
        assert self._loop is not None and self._app is not None, "start() the target first"
        return make_client("http://reference.invalid", timeout=timeout, transport=_LoopTransport(self._app, self._loop))

    def quiesce(self, timeout_s: float) -> bool:
        """Wait until the app has nothing left to do: no task on its loop and no timer scheduled
        (a webhook delivery is a task until the receiver answered it, so every delivery the app
        will ever send for the writes so far is recorded once this returns True). False when the
        app is still busy after ``timeout_s``. Only an in-process target can tell: the webhook
        steps wait for this instead of a fixed window."""
        loop = self._loop
        if loop is None:
            return False

        async def idle() -> bool:
            deadline = loop.time() + timeout_s
            me = asyncio.current_task()
            while True:
                tasks = [t for t in asyncio.all_tasks(loop) if t is not me]
                # asyncio keeps cancelled timers until their time comes: only live ones count
                timers = [h for h in getattr(loop, "_scheduled", ()) if not h.cancelled()]
                remaining = deadline - loop.time()
                if not tasks and not timers:
                    return True
                if remaining <= 0:
                    return False
                if tasks:
                    await asyncio.wait(tasks, timeout=remaining)
                else:
                    await asyncio.sleep(min(remaining, max(0.0, min(h.when() for h in timers) - loop.time())))

        return asyncio.run_coroutine_threadsafe(idle(), loop).result(timeout=timeout_s + 5.0)

    def stop(self) -> None:
        self.close_http()
        if self._loop is not None:
            if self._app is not None:
                try:
                    asyncio.run_coroutine_threadsafe(self._app.shutdown(), self._loop).result(timeout=30)
                except Exception:  # noqa: BLE001 (shutting down: nothing more to do)
                    pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
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
    env = {"CONFORMANCE_WEBHOOK_URL": webhook_url} if webhook_url else {}
    return ProcessTarget(command, f"http://127.0.0.1:{port}", name="reference-http", kind="reference-http",
                         env=env, cleanup=[tmp])
