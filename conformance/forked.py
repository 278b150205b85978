"""``conformance run --workers N`` against an in-process target: N workers forked from the pytest
process once it has collected, instead of pytest-xdist's fresh interpreters.

Why: an xdist worker is a new interpreter that imports pytest, the harness and the reference and
collects every scenario again before its first scenario; on a machine with as many cores as workers
that start-up (three interpreters' worth with the controller) cost more than the parallel scenarios
saved, and ``--workers 2`` was slower than a serial run. A forked worker starts with all of it
done: it only starts (and probes) its own target, as each xdist worker did.

How: the scenarios are cut into units, a scenario each, or every scenario of one ``@group:`` tag
(``xdist_group``) together and in order, as xdist's ``loadgroup`` keeps them on one worker. The
units' numbers wait in a pipe that every worker reads from, a record at a time (reads of a few
bytes from a pipe are atomic): a worker takes the next unit when it is free, so the load balances
itself. Each worker runs its items with pytest's own protocol, its target session being torn down
after its last item, and sends pytest's serialised reports (the form xdist sends) back through a
pipe of its own; this process hands them to its hooks, a whole item at a time, so the terminal, the
progress line and the report collector see what they see in a serial run. A worker whose target cannot start or prove a
capability stops the run as a serial run stops (``pytest.exit``, exit 2, one line); a worker that
dies names the scenario it was running (exit 3, pytest's internal error).
"""

from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

_RECORD = struct.Struct("!I")  # a unit's number in the work pipe; a message's length in a report pipe
# In a forked worker's config: its part in probing once per run (the plugin's session start uses it).
PROBE_SHARE = pytest.StashKey["_ProbeShare"]()


def worker_count(value: str | None) -> int:
    """``--workers`` as a number of processes: 'auto' is one per usable core; 0 and 1 are serial."""
    if value is None:
        return 1
    if value == "auto":
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            return os.cpu_count() or 1
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"--workers {value!r}: a number or 'auto'") from None
    if count < 0:
        raise ValueError(f"--workers {value!r}: a number or 'auto'")
    return max(count, 1)


def available() -> bool:
    """Forking needs os.fork (not on Windows); elsewhere the run uses pytest-xdist."""
    return hasattr(os, "fork")


def units_of(items: list[pytest.Item]) -> list[list[int]]:
    """Item positions, a unit per scenario, the scenarios of one xdist_group in one unit (in
    collection order, where the group's first scenario stood)."""
    units: list[list[int]] = []
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        mark = item.get_closest_marker("xdist_group")
        if mark is None or not mark.args:
            units.append([index])
            continue
        name = str(mark.args[0])
        unit = groups.get(name)
        if unit is None:
            unit = groups[name] = []
            units.append(unit)
        unit.append(index)
    return units


class ForkedWorkers:
    """The pytest plugin of the controlling process: forks the workers and relays their reports."""

    def __init__(self, count: int) -> None:
        self.count = count

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            return None  # pytest's own loop reports the collection errors
        if session.config.option.collectonly:
            return None
        units = units_of(session.items)
        count = min(self.count, len(units))
        if count < 2:
            return None  # one worker: pytest's own loop, in this process
        _prepare(session.config)
        _Run(session, units, count).run()
        return True


def _prepare(config: pytest.Config) -> None:
    """What every worker's target would import when it starts, imported once, before the forks."""
    from .targets.base import TargetError
    from .targets.registry import TargetOptions, parse

    try:
        target = parse(config.getoption("target")).build(TargetOptions())
    except (TargetError, ValueError):
        return  # the workers report it, as serially
    prepare = getattr(target, "prepare", None)
    if callable(prepare):
        prepare()


