"""The in-process reference target: requests run the app in the calling thread, background work
(webhook deliveries) still goes on between requests, and ``quiesce`` tells when none is left."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from conformance.targets.reference import PUMP_IDLE_S, ReferenceTarget


@pytest.fixture(scope="module")
def target() -> Iterator[ReferenceTarget]:
    t = ReferenceTarget()
    t.start()
    yield t
    t.stop()


def _later(target: ReferenceTarget, delay_s: float, done: threading.Event) -> None:
    """Leave a task on the app's loop that sets ``done`` after ``delay_s`` (as a late delivery would)."""
    assert target._loop is not None

    async def schedule() -> None:
        async def late() -> None:
            await asyncio.sleep(delay_s)
            done.set()

        asyncio.get_running_loop().create_task(late())

    target._loop.run(schedule())


def _held(target: ReferenceTarget, done: threading.Event) -> Callable[[], None]:
    """Leave a task on the app's loop that runs until the returned ``release()`` is called, then sets
    ``done``: pending work that lasts exactly as long as the test needs (no fixed sleep to wait out)."""
    assert target._loop is not None
    loop = target._loop.loop
    gate: list[asyncio.Event] = []

    async def schedule() -> None:
        gate.append(asyncio.Event())

        async def held() -> None:
            await gate[0].wait()
            done.set()

        asyncio.get_running_loop().create_task(held())

    target._loop.run(schedule())

    def release() -> None:
        loop.call_soon_threadsafe(gate[0].set)

    return release


def test_requests_run_in_the_calling_thread(target: ReferenceTarget) -> None:
    assert target._loop is not None
    seen: list[int] = []

    async def where() -> None:
        seen.append(threading.get_ident())

    target._loop.run(where())
    assert seen == [threading.get_ident()]
    assert target.http.get("/api/articles").status_code == 200
    # another thread may use the client as well: the loop is run by one thread at a time
    answers: list[int] = []
    other = threading.Thread(target=lambda: answers.append(target.http.get("/api/articles").status_code))
    other.start()
    other.join(timeout=30)
    assert answers == [200]


def test_background_work_goes_on_while_the_caller_waits_elsewhere(target: ReferenceTarget) -> None:
    """Work left on the loop after a request (a delivery) is run by the pump thread: a receiver
    waiting for it (the probe's long poll) gets it without the caller driving the loop."""
    done = threading.Event()
    _later(target, PUMP_IDLE_S * 4, done)
    assert not done.is_set()
    assert done.wait(timeout=10), "nothing ran the app's pending task"
    assert target.quiesce(5.0)


def test_quiesce_waits_for_pending_work_and_says_when_it_cannot(target: ReferenceTarget) -> None:
    done = threading.Event()
    _later(target, 0.3, done)
    started = time.monotonic()
    assert target.quiesce(5.0) is True
    assert done.is_set() and time.monotonic() - started >= 0.2
    late = threading.Event()
    release = _held(target, late)
    assert target.quiesce(0.05) is False  # still busy when the time is up
    release()
    assert target.quiesce(10.0) is True and late.is_set()


def test_a_caller_gets_the_loop_back_from_the_pump_without_waiting_for_its_slice(
        target: ReferenceTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pump runs pending work in slices, holding the loop; a request arriving meanwhile asks it to
    stop and goes first instead of waiting for a delivery that may take seconds."""
    import conformance.targets.reference as reference

    monkeypatch.setattr(reference, "PUMP_SLICE_S", 30.0)  # one slice would hold the loop until the task ends
    loop = target._loop
    assert loop is not None
    done = threading.Event()
    release = _held(target, done)
    # the task ends by itself after 3 s at the latest, as a slow delivery would: a caller kept
    # waiting for the pump's slice would get the loop only then
    timer = threading.Timer(3.0, release)
    timer.start()
    deadline = time.monotonic() + 10
    while loop._interrupt is None and time.monotonic() < deadline:  # the pump has taken the loop
        time.sleep(0.005)
    assert loop._interrupt is not None, "the pump never started a slice"
    started = time.monotonic()
    assert target.http.get("/api/articles").status_code == 200
    assert time.monotonic() - started < 1.5 and not done.is_set()  # served before the 3 s task ended
    timer.cancel()
    release()
    assert target.quiesce(10.0) and done.is_set()
