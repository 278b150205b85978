"""``conformance`` commands for the tests, forked from one warm process instead of started afresh.

A fresh ``python -m conformance.cli`` spends most of a small run importing pytest, the harness and
the reference implementation. ``tests.meta.server --cli`` imports them once per test process (each
xdist worker has its own) and forks a child per command: the child replaces its environment with the
caller's, moves to the caller's directory and runs ``conformance.cli.main(argv)``, so a command sees
what a fresh process would (tests/meta/test_meta.py checks a forked run against a fresh one).
``CONFORMANCE_TEST_FORK=0`` (or a system without ``os.fork``) starts fresh processes instead.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def forking() -> bool:
    return hasattr(os, "fork") and os.environ.get("CONFORMANCE_TEST_FORK", "1") != "0"


class CliServer:
    """One warm ``tests.meta.server --cli`` process; ``run`` is serialised (one command at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: subprocess.Popen[str] | None = None
        self._count = 0

    def _start(self) -> subprocess.Popen[str]:
        path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)
        server = subprocess.Popen([sys.executable, "-m", "tests.meta.server", "--cli"], cwd=REPO_ROOT,
                                  env={**os.environ, "PYTHONPATH": path}, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
        assert server.stdout is not None
        if not server.stdout.readline().strip():
            raise RuntimeError(f"the CLI fork server did not start (exit code {server.wait()})")
        atexit.register(self.close)
        return server

    def run(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None, timeout: float,
            entry: str = "conformance") -> subprocess.CompletedProcess[str]:
        """``conformance ARGV`` (or ``pytest ARGV``) with exactly ``env`` as its environment, as
        ``subprocess.run`` answers."""
        with self._lock, tempfile.TemporaryDirectory(prefix="conformance-cli-") as tmp:
            if self._server is None or self._server.poll() is not None:
                self._server = self._start()
            assert self._server.stdin is not None and self._server.stdout is not None
            self._count += 1
            out = str(Path(tmp) / "run")
            request = {"key": str(self._count), "argv": list(argv), "env": dict(env), "replace_env": True,
                       "cwd": str(cwd or Path.cwd()), "out": out, "timeout_s": timeout, "entry": entry}
            self._server.stdin.write(json.dumps(request) + "\n")
            self._server.stdin.flush()
            line = self._server.stdout.readline()
            if not line:
                self._server = None
                raise RuntimeError("the CLI fork server ended before answering")
            answer = json.loads(line)
            stdout = Path(out + ".stdout").read_text(errors="replace")
            stderr = Path(out + ".stderr").read_text(errors="replace")
        command = [sys.executable, "-m", "pytest" if entry == "pytest" else "conformance.cli", *argv]
        if answer["code"] is None:
            raise subprocess.TimeoutExpired(command, timeout, stdout, stderr)
        return subprocess.CompletedProcess(command, int(answer["code"]), stdout, stderr)

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None and server.stdin is not None:
            server.stdin.close()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


_SERVER = CliServer()


def run_conformance(argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None,
                    timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m conformance.cli ARGV`` with ``env``: forked from the warm server, or a fresh process."""
    if forking():
        return _SERVER.run(argv, env, cwd, timeout)
    return subprocess.run([sys.executable, "-m", "conformance.cli", *argv], capture_output=True, text=True,
                          cwd=cwd, env=dict(env), timeout=timeout)


def runpytest_forked(pytester: pytest.Pytester, *args: str, timeout: float = 300) -> pytest.RunResult:
    """``pytester.runpytest_subprocess(*args)``, the child forked from the warm process: the same
    ``python -m pytest --basetemp=... ARGS`` in ``pytester.path`` with the test's environment."""
    if not forking():
        return pytester.runpytest_subprocess(*args, timeout=timeout)
    basetemp = tempfile.mkdtemp(prefix="runpytest-", dir=pytester.path)
    argv = [f"--basetemp={basetemp}", *args]
    plugins = [x for x in pytester.plugins if isinstance(x, str)]
    if plugins:
        argv = ["-p", plugins[0], *argv]
    started = time.monotonic()
    done = _SERVER.run(argv, os.environ, pytester.path, timeout, entry="pytest")
    return pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(),
                            time.monotonic() - started)
