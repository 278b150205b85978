"""Expectation manifests: known failures (and known flaky scenarios) of one target, keyed by id.

    [[expected-failure]]
    id = "RP-012"
    reason = "Strapi 5.54.0 on SQLite: $contains ignores case (docs: case-sensitive)"
    evidence = "what was observed, where: docs page, request and answer, notes"
    message = "data[].title: expected"   # the failure message must start with this

    [[flaky]]
    id = "WH-004"
    reason = "..."
    evidence = "..."
    message = "..."

Every entry needs ``id``, ``reason``, ``evidence`` and ``message``; an id the catalogue does not
have, a missing or placeholder field, a message prefix that would match a harness error, or an
unknown key makes the manifest invalid (exit 2, with the line of the entry).

Only an assertion failing in a scenario's own steps can be an expected failure: a harness error or a
set-up failure never is. A listed expected failure that passes fails the run (the entry is stale);
one that was selected but skipped is ``unverified`` and fails the run too; an entry for a scenario
this run did not select is ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENTRY_KEYS = {"id", "reason", "message", "evidence"}
REQUIRED_KEYS = ("id", "reason", "evidence", "message")
SECTIONS = ("expected-failure", "flaky")
# Failure messages that come from the harness or from set-up, not from a scenario's assertion.
HARNESS_PREFIXES = ("harness error", "error in set-up", "error in tear-down", "set-up failed")
_PLACEHOLDER = re.compile(r"^\s*(todo|tbd|fixme|xxx)\b", re.IGNORECASE)


class ExpectationError(Exception):
    """The manifest cannot be used: the message says where and why."""


@dataclass
class Entry:
    id: str
    reason: str
    message: str | None = None
    evidence: str | None = None
    line: int = 0


@dataclass
class Verdict:
    outcome: str  # passed | failed | expected_failure | unexpected_pass
    reason: str = ""


def is_harness_message(message: str) -> bool:
    """A failure message the harness wrote (an error, not a conformance assertion)."""
    return message.strip().lower().startswith(HARNESS_PREFIXES)


def is_placeholder(text: str) -> bool:
    return not text.strip() or bool(_PLACEHOLDER.match(text))


def entry_lines(text: str, sections: tuple[str, ...] = SECTIONS) -> dict[str, list[int]]:
    """The line (1-based) of each entry of each section: its ``id = …`` line, else its header.

    tomllib gives no positions, so the text is read line by line; array-of-tables headers are
    always on a line of their own in a manifest. (Diff manifests name their own sections.)
    """
    lines: dict[str, list[int]] = {s: [] for s in sections}
    section: str | None = None
    id_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[\s*([A-Za-z0-9_-]+)\s*\]\]", line)
        if header:
            section = header.group(1) if header.group(1) in lines else None
            if section is not None:
                lines[section].append(number)
            id_seen = False
        elif line.startswith("["):
            section = None
        elif section is not None and not id_seen and re.match(r"^id\s*=", line):
            lines[section][-1] = number
            id_seen = True
    return lines


@dataclass
class Manifest:
    path: Path | None = None
    expected: dict[str, Entry] = field(default_factory=dict)
    flaky: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Manifest:
        return cls()

    @classmethod
    def load(cls, path: Path, known_ids: Iterable[str] | None = None) -> Manifest:
        """Read and check ``path``; with ``known_ids`` (the catalogue), an unknown id is an error."""
        text, raw = read_toml(path)
        unknown = set(raw) - {*SECTIONS, "target"}
        if unknown:
            raise ExpectationError(f"{path}: unknown section(s) {sorted(unknown)}")
        positions = entry_lines(text)
        manifest = cls(path)
        for section, target in (("expected-failure", manifest.expected), ("flaky", manifest.flaky)):
            items = raw.get(section, [])
            if not isinstance(items, list):
                raise ExpectationError(f"{path}: '{section}' must be written [[{section}]]")
            for i, item in enumerate(items):
                line = positions[section][i] if i < len(positions[section]) else 0
                entry = _check_entry(item, f"{path}:{line}: [[{section}]]", line)
                if entry.id in manifest.expected or entry.id in manifest.flaky:
                    raise ExpectationError(f"{path}:{line}: [[{section}]] {entry.id} is listed twice")
                target[entry.id] = entry
        if known_ids is not None:
            manifest.check_ids(set(known_ids))
        return manifest

    def check_ids(self, known: set[str]) -> None:
        """An entry for a scenario the suite does not have is a typo or a removed scenario."""
        for entry in sorted([*self.expected.values(), *self.flaky.values()], key=lambda e: e.line):
            if entry.id not in known:
                raise ExpectationError(f"{self.path}:{entry.line}: {entry.id} is not a scenario of the catalogue")

    @property
    def ids(self) -> set[str]:
        return set(self.expected) | set(self.flaky)

    def judge(self, scenario_id: str, passed: bool, message: str, assertion: bool = True) -> Verdict:
        """``assertion`` is False when the scenario failed in set-up or with an error rather than on
        one of its own checks: that is never an expected failure."""
        entry = self.expected.get(scenario_id) or self.flaky.get(scenario_id)
        if entry is None:
            return Verdict("passed" if passed else "failed")
        flaky = scenario_id in self.flaky
        if passed:
            if flaky:
                return Verdict("passed")
            where = f" in {self.path}" if self.path else ""
            return Verdict("unexpected_pass", f"unexpected pass: {scenario_id} is listed as an expected failure"
                                              f"{where} ({entry.reason}); remove the entry")
        if not assertion or is_harness_message(message):
            return Verdict("failed", f"{scenario_id} is listed in the manifest, but a harness error or set-up "
                                     f"failure is never an expected failure: {message}")
        if entry.message and not message.startswith(entry.message):
            return Verdict("failed", f"{scenario_id} is expected to fail with {entry.message!r}… "
                                     f"but failed with: {message}")
        return Verdict("expected_failure", f"{'known flaky' if flaky else 'expected failure'}: {entry.reason}")


def read_toml(path: Path, error: type[Exception] = ExpectationError) -> tuple[str, dict[str, Any]]:
    """A manifest's text and parsed TOML; a missing, unreadable or invalid file is one-line ``error``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise error(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc


