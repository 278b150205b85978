"""Concurrency without loss, small: 100 concurrent mixed writes against the reference over real HTTP
(uvicorn), on SQLite and on a private PostgreSQL, checked by ``benchmarks/concurrency.py``: every
acknowledged write is in the database exactly once, nothing refused is written, lifecycle hooks and
webhooks match the writes, documentIds are unique, no 5xx but 503 with Retry-After.
The 1,000-write figures come from ``python benchmarks/concurrency.py`` (reports/bench/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.concurrency import serve_and_burst
from benchmarks.pg_server import PrivatePostgres, server_bin

WRITES = 100


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    if server_bin() is None:
        pytest.skip("no PostgreSQL server binaries on this machine")
    with PrivatePostgres() as pg:
        yield pg.url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data.db'}"
    return str(request.getfixturevalue("postgres"))


def test_concurrent_writes_lose_nothing(database: str) -> None:
    # No admission limit (--max-in-flight 0): however loaded the machine, every write is let in and
    # must be acknowledged, so check() proves each of them is in the database exactly once, with
    # its hooks and webhooks. (Under the default limit a loaded machine refuses part of a burst.)
    result = serve_and_burst(database, WRITES, max_in_flight=0)
    assert result["problems"] == []
    assert (result["acknowledged"], result["refused_503"], result["no_answer"]) == (WRITES, 0, {})
    assert result["webhooks_delivered"] == result["webhooks_expected"] > 0


def test_overload_is_refused_with_503_and_nothing_written(database: str) -> None:
    # Two requests in flight at most: most of the burst is refused, and check() proves each refused
    # write left no row, no hook and no webhook.
    result = serve_and_burst(database, WRITES, max_in_flight=2)
    assert result["problems"] == []
    assert result["refused_503"] > 0
    assert result["acknowledged"] + result["refused_503"] == WRITES
