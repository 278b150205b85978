"""Known divergences between two targets, with the rules of expectation manifests.

``conformance/manifests/diff/<a>-vs-<b>.toml``::

    cases = 5000                      # the run size the entries were checked at

    [[divergence]]
    id = "validation-details"         # a name for the class
    operation = "POST /api/*"         # glob over the operation label
    statuses = "400/400"              # glob over "A/B" (default "*")
    paths = ["error.message", "error.details*"]   # globs; every differing path of a group must match one
    reason = "why the two targets differ"
    evidence = "how it was seen: docs page, request and both answers"
    fault = "B"                       # the side that answers wrongly: "B" (default) or "A"

``fault`` says whose answer is wrong. "B": the oracle departs from its documentation and A is right
(a scenario states the documented behaviour). "A": a gap of A not yet fixed, listed so that it is
tracked and counted apart (``known_cases_by_fault`` in summary.json), never to hide it.

Every entry needs ``id``, ``operation``, ``reason`` and ``evidence`` (no placeholder: ``TODO`` …); an
unknown key or a duplicate id is invalid (exit 2 with the line of the entry). A group of divergences
is known when an entry matches it; an entry that matches no group is stale and fails the run (exit 1)
once the run has at least ``cases`` cases (a smaller run did not draw everything the entry was seen
on: the entry is reported as not seen, as an expectation entry for an unselected scenario is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from ..manifests import ExpectationError, check_table, entry_lines, read_toml
from .compare import Group, Signature

SECTION = "divergence"
KEYS = {"id", "operation", "statuses", "paths", "reason", "evidence", "fault"}
FAULTS = ("A", "B")
REQUIRED = ("id", "operation", "reason", "evidence")


class DiffManifestError(ExpectationError):
    """The manifest cannot be used: file, line and why (exit 2)."""


@dataclass
class Known:
    id: str
    operation: str
    reason: str
    evidence: str
    statuses: str = "*"
    paths: tuple[str, ...] = ("*",)
    line: int = 0
    fault: str = "B"

    def matches(self, sig: Signature) -> bool:
        return (fnmatchcase(sig.operation, self.operation) and fnmatchcase(sig.statuses, self.statuses)
                and all(any(fnmatchcase(p, glob) for glob in self.paths) for p in sig.paths))

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "operation": self.operation, "statuses": self.statuses, "paths": list(self.paths),
                "reason": self.reason, "evidence": self.evidence, "fault": self.fault, "line": self.line}


@dataclass
class DiffManifest:
    path: Path | None = None
    cases: int = 0
    entries: list[Known] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> DiffManifest:
        text, raw = read_toml(path, DiffManifestError)
        unknown = set(raw) - {SECTION, "cases"}
        if unknown:
            raise DiffManifestError(f"{path}: unknown key(s) or section(s) {sorted(unknown)}")
        cases = raw.get("cases", 0)
        if not isinstance(cases, int) or isinstance(cases, bool) or cases < 0:
            raise DiffManifestError(f"{path}: 'cases' must be a whole number (the run size the entries were seen at)")
        items = raw.get(SECTION, [])
        if not isinstance(items, list):
            raise DiffManifestError(f"{path}: '{SECTION}' must be written [[{SECTION}]]")
        lines = entry_lines(text, (SECTION,))[SECTION]
        manifest = cls(path, cases)
        seen: set[str] = set()
        for i, item in enumerate(items):
            line = lines[i] if i < len(lines) else 0
            entry = _entry(item, f"{path}:{line}: [[{SECTION}]]", line)
            if entry.id in seen:
                raise DiffManifestError(f"{path}:{line}: [[{SECTION}]] {entry.id} is listed twice")
            seen.add(entry.id)
            manifest.entries.append(entry)
        return manifest

    def explain(self, groups: list[Group]) -> None:
        """Mark each group with the first entry that matches it."""
        for group in groups:
            group.known = next((e.id for e in self.entries if e.matches(group.signature)), None)

    def unmatched(self, groups: list[Group]) -> list[Known]:
        used = {g.known for g in groups if g.known}
        return [e for e in self.entries if e.id not in used]


def _entry(item: Any, where: str, line: int) -> Known:
    label = check_table(item, where, KEYS, REQUIRED, DiffManifestError)
    statuses = item.get("statuses", "*")
    if not isinstance(statuses, str) or not statuses.strip():
        raise DiffManifestError(f"{label}: 'statuses' must be a glob over \"A/B\" such as \"400/200\"")
    paths = item.get("paths", ["*"])
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
        raise DiffManifestError(f"{label}: 'paths' must be a non-empty list of globs")
    fault = item.get("fault", "B")
    if fault not in FAULTS:
        raise DiffManifestError(f"{label}: 'fault' must be \"A\" or \"B\" (the side whose answer is wrong)")
    return Known(item["id"], item["operation"], item["reason"], item["evidence"], statuses, tuple(paths), line,
                 fault)


def default_path(root: Path, a: str, b: str) -> Path:
    return root / "conformance" / "manifests" / "diff" / f"{a}-vs-{b}.toml"
