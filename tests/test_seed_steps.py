"""Set-up tables through ``POST /api/conformance/seed`` (one request per table) on a target with the
``seed`` capability, and through one REST create per row on a target without it: the same entries,
in the same order, with the same aliases. Against the in-process reference."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from conformance.steps import data
from conformance.targets.reference import ReferenceTarget
from conformance.world import HarnessError, World


@pytest.fixture(scope="module")
def reference() -> Iterator[ReferenceTarget]:
    target = ReferenceTarget()
    target.start()
    target.info.capabilities = target.info.capabilities | {data.SEED_CAPABILITY}  # what its probe proves
    yield target
    target.stop()


def _world(reference: ReferenceTarget, seed: bool) -> World:
    caps = reference.info.capabilities if seed else reference.info.capabilities - {data.SEED_CAPABILITY}
    return World(reference.http, replace(reference.info, capabilities=caps), None)


AUTHORS = [["alias", "name"], ["A", "Ann"], ["B", "Bob"]]
ARTICLES = [["alias", "title", "author", "status"], ["X", "first", "B", ""], ["Y", "second", "A", "draft"]]


@pytest.mark.parametrize("seed", [True, False], ids=["seed", "rest"])
def test_tables_give_the_same_entries_either_way(reference: ReferenceTarget, seed: bool) -> None:
    world = _world(reference, seed)
    data.seed_rows(world, "authors", AUTHORS)
    data.seed_rows(world, "articles", ARTICLES)
    sent = [(e.method, e.url) for e in world.exchanges]
    if seed:
        assert sent == [("POST", data.SEED_PATH)] * 2
    else:
        assert sent == [("POST", "/api/authors"), ("POST", "/api/authors"),
                        ("POST", "/api/articles"), ("POST", "/api/articles?status=draft")]
    authors = reference.http.get(f"/api/authors?filters[batch][$eq]={world.batch}&sort=id:asc").json()["data"]
    assert [(a["documentId"], a["id"], a["name"]) for a in authors] == [
        (world.aliases[k]["documentId"], world.aliases[k]["id"], n) for k, n in (("A", "Ann"), ("B", "Bob"))]
    published = reference.http.get(f"/api/articles?filters[batch][$eq]={world.batch}&populate=author").json()["data"]
    assert [(a["documentId"], a["author"]["name"]) for a in published] == [(world.aliases["X"]["documentId"], "Bob")]
    drafts = reference.http.get(f"/api/articles?filters[batch][$eq]={world.batch}&status=draft&sort=id:asc").json()
    assert [a["title"] for a in drafts["data"]] == ["first", "second"]


def test_n_entries_in_one_request(reference: ReferenceTarget) -> None:
    world = _world(reference, True)
    data.given_n_entries(world, "3", "tags", None)
    assert [(e.method, e.url) for e in world.exchanges] == [("POST", data.SEED_PATH)]
    tags = reference.http.get(f"/api/tags?filters[batch][$eq]={world.batch}&sort=id:asc").json()["data"]
    assert [t["label"] for t in tags] == ["tag 001", "tag 002", "tag 003"]


def test_a_row_naming_an_unknown_entry_fails_after_the_rows_before_it(reference: ReferenceTarget) -> None:
    world = _world(reference, True)
    with pytest.raises(HarnessError, match="no entry named 'Z'"):
        data.seed_rows(world, "articles", [["alias", "title", "author"], ["X", "first", ""], ["Y", "second", "Z"]])
    assert [e.url for e in world.exchanges] == [data.SEED_PATH] and "X" in world.aliases


def test_a_refused_seed_fails_the_set_up(reference: ReferenceTarget) -> None:
    world = _world(reference, True)
    with pytest.raises(AssertionError, match="set-up failed: seeding 1 articles answered 400"):
        data.seed_rows(world, "articles", [["title", "category"], ["bad", "not-a-category"]])
