"""A fork server for meta runs: ``python -m tests.meta.server``.

Every meta run is a whole ``conformance run`` with one variant applied at start-up.  A fresh
interpreter spends most of such a run importing pytest, the harness and the reference implementation,
parsing the feature files and linting them; for a run of a few scenarios that is four fifths of its
cost.  This process pays it once: it imports everything, lints and parses the features, then forks
one child per requested run.  The child is the same ``conformance run`` a fresh process would be (the
variant is applied by the ``tests.meta.inject`` plugin at pytest start-up, in the child only), so
outcomes do not change; ``tests/meta/test_meta.py`` checks that against a fresh process.

Protocol, one JSON object per line: requests on stdin ``{"key", "argv", "env", "out", "timeout_s"}``
and optionally ``"cwd"``, ``"replace_env"``, ``"receiver": "thread"`` (the run's webhook receiver in threads
of the run, not in a forked process) (the child runs ``conformance.cli.main(argv)`` with ``env``
added, or as its whole environment, its stdout and stderr written to ``out``.stdout/.stderr); answers
on stdout ``{"key", "code", "cpu_s", "user_s", "sys_s", "minor_faults"}`` when the child ends (``code`` is None when it was killed after
``timeout_s``).  The server is single-threaded (forking a process with threads is unsafe) and ends
when stdin closes.

``python -m tests.meta.server --cli`` serves any ``conformance`` command (tests/harness_helpers.py's
``run_cli``), or with ``"entry": "pytest"`` a ``python -m pytest`` (tests/forked_cli.py): it only imports, as the features a run lints and the templates it renders may be a
test's own.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pkgutil
import random
import selectors
import signal
import subprocess
import sys
import threading
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

PROFILE_ENV = "CONFORMANCE_META_PROFILE"  # a folder: each forked run writes its cProfile stats there

# Imported in every run, but lazily: loaded here once instead of in every child.
_STDLIB = ("sqlite3", "pdb", "faulthandler", "timeit", "h11", "httpcore", "anyio", "jinja2", "readline",
           "sqlalchemy.dialects.sqlite")


def _import_quietly(name: str) -> None:
    with contextlib.suppress(Exception):
        importlib.import_module(name)


def _submodules(package: str) -> list[str]:
    """Every module under ``package``, namespace packages (folders without __init__.py, such as
    conformance/targets) included: pkgutil.walk_packages does not enter those."""
    names: list[str] = []
    folders = [(Path(p), package) for p in importlib.import_module(package).__path__]
    while folders:
        folder, prefix = folders.pop()
        for info in pkgutil.iter_modules([str(folder)], prefix + "."):
            names.append(info.name)
        for child in sorted(folder.iterdir()):
            if child.is_dir() and child.name.isidentifier() and any(child.glob("*.py")):
                folders.append((child, f"{prefix}.{child.name}"))
    return names


def warm_up(memo: bool = True) -> None:
    """Import what every run imports and, with ``memo``, cache what cannot change between meta runs."""
    for name in _STDLIB:
        _import_quietly(name)
    for ep in entry_points(group="pytest11"):
        _import_quietly(ep.value.split(":")[0])
    from _pytest.config import default_plugins

    for name in default_plugins:  # pytest imports its own plugins at every start-up
        _import_quietly(f"_pytest.{name}")
    for package in ("conformance", "reference_impl", "tests.meta"):
        for name in _submodules(package):
            last = name.rsplit(".", 1)[-1]
            if ".targets.strapi" in name or last.startswith("test_") or last in ("server", "__main__"):
                continue  # Strapi's installer is not used; test modules need a pytest config
            _import_quietly(name)
    if not memo:
        gc.collect()
        gc.freeze()
        return
    from pytest_bdd.feature import get_features

    from conformance import cli
    from conformance.suite import features_dir

    # The feature files do not change during a meta run: parse them once (pytest-bdd keeps a cache
    # keyed by path) and lint them once (``conformance run`` refuses to start when the lint fails;
    # the memo keeps that answer).
    get_features([str(features_dir())])
    _memo_catalogue(features_dir())
    check = getattr(cli, "_check_features", None)
    if callable(check):
        answer = check()
        cli._check_features = lambda: answer  # type: ignore[attr-defined]
    # The HTML report's template is compiled once (a fresh jinja Environment per report compiles it
    # again); the Environment caches it and still reloads it if the file changes.
    from conformance.report import writers

    make_environment = getattr(writers, "environment", None)
    if callable(make_environment):
        environment = make_environment()
        for name in environment.list_templates():
            environment.get_template(name)
        writers.environment = lambda: environment  # type: ignore[attr-defined]
    _import_suite_module()
    from .variants import all_variants

    all_variants()
    gc.collect()
    gc.freeze()  # children inherit these objects: keep their collections from walking (and copying) them


def _memo_catalogue(root: Path) -> None:
    """``conformance run`` reads the catalogue (conformance/scenarios.py) before it starts pytest:
    the features folder's is read once here (each run changes its copy in its own process only)."""
    from conformance import scenarios

    load = scenarios.load_catalogue
    known = root.resolve()
    catalogue = load(known)

    def memo(path: Path) -> list[scenarios.CatalogueScenario]:
        return list(catalogue) if Path(path).resolve() == known else load(path)

    scenarios.load_catalogue = memo  # type: ignore[assignment]