def check_table(item: Any, where: str, allowed: set[str], required: tuple[str, ...],
                error: type[Exception] = ExpectationError) -> str:
    """The rules every manifest entry follows (expectation and diff manifests alike): a table, no
    unknown key, every required key a non-empty text, a reason and evidence that are no placeholder.
    Returns the entry's label (``where`` and its id) for the caller's own messages."""
    if not isinstance(item, dict):
        raise error(f"{where} is not a table")
    sid = item.get("id")
    label = f"{where} {sid}" if isinstance(sid, str) and sid else where
    extra = set(item) - allowed
    if extra:
        raise error(f"{label}: unknown key(s) {sorted(extra)}")
    for key in required:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise error(f"{label}: needs '{key}' (every entry has {', '.join(required)})")
    for key in ("reason", "evidence"):
        if is_placeholder(item[key]):
            raise error(f"{label}: '{key}' is a placeholder ({item[key][:40]!r}): say what differs and how it was seen")
    return label


def _check_entry(item: Any, where: str, line: int) -> Entry:
    label = check_table(item, where, ENTRY_KEYS, REQUIRED_KEYS)
    if is_harness_message(item["message"]) or any(p.startswith(item["message"].strip().lower())
                                                    for p in HARNESS_PREFIXES):
        raise ExpectationError(f"{label}: message {item['message']!r} would match harness errors; "
                               f"give the start of the assertion's own message")
    return Entry(item["id"], item["reason"], item["message"], item["evidence"], line)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render(target_name: str, expected: list[Entry], flaky: list[Entry]) -> str:
    lines = [f"# Expectation manifest for {target_name}: known failures, with the reason and evidence.",
             "# A listed scenario that passes fails the run; regenerate with `conformance expectations update`.", ""]
    for section, entries in (("expected-failure", expected), ("flaky", flaky)):
        for entry in sorted(entries, key=lambda e: e.id):
            lines.append(f"[[{section}]]")
            lines.append(f"id = {_toml_string(entry.id)}")
            lines.append(f"reason = {_toml_string(entry.reason)}")
            if entry.message:
                lines.append(f"message = {_toml_string(entry.message)}")
            if entry.evidence:
                lines.append(f"evidence = {_toml_string(entry.evidence)}")
            lines.append("")
    return "\n".join(lines)


