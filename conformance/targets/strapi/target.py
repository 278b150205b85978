"""Real Strapi as a target: install (cached), write a fresh fixture project, start, discover, stop.

``StrapiTarget`` is the suite's target; ``up``/``down``/``status`` back ``conformance strapi up``
and ``down``: a server left running between commands, found again through a state file in the
cache (``<cache>/<version>/server.json``).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from ..base import Target, TargetError, TargetInfo
from ..http import check_limits, discover, guarded_client
from ..process import DeathWatch
from . import installer
from .project import OwnProject, project_key, project_version, write_own_project, write_project
from .server import Launched, free_port, is_strapi_process, launch, pid_alive, stop, stop_pid, wait_healthy

STATE_NAME = "server.json"
UP_PROJECT = "up-project"
# How the fixture project's SQLite commits (config/database.js of the template): "wal", the default,
# write-ahead log with synchronous=NORMAL as the reference implementation has it; "strapi", Strapi's
# own rollback journal with synchronous=FULL (several fsyncs per commit).
SQLITE_JOURNAL_ENV = "CONFORMANCE_SQLITE_JOURNAL"
SQLITE_JOURNALS = ("wal", "strapi")
# How its connection prepares statements: "cached", the default, keeps them by SQL text (knex's
# better-sqlite3 client prepares every query anew); "strapi", knex's own behaviour.
SQLITE_STATEMENTS_ENV = "CONFORMANCE_SQLITE_STATEMENTS"
SQLITE_STATEMENTS = ("cached", "strapi")


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise TargetError(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value


def sqlite_journal() -> str:
    """The journal the started Strapi uses; a value outside SQLITE_JOURNALS is a TargetError."""
    return _choice(SQLITE_JOURNAL_ENV, SQLITE_JOURNALS)


def sqlite_statements() -> str:
    """How the started Strapi's connection prepares statements; a value outside SQLITE_STATEMENTS is
    a TargetError."""
    return _choice(SQLITE_STATEMENTS_ENV, SQLITE_STATEMENTS)


def _start_server(version: str, project: Path, port: int | None, webhook_url: str | None,
                  root: Path | None, progress: installer.Progress, startup_timeout: float,
                  source: Path | None = None) -> tuple[Launched, OwnProject | None]:
    """Install if needed, write ``project`` (a copy of ``source`` with the fixture added, when
    given), launch, wait for /_health; the server is stopped on failure."""
    # A bad value stops before anything is installed or written.
    database_env = {SQLITE_JOURNAL_ENV: sqlite_journal(), SQLITE_STATEMENTS_ENV: sqlite_statements()}
    vdir = installer.install(version, root, progress)
    port = port or free_port()
    own = None
    if source is not None:
        own = write_own_project(project, source, version, vdir / "node_modules", port=port)
        for line in own.set_aside:
            progress(f"[strapi {version}] set aside in the copy of {source.name}: {line}")
        progress(f"[strapi {version}] {source.name}'s own, kept in the chain: {', '.join(own.kept) or 'none'}")
    else:
        write_project(project, version, vdir / "node_modules", port=port)
    progress(f"[strapi {version}] starting on port {port} (project {project})")
    launched = launch(project, port, webhook_url=webhook_url, extra_env=database_env)
    try:
        seconds = wait_healthy(launched, timeout=startup_timeout)
    except BaseException:  # Ctrl-C included: never leave a server behind
        stop(launched)
        raise
    progress(f"[strapi {version}] ready at {launched.url} in {seconds:.1f} s (pid {launched.pid})")
    return launched, own


def _discover(launched: Launched, version: str, client: httpx.Client | None = None,
              name: str | None = None) -> TargetInfo:
    if client is None:
        with _client(launched.url) as own:
            return _discover(launched, version, own, name)
    info = discover(client, name or f"strapi-{version}", "strapi", launched.url)
    if "trace" not in info.capabilities:
        raise TargetError(f"Strapi {version} started but the fixture's /api/conformance/info did not answer; "
                          f"log: {launched.log}\n{installer.tail(launched.log)}")
    info.version = version
    return info


def _client(url: str, timeout: float | None = None) -> httpx.Client:
    """The guarded client every target gets (a fixture project may be the user's own code);
    loopback: nothing from the environment (proxies, .netrc)."""
    return guarded_client(url, timeout=timeout, trust_env=False)


class StrapiTarget(Target):
    """A real Strapi ``version`` running the conformance fixture on a loopback port."""

    def __init__(self, version: str = installer.DEFAULT_VERSION, port: int | None = None,
                 webhook_url: str | None = None, keep_project: bool = False,
                 cache: Path | None = None, progress: installer.Progress | None = None,
                 startup_timeout: float = 120.0, project: Path | None = None) -> None:
        # --project: the user's own Strapi project (its package.json says the version).
        self.source = Path(project).resolve() if project is not None else None
        if self.source is not None:
            version = project_version(self.source)
        installer.parse_version(version)
        self.version = version
        self.port = port
        self.webhook_url = webhook_url
        self.keep_project = keep_project
        self.cache = cache
        self.progress = progress or installer.print_progress
        self.startup_timeout = startup_timeout
        self.project: Path | None = None
        self.launched: Launched | None = None
        self.own: OwnProject | None = None
        self.watch: DeathWatch | None = None

    @property
    def name(self) -> str:
        """``strapi-5.54.0``, or ``strapi-5.54.0+<project folder>`` for your own project."""
        return f"strapi-{self.version}" + (f"+{self.source.name}" if self.source is not None else "")

    def start(self) -> TargetInfo:
        check_limits()
        self.project = Path(tempfile.mkdtemp(prefix=f"strapi-conformance-{self.version}-"))
        atexit.register(self.stop)
        try:
            self.launched, self.own = _start_server(self.version, self.project, self.port, self.webhook_url,
                                                    self.cache, self.progress, self.startup_timeout, self.source)
            if self.launched.process is not None:  # a Strapi that dies mid-run fails the rest at once
                self.watch = DeathWatch(self.name, self.launched.process, self.launched.log,
                                        self.project / "conformance-died")
            self.info = _discover(self.launched, self.version, self.http, self.name)
        except BaseException:
            # The error names the project's log: keep the project so that path stays readable.
            self.keep_project = True
            self.stop()
            raise
        return self.info

    def client(self, timeout: float | None = None) -> httpx.Client:
        if self.launched is None:
            raise TargetError("the Strapi target is not started")
        return _client(self.launched.url, timeout)

    @property
    def pid(self) -> int | None:
        return self.launched.pid if self.launched is not None else None

    def died(self) -> str | None:
        """Why the launched Strapi died during the run (None: it was alive until ``stop()``)."""
        return self.watch.died() if self.watch is not None else None

    def stop(self) -> None:
        if self.watch is not None:
            self.watch.stop()
            self.watch = None
        self.close_http()
        if self.launched is not None:
            stop(self.launched)
            self.launched = None
        if self.project is not None:
            if self.keep_project:
                self.progress(f"[strapi {self.version}] project kept at {self.project}")
            else:
                shutil.rmtree(self.project, ignore_errors=True)
            self.project = None
        atexit.unregister(self.stop)


# -- conformance strapi up / down ---------------------------------------------------------------------


@dataclass
class ServerState:
    """What ``up`` leaves in ``<cache>/<version>/server.json`` (``server-<project key>.json`` for a copy
    of your own project) for ``down`` (and for the person)."""

    version: str
    pid: int
    url: str
    port: int
    project: str
    log: str
    started_at: float
    webhook_url: str | None = None
    source: str | None = None  # the user's own project this server runs a copy of (--project)
    already_running: bool = False

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("already_running")
        return data


def _key(project: Path | None) -> str:
    """The state's key within a version: "" for the fixture project, the key of your own project."""
    return "" if project is None else "-" + project_key(project)


def state_path(version: str = installer.DEFAULT_VERSION, cache: Path | None = None,
               project: Path | None = None) -> Path:
    """The state file of the fixture's server of ``version``, or of the one running a copy of ``project``."""
    return installer.version_dir(version, cache) / (Path(STATE_NAME).stem + _key(project) + Path(STATE_NAME).suffix)


def _version_of(version: str, project: Path | None) -> str:
    return project_version(Path(project).resolve()) if project is not None else version


def read_state(version: str = installer.DEFAULT_VERSION, cache: Path | None = None,
               project: Path | None = None) -> ServerState | None:
    """The recorded server of ``version`` (of ``project``'s copy, its version from its package.json),
    or None; an unreadable file is a TargetError."""
    path = state_path(_version_of(version, project), cache, project)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerState(**{k: v for k, v in data.items() if k in ServerState.__dataclass_fields__})
    except (OSError, ValueError, TypeError) as exc:
        raise TargetError(f"cannot read the Strapi state file {path}: {exc}") from exc


def _write_state(state: ServerState, cache: Path | None) -> Path:
    path = state_path(state.version, cache, Path(state.source) if state.source else None)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.as_json(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def status(version: str = installer.DEFAULT_VERSION, cache: Path | None = None,
           project: Path | None = None) -> ServerState | None:
    """The running server of ``version`` (or of ``project``'s copy) per its state file, or None (a
    stale file is removed)."""
    version = _version_of(version, project)
    state = read_state(version, cache, project)
    if state is None:
        return None
    if pid_alive(state.pid) and is_strapi_process(state.pid, Path(state.project)):
        return state
    state_path(version, cache, project).unlink(missing_ok=True)
    return None


def project_servers(version: str = installer.DEFAULT_VERSION, cache: Path | None = None) -> list[ServerState]:
    """The running servers of ``version`` that ``up --project`` started (for `down` to point at)."""
    found = []
    for path in sorted(installer.version_dir(version, cache).glob(f"{Path(STATE_NAME).stem}-*{Path(STATE_NAME).suffix}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            state = ServerState(**{k: v for k, v in data.items() if k in ServerState.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            continue
        if state.source and pid_alive(state.pid) and is_strapi_process(state.pid, Path(state.project)):
            found.append(state)
    return found


def up(version: str = installer.DEFAULT_VERSION, port: int | None = None, webhook_url: str | None = None,
       cache: Path | None = None, progress: installer.Progress | None = None,
       startup_timeout: float = 120.0, project: Path | None = None) -> ServerState:
    """Start Strapi ``version`` with the fixture and leave it running; returns what was recorded.

    If the state file names a server of this version (of a copy of this ``project``: servers are
    keyed by version and project) that still runs, that one is returned (``already_running``) and
    nothing is started.
    """
    say = progress or installer.print_progress
    source = Path(project).resolve() if project is not None else None
    if source is not None:
        version = project_version(source)
    running = status(version, cache, source)
    if running is not None:
        running.already_running = True
        return running
    project_dir = installer.version_dir(version, cache) / (UP_PROJECT + _key(source))
    launched, _ = _start_server(version, project_dir, port, webhook_url, cache, say, startup_timeout, source)
    try:
        _discover(launched, version)
        state = ServerState(version, launched.pid, launched.url, launched.port, str(project_dir), str(launched.log),
                            time.time(), webhook_url, str(source) if source is not None else None)
        _write_state(state, cache)
    except BaseException:
        stop(launched)
        raise
    return state


def down(version: str = installer.DEFAULT_VERSION, cache: Path | None = None, keep_project: bool = False,
         grace: float = 10.0, project: Path | None = None) -> ServerState | None:
    """Stop the server ``up`` started (SIGTERM, then SIGKILL): the fixture's of ``version``, or the
    one running a copy of ``project``; None when none was recorded."""
    version = _version_of(version, project)
    state = read_state(version, cache, project)
    if state is None:
        return None
    copy = Path(state.project)
    if pid_alive(state.pid) and is_strapi_process(state.pid, copy):
        stop_pid(state.pid, grace)
    state_path(version, cache, project).unlink(missing_ok=True)
    if not keep_project:
        shutil.rmtree(copy, ignore_errors=True)
    return state
