"""The fixture's reference implementation in process, shared by the fuzz tests of a module."""

from __future__ import annotations

import fcntl
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from conformance.fixture.facts import FIXTURE_TOKENS
from conformance.targets.reference import ReferenceTarget

from .shared_corpus import SHARED_EXAMPLES, install

__all__ = ["SHARED_EXAMPLES", "shares_corpus"]


@pytest.fixture(scope="module")
def reference() -> Iterator[ReferenceTarget]:
    target = ReferenceTarget()
    target.start()
    try:
        yield target
    finally:
        target.stop()


@pytest.fixture
def api(reference: ReferenceTarget) -> Iterator[httpx.Client]:
    """A client with the full-access token."""
    with reference.client() as client:
        client.headers["Authorization"] = f"Bearer {FIXTURE_TOKENS['full-access']}"
        yield client


@pytest.fixture(scope="session")
def shared_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory for the session's fuzz runs, shared by the xdist workers.

    The stateless corpus is keyed by everything that decides its cases (document, seed, examples,
    operation, mode, library versions), so a run that finds its cases there sends exactly what it
    would have drawn: drawing them once (here: once, committed) instead of once per test proves the
    same. Files are written whole and renamed into place, so workers can share it.
    """
    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # xdist: the workers share the parent of their basetemp
        root = root.parent
    cache = root / "fuzz-cache"
    cache.mkdir(exist_ok=True)
    # The fixture document's corpus comes drawn (tests/fuzz/shared_corpus.py): every run replays it.
    reason = install(cache)
    if reason is not None:
        warnings.warn(reason, stacklevel=1)
    return cache


@pytest.fixture(autouse=True)
def private_corpus(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzz runs in tests keep their corpus out of the user's cache directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))



@pytest.fixture
def corpus_lock(shared_cache: Path) -> Iterator[None]:
    """Held around a fuzz run on the shared corpus: the first run draws it while the others wait,
    then they replay it instead of drawing the same cases again on another xdist worker."""
    with open(shared_cache / "corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


F = TypeVar("F", bound=Callable[..., Any])


def shares_corpus(test: F) -> F:
    """A test fuzzing on the shared corpus: under its lock, and (``tox -e unit`` distributes with
    ``--dist loadgroup``) on one xdist worker with the others, started early as a group of several
    tests is: the first draws the corpus, the rest replay it without waiting on another worker."""
    return pytest.mark.usefixtures("corpus_lock")(pytest.mark.xdist_group("fuzz-corpus")(test))