@dataclass
class Update:
    """What ``expectations update`` would write, or why it refuses."""

    text: str = ""
    changes: dict[str, list[str]] = field(default_factory=dict)
    needs_reason: list[str] = field(default_factory=list)  # new failures without --reason/--evidence
    not_expectable: list[str] = field(default_factory=list)  # harness errors: never expected failures
    unknown_options: list[str] = field(default_factory=list)  # --reason/--evidence for a non-failure

    @property
    def refused(self) -> bool:
        return bool(self.needs_reason or self.not_expectable or self.unknown_options)


def failure_prefix(message: str) -> str:
    """The start of a failure message an entry keeps: its first line, at most 80 characters."""
    return message.split("\n")[0][:80]


def update_from_report(report: dict[str, Any], old: Manifest, reasons: dict[str, str] | None = None,
                       evidence: dict[str, str] | None = None, messages: dict[str, str] | None = None) -> Update:
    """A manifest listing exactly the scenarios that fail in ``report``, keeping known entries.

    A new failure gets an entry only with a reason and evidence given by the caller (never a
    placeholder); its message prefix is the failure's first line unless given. Otherwise nothing is
    written and the ids are returned so the caller can ask for them.
    """
    reasons, evidence, messages = reasons or {}, evidence or {}, messages or {}
    out = Update(changes={"added": [], "removed": [], "kept": []})
    expected: list[Entry] = []
    scenarios = report.get("scenarios", [])
    failing = {s["id"]: s for s in scenarios
               if s.get("outcome") in ("failed", "expected_failure") and s["id"] not in old.flaky}
    for sid in sorted({*reasons, *evidence, *messages} - set(failing)):
        out.unknown_options.append(sid)
    for sid, scenario in sorted(failing.items()):
        entry = old.expected.get(sid)
        message = scenario.get("message") or ""
        if scenario.get("outcome") == "failed" and (scenario.get("failure") == "error" or is_harness_message(message)):
            out.not_expectable.append(sid)
            continue
        if entry is not None:
            if sid in reasons or sid in evidence or sid in messages:
                entry = Entry(sid, reasons.get(sid, entry.reason), messages.get(sid, entry.message),
                              evidence.get(sid, entry.evidence))
            expected.append(entry)
            out.changes["kept"].append(sid)
            continue
        reason, proof = reasons.get(sid, ""), evidence.get(sid, "")
        if is_placeholder(reason) or is_placeholder(proof):
            out.needs_reason.append(sid)
            continue
        expected.append(Entry(sid, reason, messages.get(sid) or failure_prefix(message), proof))
        out.changes["added"].append(sid)
    outcomes = {s["id"]: s.get("outcome") for s in scenarios}
    for sid, entry in sorted(old.expected.items()):
        if sid in failing:
            continue
        if outcomes.get(sid) in ("passed", "unexpected_pass"):  # it passes now: the entry goes
            out.changes["removed"].append(sid)
        else:  # not run or not checked this time: keep what we knew
            expected.append(entry)
            out.changes["kept"].append(sid)
    target = (report.get("target") or {}).get("name", "target")
    if not out.refused:
        out.text = render(target, expected, list(old.flaky.values()))
    return out
