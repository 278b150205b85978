"""The run's verdict and what it rests on: which profile, which scenarios were checked, which were
not and why. Pure functions over scenario records, shared by the plugin, the reports and the CLI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CHECKED = frozenset({"passed", "failed", "expected_failure", "unexpected_pass"})
FAILING = frozenset({"failed", "unexpected_pass", "unverified"})
BLACK_BOX = frozenset({"content-types"})
PROFILES = ("full", "black-box")
INSTALL_HINT = "install the conformance fixture (conformance/PROTOCOL.md section 3; capabilities: section 2)"
REDUCED_HINT = "or ask for a reduced profile (--profile black-box, --capability NAME)"


@dataclass(frozen=True)
class Profile:
    """What the user asked to check. ``capabilities`` None means every capability (``full``);
    ``explicit`` is True only when the user chose a reduced profile by name."""

    name: str
    capabilities: frozenset[str] | None = None
    explicit: bool = False

    def covers(self, needs: Iterable[str]) -> bool:
        return self.capabilities is None or set(needs) <= self.capabilities


def make_profile(profile: str | None, capabilities: Sequence[str] | None) -> Profile:
    """From ``--profile`` and the user's ``--capability`` options; ValueError when they conflict."""
    if profile is not None and profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: use {' or '.join(PROFILES)}, or --capability NAME")
    if capabilities:
        if profile is not None:
            raise ValueError("--profile and --capability both choose the profile: give one of them")
        caps = frozenset(capabilities)
        return Profile("capabilities:" + "+".join(sorted(caps)), caps, True)
    if profile == "black-box":
        return Profile("black-box", BLACK_BOX, True)
    return Profile("full")


def _count(bucket: dict[str, dict[str, int]], key: str, checked: bool) -> None:
    slot = bucket.setdefault(key, {"selected": 0, "checked": 0})
    slot["selected"] += 1
    slot["checked"] += int(checked)


def assess(records: Sequence[Mapping[str, Any]], profile: Profile, available: Iterable[str] | None,
           catalogue: Sequence[Mapping[str, Any]] | None = None,
           selected: Sequence[str] | None = None) -> dict[str, Any]:
    """``records``: the run's scenarios (id, level, needs, outcome, message); ``available``: the
    target's verified capabilities (None: unknown, the target never started); ``catalogue``: every scenario collected (id, level, needs), before
    selection; ``selected``: the ids the selection kept. Returns verdict, profile and coverage."""
    have = set(available) if available is not None else None
    by_id = {r["id"]: r for r in records}
    catalogue = list(catalogue) if catalogue is not None else [
        {"id": r["id"], "level": r.get("level"), "needs": r.get("needs", [])} for r in records]
    meta = {c["id"]: c for c in catalogue}
    chosen = list(selected) if selected is not None else [r["id"] for r in records]
    by_level: dict[str, dict[str, int]] = {}
    by_capability: dict[str, dict[str, int]] = {}
    skipped: list[dict[str, str]] = []
    missing: dict[str, int] = {}
    missing_scenarios = 0
    checked = failing = unchecked_in_profile = 0
    for sid in chosen:
        record = by_id.get(sid)
        info = record or meta.get(sid) or {"id": sid}
        needs = list(info.get("needs") or [])
        outcome = record.get("outcome") if record else None
        is_checked = outcome in CHECKED
        checked += is_checked
        failing += outcome in FAILING
        _count(by_level, info.get("level") or "none", is_checked)
        for cap in needs:
            _count(by_capability, cap, is_checked)
        if is_checked:
            continue
        skipped.append({"id": sid, "reason": (record or {}).get("message") or "not run"})
        if not profile.covers(needs):
            continue  # outside the profile the user chose: not asked for
        unchecked_in_profile += 1
        lacking = [cap for cap in needs if cap not in have] if have is not None else []
        if lacking:
            missing_scenarios += 1
            for cap in lacking:
                missing[cap] = missing.get(cap, 0) + 1
    verdict = "non-conformant" if failing else "incomplete" if unchecked_in_profile else "conformant"
    return {
        "verdict": verdict,
        "profile": profile.name,
        "coverage": {
            "selected": len(chosen),
            "checked": checked,
            "catalogue": len(catalogue),
            "in_profile": sum(1 for c in catalogue if profile.covers(c.get("needs") or [])),
            "by_level": dict(sorted(by_level.items())),
            "by_capability": dict(sorted(by_capability.items())),
            "skipped": skipped,
            "missing_capabilities": dict(sorted(missing.items())),
            "missing_scenarios": missing_scenarios,
        },
    }


def verdict_line(report: Mapping[str, Any]) -> str:
    """``conformant (profile black-box: 98 of 269 scenarios, 36%) — 98 of 98 selected scenarios checked``"""
    cov = report["coverage"]
    share = round(100 * cov["in_profile"] / cov["catalogue"]) if cov["catalogue"] else 0
    line = (f"{report['verdict']} (profile {report['profile']}: {cov['in_profile']} of {cov['catalogue']} "
            f"scenarios, {share}%) — {cov['checked']} of {cov['selected']} selected scenarios checked")
    if cov.get("missing_capabilities"):
        line += "; target lacks " + ", ".join(f"{c} ({n})" for c, n in cov["missing_capabilities"].items())
    return line


def coverage_line(report: Mapping[str, Any]) -> str:
    cov = report["coverage"]

    def part(bucket: Mapping[str, Mapping[str, int]]) -> str:
        return " ".join(f"{k} {v['checked']}/{v['selected']}" for k, v in bucket.items()) or "-"

    return (f"coverage by level: {part(cov['by_level'])}   by capability: {part(cov['by_capability'])}"
            f"   not checked: {len(cov['skipped'])}")


def missing_line(report: Mapping[str, Any], target: str) -> str | None:
    """The one-line reason for exit 2 when selected scenarios need capabilities the target lacks."""
    cov = report["coverage"]
    missing = cov.get("missing_capabilities") or {}
    if not missing:
        return None
    caps = ", ".join(missing)
    detail = ", ".join(f"{c}: {n}" for c, n in missing.items())
    return (f"target {target} lacks {caps}, needed by {cov['missing_scenarios']} of {cov['selected']} selected "
            f"scenarios ({detail}): {INSTALL_HINT}, {REDUCED_HINT}")
