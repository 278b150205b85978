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
from pathlib import Path
from typing import Any

import httpx

from ..fixture import write_reference_project
from .base import Target, TargetError, TargetInfo, make_client
from .http import discover
from .process import ProcessTarget, free_port


class _LoopTransport(httpx.BaseTransport):
    """A synchronous httpx transport that runs each request through an ASGI app on ``loop``."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            req = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self._asgi.handle_async_request(req)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        status, headers, content = future.result()
        return httpx.Response(status, headers=headers, content=content, request=request)


class ReferenceTarget(Target):
    """The reference implementation in this process, on a fresh project and SQLite file."""

    in_process = True

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

    @property
    def app(self) -> Any:
        """The started ASGI app (None before ``start()``): for callers that drive it without a thread hop."""
        return self._app

    def client(self, timeout: float = 10.0) -> httpx.Client:
        assert self._loop is not None and self._app is not None, "start() the target first"
        return make_client("http://reference.invalid", timeout=timeout, transport=_LoopTransport(self._app, self._loop))

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