class _Run:
    def __init__(self, session: pytest.Session, units: list[list[int]], count: int) -> None:
        self.session = session
        self.config = session.config
        self.units = units
        self.count = count
        self.pids: dict[int, int] = {}  # report pipe (read end) -> worker pid
        self.buffers: dict[int, bytearray] = {}
        self.running: dict[int, str] = {}  # report pipe -> the scenario its worker is running
        self.pending: dict[int, list[tuple[Any, ...]]] = {}  # report pipe -> that scenario's messages so far
        self.done: set[int] = set()
        self.controls: dict[int, int] = {}  # report pipe -> the pipe to that worker

    def run(self) -> None:
        # what this process has written but not yet flushed would be written again by every worker
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.flush()
        _flush()
        work_r, work_w = os.pipe()
        # one token: the worker that takes it probes its target, the others wait for its results
        token_r, token_w = os.pipe()
        os.write(token_w, b"P")
        os.set_blocking(token_r, False)
        # the objects made so far (pytest's, the items, the imported modules) stay as they are: the
        # workers' collector passes skip them, and do not copy the memory they sit in
        gc.freeze()
        try:
            for number in range(self.count):
                report_r, report_w = os.pipe()
                control_r, control_w = os.pipe()
                pid = os.fork()
                if pid == 0:  # the worker
                    for fd in (work_w, token_w, report_r, control_w, *self.pids, *self.controls.values()):
                        os.close(fd)
                    _Worker(self.session, self.units, work_r, report_w, number,
                            _ProbeShare(token_r, control_r)).run()  # never returns
                os.close(report_w)
                os.close(control_r)
                self.pids[report_r] = pid
                self.controls[report_r] = control_w
                self.buffers[report_r] = bytearray()
        except BaseException:  # a fork failed: the workers started so far read the end of the work
            os.close(work_w)
            self._stop()
            raise
        finally:
            gc.unfreeze()
            for fd in (work_r, token_r, token_w):
                os.close(fd)
        # the numbers are written after the forks, by a thread: more than a pipe holds would block
        threading.Thread(target=_feed, args=(work_w, len(self.units)), name="conformance-units", daemon=True).start()
        try:
            self._relay()
        finally:
            self._stop()

    def _relay(self) -> None:
        selector = selectors.DefaultSelector()
        for fd in self.pids:
            selector.register(fd, selectors.EVENT_READ)
        while len(self.done) < len(self.pids):
            for key, _ in selector.select():
                fd = int(key.fd)  # type: ignore[call-overload]
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    selector.unregister(fd)
                    if fd not in self.done:
                        self._died(fd)
                    continue
                buffer = self.buffers[fd]
                buffer += chunk
                for message in _messages(buffer):
                    self._handle(fd, message)

    def _handle(self, fd: int, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "logstart":
            self.running[fd] = message[1]
            self.pending[fd] = [message]
        elif kind == "report":
            self.pending[fd].append(message)
        elif kind == "logfinish":
            self.running.pop(fd, None)
            self._replay([*self.pending.pop(fd), message])
        elif kind == "probed":  # the first worker's probe results, for the others' targets
            for other, control in self.controls.items():
                if other != fd:
                    try:
                        _write(control, message[1])
                    except OSError:  # that worker has ended
                        pass
        elif kind == "done":
            self.done.add(fd)
        elif kind == "exit":  # the worker's target did not start or prove its capabilities: as serially
            self.done.add(fd)
            pytest.exit(message[1], returncode=message[2])
        elif kind == "crash":
            self.done.add(fd)
            sys.stderr.write(message[1])
            pytest.exit(f"conformance: a forked worker failed: {message[1].strip().splitlines()[-1]}", returncode=3)
        if self.session.shouldfail:
            raise self.session.Failed(self.session.shouldfail)
        if self.session.shouldstop:
            raise self.session.Interrupted(self.session.shouldstop)

    def _replay(self, messages: list[tuple[Any, ...]]) -> None:
        """One item's messages, handed to this process's hooks together once the item is over: the
        terminal shows each scenario's line whole, as serially, whatever the other workers send."""
        hook = self.config.hook
        for kind, *rest in messages:
            if kind == "logstart":
                hook.pytest_runtest_logstart(nodeid=rest[0], location=rest[1])
            elif kind == "report":
                hook.pytest_runtest_logreport(report=hook.pytest_report_from_serializable(config=self.config,
                                                                                         data=rest[0]))
            else:
                hook.pytest_runtest_logfinish(nodeid=rest[0], location=rest[1])

    def _died(self, fd: int) -> None:
        pid = self.pids[fd]
        _, status = os.waitpid(pid, 0)
        self.pids[fd] = 0
        self.done.add(fd)
        where = f" while running {self.running[fd]}" if fd in self.running else ""
        how = f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status) else \
            f"exit {os.waitstatus_to_exitcode(status)}"
        pytest.exit(f"conformance: a forked worker ended ({how}){where}", returncode=3)

    def _stop(self) -> None:
        """Every worker is waited for; one still running (the run stopped early) is stopped first."""
        for fd, pid in self.pids.items():
            if pid and fd not in self.done:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for fd, pid in self.pids.items():
            if pid:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
            os.close(fd)
            os.close(self.controls[fd])
        self.pids, self.controls = {}, {}


def _flush() -> None:
    for stream in {id(s): s for s in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__) if s is not None}.values():
        try:
            stream.flush()
        except (OSError, ValueError):  # closed: nothing to flush
            pass


