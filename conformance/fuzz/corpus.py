"""The drawn cases of the stateless and stateful phases, kept between runs.

Drawing a case costs far more than sending it (schemathesis builds and negates the query and body
schemas through hypothesis: about 10 ms a case, the in-process reference answers in 1-3 ms). With a
fixed seed the draws are the same on every run, so the first run stores them and later runs, against
any target, send the very same cases without drawing them again. A corpus is keyed by everything
that decides its cases: the document, the seed, ``--max-examples``, the operation, the generation
mode and the versions of schemathesis and hypothesis; any change draws afresh.

Cases are stored as drawn (before the runner points them at documents that exist), pickled without
their operation, under the user's cache directory (``$XDG_CACHE_HOME/conformance/fuzz-corpus``).

The stateful phase's scenarios are kept the same way, step by step: each step's case as the state
machine drew it, with the values its OpenAPI link took from an earlier answer kept symbolic (which
step answered, and the link's runtime expression, ``$response.body#/data/documentId``), so that a
replay against any target fills in the documents that target created. Drawing a scenario costs
about 100 ms a step (hypothesis' rule machinery), replaying it the price of the requests.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis

CORPUS_FORMAT = 5  # 3: strings drawn without NUL (fuzz/command.py load_schema); 4: metadata hashes rebased;
# 5: stateful scenarios stored too


def default_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "conformance" / "fuzz-corpus"


def library_versions() -> tuple[str, str]:
    """The installed (schemathesis, hypothesis): what draws the cases, part of every key."""
    return schemathesis.__version__, hypothesis.__version__


def document_digest(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _slots(cls: type) -> list[str]:
    return [name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())]


def _current_hashes(case: Any) -> dict[Any, int]:
    meta = getattr(case, "_meta", None)
    if meta is None:
        return {}
    return {location: case._hash_container(case.get_container(location)) for location in meta.components}


def freeze(case: Any) -> bytes:
    """The case as drawn, without its operation (which holds the whole schema).

    Slot by slot: ``Case.__setattr__`` reads other slots, so pickle's own restore of a slotted
    object (one ``setattr`` after another) fails on it. The metadata's change-tracking hashes are
    Python ``hash()`` values, which differ from process to process (hash randomisation): what is
    kept is whether each one matched its component when drawn, and ``thaw`` rebases them.
    """
    state = {name: getattr(case, name) for name in _slots(type(case))
             if name != "operation" and hasattr(case, name)}
    meta = getattr(case, "_meta", None)
    current = _current_hashes(case)
    matched = {location: (meta._last_validated_hashes.get(location) == value,
                          meta._initial_hashes.get(location) == value)
               for location, value in current.items()} if meta is not None else {}
    return pickle.dumps((type(case), state, matched), protocol=pickle.HIGHEST_PROTOCOL)


def thaw(blob: bytes, operation: Any) -> Any:
    cls, state, matched = pickle.loads(blob)
    case = object.__new__(cls)
    for name, value in state.items():
        object.__setattr__(case, name, value)
    object.__setattr__(case, "operation", operation)
    meta = getattr(case, "_meta", None)
    if meta is not None:
        # Without this every component of a replayed case looks modified, is revalidated, and a
        # positive case the schema does not strictly hold (a drawn format) turns negative.
        for location, value in _current_hashes(case).items():
            last, initial = matched.get(location, (False, False))
            if last:
                meta._last_validated_hashes[location] = value
            if initial:
                meta._initial_hashes[location] = value
    return case


@dataclass(frozen=True)
class StoredStep:
    """One step of a stateful scenario: its case as drawn, and where its link values came from."""

    operation: str  # the operation's label: "GET /api/articles/{id}"
    case: bytes  # freeze(case), the link values of the run that drew it included
    parent: str | None  # id of the step whose answer the link read (None: a scenario's first step)
    links: tuple[tuple[str, str, str], ...]  # (container, parameter, runtime expression) filled by the link
    applied: bool  # the link filled in at least one value


class Corpus:
    """Stored cases for one document, seed and number of examples."""

    def __init__(self, directory: Path, document: dict[str, Any], seed: int, max_examples: int,
                 versions: tuple[str, str] | None = None) -> None:
        """``versions``: (schemathesis, hypothesis) of the key, the installed ones unless given (to
        name the files of a corpus drawn elsewhere: tests/fuzz/shared_corpus.py)."""
        self.directory = directory
        self.versions = versions or library_versions()
        self._run_key = "\n".join([str(CORPUS_FORMAT), *self.versions, str(seed), str(max_examples),
                                   document_digest(document)])
        self.reused = 0
        self.drawn = 0

    def _path(self, label: str, mode: str) -> Path:
        key = hashlib.sha256(f"{self._run_key}\n{label}\n{mode}".encode()).hexdigest()
        return self.directory / f"{key}.pickle"

    def load(self, operation: Any, mode: str) -> list[Any] | None:
        """The stored cases of ``operation`` in ``mode``, in the order they were drawn, or None."""
        blobs = self._read(self._path(operation.label, mode))
        if blobs is None:
            return None
        try:
            cases = [thaw(blob, operation) for blob in blobs]
        except Exception:  # noqa: BLE001 (a corpus from another environment: draw again)
            return None
        self.reused += 1
        return cases

    def store(self, operation: Any, mode: str, blobs: list[bytes]) -> None:
        self._write(self._path(operation.label, mode), blobs)

    def file_names(self, labels: Iterable[str], steps: int) -> set[str]:
        """The files of a run of both phases that send operations ``labels`` (stateful: ``steps``)."""
        names = {self._path(label, mode).name for label in labels for mode in ("positive", "negative")}
        return names | {self._stateful_path(steps).name}

    def _stateful_path(self, steps: int) -> Path:
        return self._path("stateful", f"scenarios of at most {steps} steps")

    def load_scenarios(self, steps: int) -> list[list[StoredStep]] | None:
        """The stateful phase's scenarios (``stateful_step_count`` ``steps``), or None."""
        scenarios = self._read(self._stateful_path(steps))
        if not isinstance(scenarios, list) or not all(isinstance(s, list) for s in scenarios):
            return None
        self.reused += 1
        return scenarios

    def store_scenarios(self, steps: int, scenarios: list[list[StoredStep]]) -> None:
        self._write(self._stateful_path(steps), scenarios)

    def _read(self, path: Path) -> Any:
        try:
            return pickle.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 (a corpus from another environment: draw again)
            return None

    def _write(self, path: Path, value: Any) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            tmp.replace(path)
        except OSError:
            return  # no cache directory: the next run draws again
        self.drawn += 1
