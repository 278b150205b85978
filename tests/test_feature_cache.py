"""The parsed-feature cache (conformance/scenarios.py): a file whose content was parsed before is read
back from the cache, an edited file is parsed again, and a broken entry is never trusted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance import scenarios

FEATURE = """Feature: cached
  @id:ZZ-001 @must @doc:cms/api/rest
  Scenario: first
    When I GET "/api/articles"
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(scenarios, "_parsed", {})
    return tmp_path / "cache" / "features"


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    original = scenarios.FeatureParser.parse

    def parse(self: Any) -> Any:
        parsed.append(self.abs_filename)
        return original(self)

    monkeypatch.setattr(scenarios.FeatureParser, "parse", parse)
    return parsed


def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process starts with: neither our memo nor pytest-bdd's."""
    monkeypatch.setattr(scenarios, "_parsed", {})
    monkeypatch.setattr(scenarios.bdd_feature, "features", {})


def test_a_parse_is_read_back_until_the_file_changes(tmp_path: Path, cache: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "features" / "cached.feature"
    path.parent.mkdir()
    path.write_text(FEATURE)
    parsed = _count_parses(monkeypatch)

    first = scenarios.parse_feature(path)
    assert [s.id for s in first] == ["ZZ-001"] and len(parsed) == 1
    assert len(list(cache.glob("*.pickle"))) == 1

    _fresh_process(monkeypatch)
    again = scenarios.parse_feature(path)
    assert len(parsed) == 1, "the second process parsed the file again"
    assert [(s.id, s.name, s.steps, s.tags) for s in again] == [(s.id, s.name, s.steps, s.tags) for s in first]
    # pytest-bdd's collection gets the same parse
    assert scenarios.bdd_feature.features[str(path)].scenarios["first"].name == "first"

    path.write_text(FEATURE.replace("Scenario: first", "Scenario: renamed"))
    _fresh_process(monkeypatch)
    edited = scenarios.parse_feature(path)
    assert [s.name for s in edited] == ["renamed"] and len(parsed) == 2
    assert len(list(cache.glob("*.pickle"))) == 1, "the stale entry of the file was left behind"


def test_a_broken_entry_is_parsed_again(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cached.feature"
    path.write_text(FEATURE)
    scenarios.parse_feature(path)
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    parsed = _count_parses(monkeypatch)
    _fresh_process(monkeypatch)
    assert [s.id for s in scenarios.parse_feature(path)] == ["ZZ-001"] and len(parsed) == 1


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(blocked))  # a file where the folder should be
    monkeypatch.setattr(scenarios, "_parsed", {})
    path = tmp_path / "cached.feature"
    path.write_text(FEATURE)
    assert [s.id for s in scenarios.parse_feature(path)] == ["ZZ-001"]


def test_the_cache_stays_bounded(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scenarios, "CACHE_MAX_ENTRIES", 3)
    for n in range(5):
        path = tmp_path / f"f{n}.feature"
        path.write_text(FEATURE)
        scenarios.parse_feature(path)
    assert len(list(cache.glob("*.pickle"))) == 3
