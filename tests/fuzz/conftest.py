"""The fixture's reference implementation in process, shared by the fuzz tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture(autouse=True)
def private_corpus(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzz runs in tests keep their corpus out of the user's cache directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