def _import_suite_module() -> None:
    """Import the suite's test module once, through a collect-only pytest session: pytest-bdd makes a
    test function of each of the 418 scenarios when the module is imported (a fifth of a small run's
    cost). Each run's own session then finds the module in sys.modules, as a second session in one
    process would. Its output goes nowhere: this process' stdout is the protocol stream."""
    import pytest

    from conformance.cli import _suite_module
    from conformance.suite import PYTEST_CONFIG

    args = [_suite_module(), "-c", str(PYTEST_CONFIG), "--rootdir", str(Path(_suite_module()).parents[2]),
            "--disable-plugin-autoload", "-p", "pytest_bdd.plugin", "-p", "conformance.plugin",
            "-p", "no:cacheprovider", "--collect-only", "-q", "--assert=plain", "--capture=no"]
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(null, 1)
        os.dup2(null, 2)
        with contextlib.suppress(Exception):
            pytest.main(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def _pythonpath() -> list[str]:
    return [os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


# sys.path without what ``python -m`` put first (the directory it started in) and what PYTHONPATH added.
_BASE_PATH = [p for p in sys.path[1:] if os.path.abspath(p) not in _pythonpath()]


def _fresh_sys_path() -> None:
    """sys.path as ``python -m`` started here with this PYTHONPATH would have it (read at start-up only,
    so a caller's own entries, such as a folder of plugins, are put there by hand)."""
    sys.path[:] = [os.getcwd(), *_pythonpath(), *_BASE_PATH]
    for name in ("xdist.plugin", "xdist.workermanage"):  # xdist gives its workers the sys.path it saw
        module = sys.modules.get(name)                    # when it was imported
        if module is not None:
            module._sys_path = list(sys.path)  # type: ignore[attr-defined]


class ForkedReceiver:
    """The webhook receiver process of a run (conformance/webhooks.py ReceiverProcess), forked from the
    run instead of started as a fresh interpreter (0.1 CPU s and 0.3 s of a forked run's 0.45).  It
    runs the same ``serve_until_stdin_closes`` behind the same three pipes: only conformance/webhooks.py's
    own code, which no variant patches (tests/meta/test_server.py checks the patch targets).  Popen's
    part that ReceiverProcess uses: text stdin/stdout/stderr, poll(), wait(timeout) and kill()."""

    def __init__(self) -> None:
        from conformance.webhooks import serve_until_stdin_closes

        pipes = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr: (read, write) each
        self.pid = os.fork()
        if self.pid == 0:
            code = 1
            try:
                for fd, end in ((0, pipes[0][0]), (1, pipes[1][1]), (2, pipes[2][1])):
                    os.dup2(end, fd)
                for read, write in pipes:
                    os.close(read)
                    os.close(write)
                sys.stdin = open(0, closefd=False)  # noqa: SIM115 (the process ends with os._exit)
                sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
                serve_until_stdin_closes()
                code = 0
            except BaseException as exc:  # noqa: BLE001 (the parent reads stderr)
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        os.close(pipes[0][0])
        os.close(pipes[1][1])
        os.close(pipes[2][1])
        self.stdin = open(pipes[0][1], "w")  # noqa: SIM115 (closed to stop the receiver)
        self.stdout = open(pipes[1][0])  # noqa: SIM115
        self.stderr = open(pipes[2][0])  # noqa: SIM115
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["conformance.webhooks (forked)"], timeout or 0.0)
            time.sleep(0.005)
        for stream in (self.stdin, self.stdout, self.stderr):
            with contextlib.suppress(OSError):
                stream.close()
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def _fork_receivers() -> None:
    """A run's webhook receiver process is forked from the run, while it has a single thread (it is
    spawned at pytest configure time, before the target's threads start); otherwise started as usual."""
    from conformance.webhooks import ReceiverProcess

    spawn = ReceiverProcess.spawn

    def forked() -> Any:
        return ForkedReceiver() if threading.active_count() == 1 else spawn()

    ReceiverProcess.spawn = staticmethod(forked)  # type: ignore[method-assign]


def _receivers_in_process() -> None:
    """A run's webhook receiver runs in the run's own process (threads: conformance/webhooks.py
    WebhookReceiver, as in xdist and forked workers) instead of a process of its own: no second fork
    of the run and none of its pages copied again (a sixth of a variant's run). Same receiver code,
    which no variant patches (tests/meta/test_server.py)."""
    from conformance import plugin

    plugin._spawn_receiver = lambda config: None  # type: ignore[attr-defined]  # _Session.start starts its own


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become the requested ``conformance run`` and exit with its code."""
    code = 2
    try:
        out = request["out"]
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, suffix in ((1, ".stdout"), (2, ".stderr")):
            target = os.open(out + suffix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 (the child ends with os._exit)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        random.seed()  # as a fresh process would: not the parent's state
        if request.get("replace_env"):
            os.environ.clear()
        os.environ.update(request.get("env") or {})
        for name in request.get("unset") or []:
            os.environ.pop(name, None)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        if request.get("replace_env"):
            _fresh_sys_path()
        if request.get("entry") == "pytest":  # ``python -m pytest ARGV`` (pytester's runs)
            import pytest

            sys.argv = [str(pytest.__file__), *request["argv"]]
            code = int(pytest.main(list(request["argv"])))
        else:
            from conformance import cli

            if request.get("receiver") == "thread":
                _receivers_in_process()
            else:
                _fork_receivers()
            sys.argv = [str(cli.__file__), *request["argv"]]  # as ``python -m conformance.cli ARGV`` has it
            profile_dir = os.environ.get(PROFILE_ENV)
            if profile_dir:  # where a forked run's CPU goes (python -m tests.meta.bench --profile DIR)
                import cProfile

                profiler = cProfile.Profile()
                try:
                    code = int(profiler.runcall(cli.main, list(request["argv"])))
                finally:
                    profiler.dump_stats(os.path.join(profile_dir, f"run-{os.getpid()}.prof"))
            else:
                code = int(cli.main(list(request["argv"])))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # noqa: BLE001 (reported through stderr and the exit code)
        print(f"meta server: the run crashed: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 3
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(memo: bool = True) -> int:
    warm_up(memo)
    if len(threading.enumerate()) > 1:
        print("meta server: a thread was started while importing; forking is unsafe", file=sys.stderr)
        return 2
    answer = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the protocol stream
    print(json.dumps({"ready": True, "pid": os.getpid()}), file=answer, flush=True)
    running: dict[int, tuple[str, float, float | None]] = {}  # pid -> key, started, deadline
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin, selectors.EVENT_READ)
    open_input = True
    pending = ""
    while open_input or running:
        if open_input:
            for _ready, _mask in selector.select(timeout=0.02):
                chunk = os.read(sys.stdin.fileno(), 1 << 16).decode()
                if not chunk:
                    open_input = False
                    selector.unregister(sys.stdin)
                    break
                pending += chunk
                while "\n" in pending:
                    line, pending = pending.split("\n", 1)
                    if not line.strip():
                        continue
                    request = json.loads(line)
                    pid = os.fork()
                    if pid == 0:
                        _child(request)
                    timeout = request.get("timeout_s")
                    now = time.monotonic()
                    running[pid] = (str(request["key"]), now, now + timeout if timeout else None)
        else:
            time.sleep(0.02)
        while running:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                break
            name, _started, _deadline = running.pop(pid)
            code = os.waitstatus_to_exitcode(status)
            print(json.dumps({"key": name, "code": code if code >= 0 else None,
                              "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                              "user_s": round(usage.ru_utime, 3), "sys_s": round(usage.ru_stime, 3),
                              "minor_faults": usage.ru_minflt}), file=answer, flush=True)
        now = time.monotonic()
        for pid, (_name, _started, deadline) in list(running.items()):
            if deadline is not None and now > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(serve(memo="--cli" not in sys.argv[1:]))
