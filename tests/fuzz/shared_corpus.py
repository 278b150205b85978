"""The fuzz tests' shared corpus, drawn once and committed: ``python -m tests.fuzz.shared_corpus``.

Drawing the fixture document's cases (43 operations, two generation modes, ``SHARED_EXAMPLES`` each,
and the stateful scenarios) costs about 40 CPU seconds; replaying them, the price of the requests.
The fuzz tests that run ``conformance fuzz`` on the fixture (test_checks.py, test_cli.py) need real
drawn cases, not fresh ones: they replay these, installed into the session's corpus directory as
the runner's cache keeps them. Drawing stays tested: tests/fuzz/test_corpus.py draws and replays
small documents, ``tox -e fuzz`` draws the fixture's at 20 examples, and a session whose
schemathesis or hypothesis differs from the committed corpus' draws afresh (with a warning).

data/shared-corpus.tar.xz holds the corpus files, named by their cache keys; data/shared-corpus.json
says what keyed them. tests/fuzz/test_shared_corpus.py fails when the document, the corpus format or
the examples changed without regenerating, naming this command.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from conformance.fuzz.corpus import CORPUS_FORMAT, document_digest, library_versions
from conformance.fuzz.options import DEFAULT_SEED

# The examples per operation of every fuzz run here against the fixture's document (tests/fuzz/test_cli.py,
# test_checks.py): one number, so they all replay one corpus.
SHARED_EXAMPLES = "4"
PHASES = "stateless,stateful"  # the phases that draw (methods and hostile draw nothing)
DATA = Path(__file__).parent / "data"
ARCHIVE = DATA / "shared-corpus.tar.xz"
MANIFEST = DATA / "shared-corpus.json"
COMMAND = "python -m tests.fuzz.shared_corpus"


def stateful_steps() -> int:
    from conformance.fuzz.runner import FuzzOptions

    return FuzzOptions().stateful_steps


def current_key() -> dict[str, Any]:
    """What decides the corpus, apart from the library versions: the fields a manifest must match."""
    from conformance.openapi import fixture_document

    return {"corpus_format": CORPUS_FORMAT, "seed": DEFAULT_SEED, "max_examples": int(SHARED_EXAMPLES),
            "stateful_steps": stateful_steps(), "document_sha256": document_digest(fixture_document())}


def read_manifest() -> dict[str, Any]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def archive_members() -> dict[str, bytes]:
    with tarfile.open(ARCHIVE, "r:xz") as archive:
        return {m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
                for m in archive.getmembers() if m.isfile()}


def stale_reason(manifest: dict[str, Any]) -> str | None:
    """Why the committed corpus is not this repository's (None: it is), in one line."""
    key = current_key()
    changed = [name for name, value in key.items() if manifest.get(name) != value]
    if changed:
        return f"the committed fuzz corpus was drawn for another {', '.join(changed)}: regenerate it with {COMMAND}"
    return None


def install(cache_home: Path) -> str | None:
    """Put the committed corpus where fuzz runs with ``XDG_CACHE_HOME=cache_home`` look for theirs.

    Returns why it was not installed (stale, or drawn by other library versions: the runs then draw
    afresh), None when it was. Safe with several xdist workers: the first installs, under a lock.
    """
    manifest = read_manifest()
    reason = stale_reason(manifest)
    if reason is None and tuple(manifest["versions"]) != library_versions():
        reason = (f"the committed fuzz corpus was drawn with schemathesis/hypothesis {'/'.join(manifest['versions'])}, "
                  f"installed {'/'.join(library_versions())}: the fuzz tests draw afresh (slower); "
                  f"regenerate it with {COMMAND}")
    if reason is not None:
        return reason
    directory = cache_home / "conformance" / "fuzz-corpus"
    directory.mkdir(parents=True, exist_ok=True)
    with open(cache_home / "shared-corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = cache_home / "shared-corpus.installed"
        if not done.exists():
            with tarfile.open(ARCHIVE, "r:xz") as archive:
                archive.extractall(directory, filter="data")
            done.touch()
    return None


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)  # no time, owner or mode of this machine: the same draw, the same bytes
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def regenerate() -> int:
    """Draw the corpus as the fuzz tests would and write the archive and its manifest."""
    from conformance.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        code = main(["fuzz", "--target", "reference", "--report-dir", str(Path(tmp) / "report"),
                     "--corpus-dir", str(corpus), "--max-examples", SHARED_EXAMPLES, "--phases", PHASES])
        if code != 0:
            print(f"conformance: the clean fuzz run exited {code}: no corpus written", file=sys.stderr)
            return 2
        files = {path.name: path.read_bytes() for path in sorted(corpus.iterdir())}
    DATA.mkdir(exist_ok=True)
    with tarfile.open(ARCHIVE, "w:xz") as archive:
        for name, data in files.items():
            _add(archive, name, data)
    manifest = {"command": COMMAND, **current_key(), "versions": list(library_versions()),
                "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {ARCHIVE.name} ({len(files)} files, {ARCHIVE.stat().st_size} bytes) and {MANIFEST.name}")
    return 0


if __name__ == "__main__":
    sys.exit(regenerate())
