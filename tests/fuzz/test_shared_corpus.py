"""The committed corpus the fuzz tests replay (tests/fuzz/shared_corpus.py) is the one this repository
draws: same document, corpus format, seed and examples, every operation and mode present."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conformance.fuzz.command import load_schema
from conformance.fuzz.corpus import Corpus, library_versions
from conformance.openapi import fixture_document

from . import shared_corpus
from .shared_corpus import COMMAND, SHARED_EXAMPLES


def _labels() -> list[str]:
    return [result.ok().label for result in load_schema(fixture_document()).get_all_operations()]


def test_the_committed_corpus_is_drawn_from_this_repositorys_document() -> None:
    manifest = shared_corpus.read_manifest()
    assert shared_corpus.stale_reason(manifest) is None, shared_corpus.stale_reason(manifest)
    # Named as the runner keys them, for every operation in both modes and the stateful scenarios.
    corpus = Corpus(Path("unused"), fixture_document(), shared_corpus.DEFAULT_SEED, int(SHARED_EXAMPLES),
                    versions=tuple(manifest["versions"]))  # type: ignore[arg-type]
    expected = corpus.file_names(_labels(), shared_corpus.stateful_steps())
    assert set(manifest["files"]) == expected, f"the committed fuzz corpus is incomplete: regenerate it with {COMMAND}"
    members = shared_corpus.archive_members()
    assert {name: hashlib.sha256(data).hexdigest() for name, data in members.items()} == manifest["files"]


def test_a_changed_document_is_reported_stale_with_the_command() -> None:
    manifest = {**shared_corpus.read_manifest(), "document_sha256": "0" * 64}
    reason = shared_corpus.stale_reason(manifest)
    assert reason is not None and "document_sha256" in reason and COMMAND in reason


def test_the_installed_corpus_replays_every_operation(tmp_path: Path) -> None:
    manifest = shared_corpus.read_manifest()
    if tuple(manifest["versions"]) != library_versions():
        pytest.skip(f"drawn with schemathesis/hypothesis {'/'.join(manifest['versions'])}: the fuzz tests draw "
                    f"afresh; regenerate it with {COMMAND}")
    assert shared_corpus.install(tmp_path) is None
    document = fixture_document()
    corpus = Corpus(tmp_path / "conformance" / "fuzz-corpus", document, shared_corpus.DEFAULT_SEED,
                    int(SHARED_EXAMPLES))
    for result in load_schema(document).get_all_operations():
        operation = result.ok()
        for mode in ("positive", "negative"):
            cases = corpus.load(operation, mode)
            assert cases, f"{operation.label} {mode}: no stored cases"
            assert all(case.operation is operation for case in cases)
    assert corpus.load_scenarios(shared_corpus.stateful_steps())
