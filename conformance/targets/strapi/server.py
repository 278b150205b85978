"""Start a fixture project's Strapi server as its own process, wait until it answers, stop it by PID.

The server is launched directly (``node node_modules/@strapi/strapi/bin/strapi.js start``), not
through npx or a shell, so the PID we hold is the server's own: killing a wrapper would leave the
server running on its port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from ...fixture.facts import WEBHOOK_URL_ENV
from ..base import TargetError, make_client
from .installer import require_tool, tail

HEALTH_PATH = "/_health"
LOG_NAME = "strapi.log"
STRAPI_BIN = Path("node_modules") / "@strapi" / "strapi" / "bin" / "strapi.js"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# The fixture project's start script (the template's): `strapi start` without the CLI around it.
START_SCRIPT = "conformance-strapi.js"


def strapi_command(project: Path) -> list[str]:
    """``node conformance-strapi.js`` for the fixture project, ``strapi start`` for any other
    (a project of your own may need the CLI, e.g. to find a TypeScript build)."""
    if (Path(project) / START_SCRIPT).is_file():
        return [require_tool("node"), START_SCRIPT]
    return [require_tool("node"), str(STRAPI_BIN), "start"]


@dataclass
class Launched:
    """A started server: its process (when we are its parent), PID, URL and log."""

    pid: int
    url: str
    port: int
    project: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None


def launch(project: Path, port: int, host: str = "127.0.0.1", webhook_url: str | None = None,
           command: Sequence[str] | None = None, extra_env: dict[str, str] | None = None) -> Launched:
    """Start the server of ``project`` in its own session, output to ``project/strapi.log``."""
    env = dict(os.environ)
    env.update({
        "NODE_ENV": "production",
        "HOST": host,
        "PORT": str(port),
        "STRAPI_TELEMETRY_DISABLED": "true",
        "BROWSER": "none",
    })
    if webhook_url is not None:
        env[WEBHOOK_URL_ENV] = webhook_url
    env.update(extra_env or {})
    log_path = project / LOG_NAME
    argv = list(command) if command is not None else strapi_command(project)
    try:
        with open(log_path, "wb") as log:
            # A new session: the server outlives `conformance strapi up`, and a Ctrl-C meant for the
            # harness reaches the harness, which then stops the server by PID.
            process = subprocess.Popen(argv, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        raise TargetError(f"cannot start Strapi ({argv[0]}): {exc}") from exc
    return Launched(process.pid, f"http://{host}:{port}", port, project, log_path, process)


def _exit_code(launched: Launched) -> int | None:
    if launched.process is not None:
        return launched.process.poll()
    return None if pid_alive(launched.pid) else -1


def wait_healthy(launched: Launched, timeout: float = 120.0, interval: float = 0.25) -> float:
    """Poll ``GET /_health`` until it answers 204; returns the seconds it took.

    A server that exits first, or does not answer in time, is stopped and reported as a TargetError
    with the tail of its log.
    """
    started = time.monotonic()
    # Loopback: never through a proxy named in the environment.
    with make_client(launched.url, timeout=2.0, trust_env=False) as client:
        while True:
            code = _exit_code(launched)
            if code is not None:
                raise TargetError(f"Strapi exited (code {code}) before answering {HEALTH_PATH}; "
                                  f"log: {launched.log}\n{tail(launched.log)}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(HEALTH_PATH).status_code == 204:
                    return time.monotonic() - started
            if time.monotonic() - started > timeout:
                stop(launched)
                raise TargetError(f"Strapi did not answer {HEALTH_PATH} with 204 within {timeout:.0f} s; "
                                  f"log: {launched.log}\n{tail(launched.log)}")
            if launched.process is not None:
                # Wait on the process itself: an exit ends the wait at once, not after the interval.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    launched.process.wait(timeout=interval)
            else:
                time.sleep(interval)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not running anything.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def is_strapi_process(pid: int, project: Path) -> bool:
    """Whether ``pid`` still is the server of ``project`` (a recycled PID must not be killed).

    Where /proc is missing the answer is "yes": there is nothing better to go on.
    """
    proc = Path(f"/proc/{pid}")
    if not Path("/proc/self").exists():
        return pid_alive(pid)
    try:
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        cwd = Path(os.readlink(proc / "cwd"))
    except OSError:
        return False
    return "strapi" in cmdline and cwd.resolve() == Path(project).resolve()


def stop_pid(pid: int, grace: float = 10.0, process: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM, then SIGKILL after ``grace`` seconds; True if a process was signalled."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        if process is not None:
            process.wait()
        return False
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return True
        elif not pid_alive(pid):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait()
    else:
        deadline = time.monotonic() + 5.0
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    return True


def stop(launched: Launched, grace: float = 10.0) -> bool:
    return stop_pid(launched.pid, grace, launched.process)
