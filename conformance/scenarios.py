"""The scenario catalogue read straight from the feature files (for ``list`` and ``lint``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_bdd import feature as bdd_feature
from pytest_bdd.parser import FeatureParser

from .tags import compile_expression, split_tags


@dataclass
class CatalogueScenario:
    id: str | None
    name: str
    feature: str
    line: int
    tags: set[str] = field(default_factory=set)
    steps: list[str] = field(default_factory=list)

    @property
    def level(self) -> str | None:
        return split_tags(self.tags).level

    def as_json(self) -> dict[str, Any]:
        t = split_tags(self.tags)
        return {"id": self.id, "name": self.name, "feature": self.feature, "line": self.line, "level": t.level,
                "tags": sorted(self.tags), "docs": t.doc_urls, "needs": t.needs}


def feature_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.feature")) if root.is_dir() else [root]


def rel_feature(path: Path) -> str:
    parts = path.resolve().parts
    return "/".join(parts[parts.index("features"):]) if "features" in parts else path.name


_parsed: dict[str, tuple[tuple[int, int], Any]] = {}


def _feature(path: Path) -> Any:
    """pytest-bdd's parse of ``path``, once per version of the file in a process: ``conformance run``
    lints the files, reads the catalogue and collects the tests, three parses of every file (a
    quarter of a second) otherwise. pytest-bdd's own cache gets it too, for the collection."""
    full = os.path.abspath(path)
    stat = os.stat(full)
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _parsed.get(full)
    if cached is not None and cached[0] == version:
        return cached[1]
    feature = FeatureParser(str(path.parent), path.name).parse()
    _parsed[full] = (version, feature)
    bdd_feature.features[full] = feature
    return feature


def parse_feature(path: Path) -> list[CatalogueScenario]:
    """Raises whatever pytest-bdd's parser raises for a broken file."""
    feature = _feature(path)
    out = []
    for scenario in feature.scenarios.values():
        tags = set(scenario.tags) | set(feature.tags)
        if scenario.rule is not None:
            tags |= set(scenario.rule.tags)
        out.append(CatalogueScenario(split_tags(tags).scenario_id, scenario.name, rel_feature(path),
                                     scenario.line_number, tags, [f"{s.type} {s.name}" for s in scenario.steps]))
    return out


def load_catalogue(root: Path) -> list[CatalogueScenario]:
    scenarios: list[CatalogueScenario] = []
    for path in feature_files(root):
        try:
            scenarios += parse_feature(path)
        except Exception as exc:  # pytest-bdd raises several error types for broken files
            raise ValueError(f"{rel_feature(path)}: cannot parse: {str(exc).splitlines()[0]}") from exc
    return scenarios


def select(scenarios: list[CatalogueScenario], tags: str | None, ids: list[str] | None) -> list[CatalogueScenario]:
    predicate = compile_expression(tags) if tags else None
    wanted = set(ids or [])
    return [s for s in scenarios
            if (not wanted or s.id in wanted) and (predicate is None or predicate(s.tags))]
