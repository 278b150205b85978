"""The documents the fuzzer reuses: any document it saw names a path's ``{id}``, only published ones
are named by valid relations. A create answered through a drawn ``fields`` has no ``publishedAt``: on
a type without draft & publish its document is published all the same (the wheel check once found
``PUT /api/authors/{id}`` never reached because such a create was forgotten)."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from conformance.fuzz.command import load_schema
from conformance.fuzz.runner import FuzzOptions, Runner
from conformance.openapi import fixture_document


@pytest.fixture(scope="module")
def runner() -> Runner:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)), base_url="http://x.invalid")
    document = fixture_document()
    return Runner(load_schema(document), client, "http://x.invalid", {}, FuzzOptions(seed=1, max_examples=1))


def _created(runner: Runner, path: str, entry: dict[str, object]) -> None:
    case = SimpleNamespace(operation=SimpleNamespace(path=path), method="POST", path_parameters={})
    runner._remember(case, httpx.Response(201, json={"data": entry, "meta": {}}))  # type: ignore[arg-type]


def test_a_create_without_published_at_on_a_type_without_draft_and_publish(runner: Runner) -> None:
    _created(runner, "/api/authors", {"id": 1, "documentId": "a1", "name": "x"})  # ?fields[0]=name
    assert runner.existing_document("/api/authors/{id}") == "a1"
    assert runner._published["/api/authors"] == ["a1"]


def test_a_draft_names_a_path_but_no_relation(runner: Runner) -> None:
    _created(runner, "/api/articles", {"id": 1, "documentId": "d1", "publishedAt": None})
    assert runner.existing_document("/api/articles/{id}") == "d1"
    assert "d1" not in runner._published.get("/api/articles", [])
    _created(runner, "/api/articles", {"id": 2, "documentId": "p1", "publishedAt": "2026-01-01T00:00:00.000Z"})
    assert runner.existing_document("/api/articles/{id}") == "p1"  # a published one first
    assert runner._published["/api/articles"] == ["p1"]


def test_a_delete_forgets_the_document(runner: Runner) -> None:
    _created(runner, "/api/tags", {"id": 5, "documentId": "t5"})
    case = SimpleNamespace(operation=SimpleNamespace(path="/api/tags/{id}"), method="DELETE",
                           path_parameters={"id": "t5"})
    runner._remember(case, httpx.Response(200, json={"data": None}))  # type: ignore[arg-type]
    assert runner.existing_document("/api/tags/{id}") is None
    assert "t5" not in runner._published.get("/api/tags", [])
