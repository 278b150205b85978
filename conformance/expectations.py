"""Expectation manifests: known failures (and known flaky scenarios) of one target, keyed by id.

    [[expected-failure]]
    id = "RP-014"
    reason = "Strapi 5.54.0 on SQLite: $contains ignores case (docs: case-sensitive)"
    message = "body: $.data"          # optional: the failure message must start with this

    [[flaky]]
    id = "WH-004"
    reason = "..."

A listed scenario that passes fails the run (the entry is stale); a listed id the suite does not
have, a missing reason or an unknown key makes the manifest invalid (exit 2).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENTRY_KEYS = {"id", "reason", "message", "evidence"}


class ExpectationError(Exception):
    """The manifest cannot be used: the message says where and why."""


@dataclass
class Entry:
    id: str
    reason: str
    message: str | None = None
    evidence: str | None = None


@dataclass
class Verdict:
    outcome: str  # passed | failed | expected_failure | unexpected_pass
    reason: str = ""


@dataclass
class Manifest:
    path: Path | None = None
    expected: dict[str, Entry] = field(default_factory=dict)
    flaky: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Manifest:
        return cls()

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ExpectationError(f"{path}: no such file") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ExpectationError(f"{path}: not valid TOML: {exc}") from exc
        unknown = set(raw) - {"expected-failure", "flaky", "target"}
        if unknown:
            raise ExpectationError(f"{path}: unknown section(s) {sorted(unknown)}")
        manifest = cls(path)
        for section, target in (("expected-failure", manifest.expected), ("flaky", manifest.flaky)):
            for i, item in enumerate(raw.get(section, [])):
                where = f"{path}: [[{section}]] #{i + 1}"
                if not isinstance(item, dict):
                    raise ExpectationError(f"{where} is not a table")
                extra = set(item) - ENTRY_KEYS
                if extra:
                    raise ExpectationError(f"{where}: unknown key(s) {sorted(extra)}")
                if not item.get("id") or not item.get("reason"):
                    raise ExpectationError(f"{where}: needs both 'id' and 'reason'")
                if item["id"] in manifest.expected or item["id"] in manifest.flaky:
                    raise ExpectationError(f"{where}: {item['id']} is listed twice")
                target[item["id"]] = Entry(item["id"], item["reason"], item.get("message"), item.get("evidence"))
        return manifest

    @property
    def ids(self) -> set[str]:
        return set(self.expected) | set(self.flaky)

    def judge(self, scenario_id: str, passed: bool, message: str) -> Verdict:
        entry = self.expected.get(scenario_id)
        if entry is not None:
            if passed:
                where = f" in {self.path}" if self.path else ""
                return Verdict("unexpected_pass", f"unexpected pass: {scenario_id} is listed as an expected failure"
                                                  f"{where} ({entry.reason}); remove the entry")
            if entry.message and not message.startswith(entry.message):
                return Verdict("failed", f"{scenario_id} is expected to fail with {entry.message!r}… "
                                         f"but failed with: {message}")
            return Verdict("expected_failure", f"expected failure: {entry.reason}")
        flaky = self.flaky.get(scenario_id)
        if flaky is not None and not passed:
            return Verdict("expected_failure", f"known flaky: {flaky.reason}")
        return Verdict("passed" if passed else "failed")


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


def update_from_report(report: dict[str, Any], old: Manifest) -> tuple[str, dict[str, list[str]]]:
    """A manifest listing exactly the scenarios that fail in ``report``, keeping known reasons."""
    expected: list[Entry] = []
    changes: dict[str, list[str]] = {"added": [], "removed": [], "kept": []}
    failing = {s["id"]: s for s in report.get("scenarios", [])
               if s.get("outcome") in ("failed", "expected_failure") and s["id"] not in old.flaky}
    for sid, scenario in failing.items():
        entry = old.expected.get(sid)
        if entry is not None:
            expected.append(entry)
            changes["kept"].append(sid)
        else:
            message = (scenario.get("message") or "").split("\n")[0][:80]
            expected.append(Entry(sid, "TODO: say why this target differs from the documentation", message or None))
            changes["added"].append(sid)
    reported = {s["id"] for s in report.get("scenarios", [])}
    for sid, entry in old.expected.items():
        if sid not in reported:  # not run this time: keep what we knew
            expected.append(entry)
            changes["kept"].append(sid)
    changes["removed"] = sorted(sid for sid in old.expected if sid in reported and sid not in failing)
    target = (report.get("target") or {}).get("name", "target")
    return render(target, expected, list(old.flaky.values())), changes