def _feed(fd: int, units: int) -> None:
    try:
        for number in range(units):
            os.write(fd, _RECORD.pack(number))
    except OSError:  # every worker is gone: the run is stopping
        pass
    finally:
        os.close(fd)


def _write(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_RECORD.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read(fd: int) -> Any:
    """One message from a blocking pipe (None at its end)."""
    buffer = bytearray()
    while True:
        for message in _messages(buffer):
            return message
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        buffer += chunk


class _ProbeShare:
    """A worker's part in probing once per run: the target of the first worker to start one is
    probed, and its results (``conformance.probes.encode``) are restored in the others' targets, as
    xdist workers restored the controller's (``--probed``): the same code on the same fixture. A
    failing probe stops the run from that worker."""

    def __init__(self, token: int, control: int) -> None:
        self.token = token
        self.control = control
        self.publish: Any = None  # set by the worker: sends the results to the controlling process

    def take(self) -> str | None:
        """None: this worker probes (and then ``publish``es); else the first worker's results."""
        try:
            if os.read(self.token, 1):
                return None
        except BlockingIOError:
            pass
        results = _read(self.control)
        if results is None:  # the controlling process is gone
            raise pytest.exit.Exception("conformance: the run was stopped before the probes ended", returncode=2)
        return str(results)


def _messages(buffer: bytearray) -> Iterator[tuple[Any, ...]]:
    """The complete messages at the start of ``buffer`` (removed from it)."""
    while len(buffer) >= _RECORD.size:
        (size,) = _RECORD.unpack_from(buffer)
        if len(buffer) < _RECORD.size + size:
            return
        message = pickle.loads(bytes(buffer[_RECORD.size:_RECORD.size + size]))
        del buffer[:_RECORD.size + size]
        yield message


class _Worker:
    """A forked copy of the collected session that runs the units it takes from the work pipe."""

    def __init__(self, session: pytest.Session, units: list[list[int]], work: int, out: int, number: int,
                 probes: _ProbeShare) -> None:
        self.session = session
        self.probes = probes
        probes.publish = lambda results: self.send(("probed", results))
        session.config.stash[PROBE_SHARE] = probes
        self.units = units
        self.work = work
        self.out = out
        self.number = number

    def send(self, message: tuple[Any, ...]) -> None:
        _write(self.out, message)

    def next_unit(self) -> list[int] | None:
        data = os.read(self.work, _RECORD.size)
        if not data:
            return None
        (number,) = _RECORD.unpack(data)
        return self.units[number]

    def run(self) -> None:
        code = 0
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self._quiet()
            self.config().pluginmanager.register(_Forward(self), "conformance-forked-worker")
            self._loop()
            self.send(("done",))
        except pytest.exit.Exception as exc:  # pytest.exit() in the worker: the run stops with its reason
            self.send(("exit", str(exc.msg), exc.returncode if exc.returncode is not None else 2))
        except BaseException:  # noqa: BLE001 (reported to the controlling process, which stops the run)
            code = 1
            try:
                self.send(("crash", traceback.format_exc()))
            except OSError:
                pass
        finally:
            _flush()
            # no interpreter teardown and no atexit handler: they belong to the controlling process
            # (its temporary folders, its webhook receiver)
            os._exit(code)

    def config(self) -> pytest.Config:
        return self.session.config

    def _quiet(self) -> None:
        """What only the controlling process does: the terminal, the progress line, the reports."""
        manager = self.config().pluginmanager
        for plugin in list(manager.get_plugins()):
            if getattr(plugin, "conformance_controller_only", False):
                manager.unregister(plugin)
        reporter = manager.get_plugin("terminalreporter")
        if reporter is not None:
            manager.unregister(reporter)

    def _loop(self) -> None:
        items = self.session.items
        hook = self.config().hook
        unit = self.next_unit()
        while unit is not None:
            following = None
            for position, index in enumerate(unit):
                if position == len(unit) - 1:  # the next unit decides what the last item tears down
                    following = self.next_unit()
                nextitem = items[unit[position + 1]] if position + 1 < len(unit) else \
                    (items[following[0]] if following else None)
                hook.pytest_runtest_protocol(item=items[index], nextitem=nextitem)
            unit = following


class _Forward:
    """In a worker: what pytest reports about each item goes to the controlling process."""

    def __init__(self, worker: _Worker) -> None:
        self.worker = worker

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.worker.send(("logstart", nodeid, location))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        config = self.worker.config()
        self.worker.send(("report", config.hook.pytest_report_to_serializable(config=config, report=report)))

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.worker.send(("logfinish", nodeid, location))
