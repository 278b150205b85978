"""The scenario catalogue read straight from the feature files (for ``list`` and ``lint``)."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gherkin.parser
from pytest_bdd import feature as bdd_feature
from pytest_bdd import parser as bdd_parser
from pytest_bdd.parser import FeatureParser

from .paths import cache_root
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


def cache_dir() -> Path:
    """Where parsed feature files are kept between runs (conformance/paths.py ``cache_root``)."""
    return cache_root() / "features"


def _cache_names(full: str, content: bytes) -> tuple[str, str]:
    """(file name prefix of every cached parse of ``full``, the name of this content's parse)."""
    where = hashlib.sha256(full.encode()).hexdigest()[:16]
    what = hashlib.sha256(b"\0".join([_CACHE_SALT, content])).hexdigest()[:32]
    return where, f"{where}-{what}.pickle"


def _parser_stamp() -> bytes:
    """A parse depends on the file's content and on the parser: another pytest-bdd, gherkin or Python
    (their modules' paths and modification times) reads the files afresh."""
    parts = [sys.version]
    for module in (bdd_parser, gherkin.parser):
        stat = os.stat(module.__file__ or "")
        parts.append(f"{module.__file__}:{stat.st_mtime_ns}:{stat.st_size}")
    return "|".join(parts).encode()


_CACHE_SALT = _parser_stamp()


def _parse_cached(path: Path, full: str) -> Any:
    """pytest-bdd's parse of ``path``, from the disk cache when the file's content was parsed before:
    parsing the catalogue costs about 0.1 s of CPU in every process (the command and each xdist
    worker), reading the parse back a few milliseconds. The entry is named by a hash of the
    content, so an edited file is parsed again; unreadable entries and an unwritable cache are
    passed over (the file is parsed)."""
    content = Path(full).read_bytes()
    folder = cache_dir()
    prefix, name = _cache_names(full, content)
    try:
        with open(folder / name, "rb") as fh:
            feature = pickle.load(fh)  # the user's own cache, as trusted as Python's own .pyc files
        if getattr(feature, "filename", None) == full:
            return feature
    except Exception:  # noqa: BLE001 (absent, partly written by an older run, or from another pytest-bdd: parse again)
        pass
    feature = FeatureParser(str(path.parent), path.name).parse()
    _store(folder, prefix, name, feature)
    return feature


CACHE_MAX_ENTRIES = 400


def _store(folder: Path, prefix: str, name: str, feature: Any) -> None:
    """Write one parse (atomically: xdist workers may write the same entry at once), drop the earlier
    versions of the same file, and keep the cache bounded: feature files in temporary folders (tests,
    other catalogues) leave entries nobody reads again; beyond CACHE_MAX_ENTRIES the oldest go."""
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{prefix}-*.pickle"):
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{prefix}-", delete=False) as fh:
            tmp = fh.name
            pickle.dump(feature, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / name)
        tmp = None
        entries = list(folder.glob("*.pickle"))
        if len(entries) > CACHE_MAX_ENTRIES:
            for old in sorted(entries, key=_written)[:len(entries) - CACHE_MAX_ENTRIES]:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 (an unwritable cache, a full disk: the run goes on without it)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _written(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _feature(path: Path) -> Any:
    """pytest-bdd's parse of ``path``, once per version of the file in a process (``conformance run``
    lints the files, reads the catalogue and collects the tests: three parses of every file
    otherwise) and, across processes, from the disk cache. pytest-bdd's own cache gets it too, for
    the collection."""
    full = os.path.abspath(path)
    stat = os.stat(full)
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _parsed.get(full)
    if cached is not None and cached[0] == version:
        return cached[1]
    feature = _parse_cached(path, full)
    _parsed[full] = (version, feature)
    bdd_feature.features[full] = feature
    return feature


def prime(root: Path) -> None:
    """Fill pytest-bdd's cache with the parses of ``root``'s feature files (from the disk cache where
    it can), before pytest-bdd's collection parses them; a file that does not parse is left to
    pytest-bdd, which reports it."""
    for path in feature_files(root):
        try:
            _feature(path)
        except Exception:  # noqa: BLE001 (pytest-bdd's collection raises it with its own message)
            continue


def parse_feature(path: Path) -> list[CatalogueScenario]:
    """Raises whatever pytest-bdd's parser raises for a broken file."""
    feature = _feature(path)
    rel = rel_feature(path)
    out = []
    for scenario in feature.scenarios.values():
        tags = set(scenario.tags) | set(feature.tags)
        if scenario.rule is not None:
            tags |= set(scenario.rule.tags)
        out.append(CatalogueScenario(split_tags(tags).scenario_id, scenario.name, rel,
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
