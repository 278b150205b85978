"""``conformance diff --fork``: the oracle replayed in a child process. When candidate and oracle both
run in this process, one Python process replays them one after the other (threads would only take
turns on the GIL); with a core to spare, a child forked before any thread starts replays the oracle
while this process replays the candidate. Meant for a machine with a core to spare: on the project's
shared 2-core machine, under a load average of 30, it cost about 20% more CPU time than one process
and saved no wall time, so it is not the default. The child starts its own instance of the oracle and sends each sequence's answers back as it ends, so
the oracle's second run can be queued as soon as a difference is seen.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any

from ..targets.base import Target, TargetError
from .compare import Answer
from .normalise import Normalisation
from .plan import Plan


class ForkedWorld:
    """A replay World living in a child process: ``run_each`` as ``World.run_each`` has it."""

    def __init__(self, target: Target, label: str, rules: Normalisation, run_id: str, plan: Plan) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs, target, label, rules, run_id, plan),
                                        name=f"conformance-diff-{label}", daemon=True)
        self._process.start()
        theirs.close()
        self._version: str | None = None
        self._ready = False
        self.cpu_s = 0.0  # the child's CPU time over its replays

    def _receive(self) -> tuple[Any, ...]:
        try:
            message: tuple[Any, ...] = self._conn.recv()
        except (EOFError, OSError):
            raise TargetError("the oracle's process ended without answering") from None
        if message[0] == "error":
            raise TargetError(message[1])
        return message

    @property
    def version(self) -> str | None:
        """The oracle's version, once it has started (waits for it)."""
        if not self._ready:
            self._version = self._receive()[1]
            self._ready = True
        return self._version

    def run_each(self, plan: Plan, indices: Iterable[int], done: Callable[[int, list[Answer]], None]) -> None:
        _ = self.version
        self._conn.send(list(indices))
        while (message := self._receive())[0] != "done":
            done(message[1], message[2])
        self.cpu_s += message[1]

    def close(self) -> None:
        if self._process.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._process.join(30)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
        self._conn.close()


def _serve(conn: Connection, target: Target, label: str, rules: Normalisation, run_id: str, plan: Plan) -> None:
    """The child: start the target, then replay each list of sequences it is sent (None: stop)."""
    from ..fuzz.send import direct_client
    from .replay import World

    try:
        try:
            info = target.start()
            client = direct_client(target, timeout=60.0)
            world = World(label, client, info.tokens.get("full-access"), rules, run_id)
            conn.send(("ready", info.version))
            while (indices := conn.recv()) is not None:
                cpu = time.process_time()
                for index in indices:
                    conn.send(("sequence", index, world.run_sequence(index, plan.sequences[index])))
                conn.send(("done", time.process_time() - cpu))
        finally:
            target.stop()
    except EOFError:  # the parent went away
        pass
    except Exception as exc:  # noqa: BLE001 (handed to the parent, which exits 2 with this line)
        conn.send(("error", str(exc) if isinstance(exc, TargetError) else f"the oracle: {type(exc).__name__}: {exc}"))
