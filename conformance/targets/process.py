"""A launched process: a command plus a readiness URL; stopped by its own PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from .base import Target, TargetError, TargetInfo
from .http import DEATH_ENV, check_limits, discover, guarded_client

LOG_TAIL_LINES = 20
READY_FIRST_DELAY_S = 0.005
READY_MAX_DELAY_S = 0.1
READY_REQUEST_TIMEOUT_S = 2.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class DeathWatch:
    """Notices at once when a launched target's process dies before ``stop()``: the reason and the
    tail of its log go to ``death_path``, named by $CONFORMANCE_TARGET_DEATH_FILE for every process
    of the run (pytest-xdist workers inherit it), whose requests then fail at once with that reason
    (conformance/targets/http.py, ``GuardedTransport``)."""

    def __init__(self, name: str, proc: subprocess.Popen[bytes], log_path: Path | None, death_path: Path) -> None:
        self.path = death_path
        self._stopping = False
        os.environ[DEATH_ENV] = str(death_path)

        def wait() -> None:
            code = proc.wait()
            if not self._stopping:
                reason = f"{name} exited with code {code} during the run" + _log_suffix(log_path)
                tmp = death_path.with_suffix(".tmp")
                tmp.write_text(reason, encoding="utf-8")
                tmp.replace(death_path)  # readers see the whole reason or nothing

        threading.Thread(target=wait, name=f"{name}-watch", daemon=True).start()

    def died(self) -> str | None:
        """Why the process died during the run (None: it was alive until ``stop()``)."""
        try:
            return self.path.read_text(encoding="utf-8") or None
        except OSError:
            return None

    def stop(self) -> None:
        """Before the process is stopped on purpose: its exit is no longer a death."""
        self._stopping = True
        if os.environ.get(DEATH_ENV) == str(self.path):
            del os.environ[DEATH_ENV]


class ProcessTarget(Target):
    """Runs ``command``; ready when ``GET <base_url><ready_path>`` answers below 400."""

    def __init__(self, command: list[str], base_url: str, name: str = "process", kind: str = "process",
                 ready_path: str = "/_health", env: dict[str, str] | None = None, cwd: str | None = None,
                 timeout_s: float = 120.0, cleanup: list[Path] | None = None,
                 capabilities: frozenset[str] | None = None) -> None:
        self.command = command
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.kind = kind
        self.ready_path = ready_path
        self.env = env or {}
        self.cwd = cwd
        self.timeout_s = timeout_s
        self.cleanup = cleanup or []
        self.declared = capabilities
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self.watch: DeathWatch | None = None

    def start(self) -> TargetInfo:
        check_limits()
        log_dir = Path(tempfile.mkdtemp(prefix="conformance-process-"))
        self.cleanup.append(log_dir)
        self.log_path = log_dir / "target.log"
        log = self.log_path.open("wb")
        try:
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd,
                                         env={**os.environ, **self.env}, start_new_session=True)
        except OSError as exc:
            raise TargetError(f"cannot launch {self.command[0]}: {exc}") from exc
        finally:
            log.close()
        self._wait_ready()
        assert self.proc is not None
        self.watch = DeathWatch(self.name, self.proc, self.log_path, log_dir / "died")
        try:
            self.info = discover(self.http, self.name, self.kind, self.base_url, self.declared)
        except TargetError:
            self.stop()
            raise
        return self.info

    def died(self) -> str | None:
        """Why the process died during the run (None: it was alive until ``stop()``)."""
        return self.watch.died() if self.watch is not None else None

    def _wait_ready(self) -> None:
        """Poll the readiness URL, backing off from 5 ms to 100 ms; waiting on the process itself
        between polls, so that a process that dies is noticed at once, not after a fixed sleep."""
        assert self.proc is not None
        deadline = time.monotonic() + self.timeout_s
        delay = READY_FIRST_DELAY_S
        while True:
            try:
                if self.http.get(self.ready_path, timeout=READY_REQUEST_TIMEOUT_S).status_code < 400:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                message = (f"{self.name} not ready at {self.base_url}{self.ready_path} "
                           f"after {self.timeout_s:.0f}s" + _log_suffix(self.log_path))
                self.stop()
                raise TargetError(message)
            try:
                self.proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                delay = min(delay * 2, READY_MAX_DELAY_S)
                continue
            message = f"{self.name} exited with code {self.proc.returncode} before it was ready"
            message += _log_suffix(self.log_path)
            self.stop()
            raise TargetError(message)

    def client(self, timeout: float | None = None) -> httpx.Client:
        return guarded_client(self.base_url, timeout=timeout)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def stop(self) -> None:
        if self.watch is not None:
            self.watch.stop()
        self.close_http()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)
        self.cleanup = []


def _log_suffix(path: Path | None) -> str:
    text = tail(path) if path else ""
    return f"\n--- last lines of the target's log ---\n{text}" if text else ""
