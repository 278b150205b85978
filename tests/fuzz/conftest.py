"""The fixture's reference implementation in process, shared by the fuzz tests of a module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.fixture.facts import FIXTURE_TOKENS
from conformance.targets.reference import ReferenceTarget


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
    would have drawn: drawing them once per session instead of once per test proves the same.
    Files are written whole and renamed into place, so workers can share it.
    """
    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # xdist: the workers share the parent of their basetemp
        root = root.parent
    cache = root / "fuzz-cache"
    cache.mkdir(exist_ok=True)
    return cache


@pytest.fixture(autouse=True)
def private_corpus(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzz runs in tests keep their corpus out of the user's cache directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
