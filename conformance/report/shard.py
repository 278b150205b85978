"""Sharding for CI job matrices: ``--shard K/N`` splits the selected scenarios into N parts, and
``conformance merge`` puts the parts' report.json files back together with the verdict recomputed.

The split is deterministic (the same selection gives the same shards on every machine) and keeps a
``@group:NAME`` together: scenarios of a group share state on the target (single types) and must
run in one process. Groups are dealt largest first to the least-loaded shard, ties to the lowest
index, so the shards stay within one group's size of each other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .collector import SUMMARY_KEYS
from .verdict import Profile, assess, make_profile


class ShardError(ValueError):
    """A bad ``--shard`` value or reports that cannot be merged (exit 2 with this line)."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` -> ``(2, 3)``; 1 <= K <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise ShardError(f"--shard {text!r}: write K/N, e.g. --shard 1/3")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise ShardError(f"--shard {text}: K must be between 1 and N")
    return index, count


def group_key(scenario: Mapping[str, Any]) -> str:
    groups = sorted(t.partition(":")[2] for t in scenario.get("tags", []) if t.startswith("group:"))
    return f"group:{groups[0]}" if groups else f"id:{scenario['id']}"


def assign_shards(scenarios: Sequence[Mapping[str, Any]], count: int) -> dict[str, int]:
    """Scenario id -> shard index (1-based) for the selected ``scenarios`` (``as_json()`` dicts)."""
    groups: dict[str, list[str]] = {}
    for s in scenarios:
        groups.setdefault(group_key(s), []).append(s["id"])
    load = [0] * count
    out: dict[str, int] = {}
    for _name, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        index = min(range(count), key=lambda i: (load[i], i))
        load[index] += len(ids)
        out.update((sid, index + 1) for sid in ids)
    return out


def shard_ids(scenarios: Sequence[Mapping[str, Any]], index: int, count: int) -> list[str]:
    shards = assign_shards(scenarios, count)
    return [s["id"] for s in scenarios if shards[s["id"]] == index]


# -- merge --------------------------------------------------------------------------------------------


def profile_from_name(name: str) -> Profile:
    if name.startswith("capabilities:"):
        return make_profile(None, name.removeprefix("capabilities:").split("+"))
    return make_profile(name if name != "full" else None, None)


def _load(path: Path) -> dict[str, Any]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ShardError(f"cannot read {path}: {exc}") from exc
    if not isinstance(report, dict) or not {"scenarios", "target", "coverage", "profile"} <= report.keys():
        raise ShardError(f"{path} is not a conformance report.json")
    return report


def _check_shards(reports: list[dict[str, Any]], paths: list[Path], ids: list[str]) -> None:
    """Reports written with --shard must be all N shards of one selection, each once."""
    shards = [r.get("shard") for r in reports]
    if not any(shards):
        return
    if not all(shards):
        plain = paths[shards.index(None)]
        raise ShardError(f"{plain} was not written with --shard, the other reports were")
    counts = {s["count"] for s in shards if s}
    if len(counts) != 1:
        raise ShardError(f"the reports come from different splits (--shard K/N with N = {sorted(counts)})")
    (count,) = counts
    seen = sorted(s["index"] for s in shards if s)
    if seen != list(range(1, count + 1)):
        missing = sorted(set(range(1, count + 1)) - set(seen))
        twice = sorted({i for i in seen if seen.count(i) > 1})
        what = (f"shard(s) {', '.join(f'{i}/{count}' for i in missing)} missing" if missing else
                f"shard(s) {', '.join(f'{i}/{count}' for i in twice)} given twice")
        raise ShardError(f"cannot merge: {what}")
    selected = {s["selected"] for s in shards if s}
    if len(selected) != 1 or len(ids) != selected.pop():
        raise ShardError(f"cannot merge: the shards hold {len(ids)} scenarios, their selection had "
                         f"{sorted(s['selected'] for s in shards if s)} (different --tags or --id per shard?)")


def merge_reports(paths: Sequence[Path], order: Mapping[str, int] | None = None) -> dict[str, Any]:
    """One report from several runs' report.json over disjoint scenarios of the same target,
    verdict and coverage recomputed (conformance/report/verdict.py). ``order``: scenario id ->
    position in the catalogue, for feature-file order."""
    if not paths:
        raise ShardError("merge needs at least one report.json")
    reports = [_load(Path(p)) for p in paths]
    first = reports[0]
    for path, report in zip(paths, reports, strict=True):
        if report["target"].get("name") != first["target"].get("name"):
            raise ShardError(f"{path} is a run of {report['target'].get('name')!r}, "
                             f"{paths[0]} of {first['target'].get('name')!r}: merge runs of one target")
        if report["profile"] != first["profile"]:
            raise ShardError(f"{path} was run with profile {report['profile']}, {paths[0]} with {first['profile']}")
        if (report["coverage"]["catalogue"], report["coverage"]["in_profile"]) != (
                first["coverage"]["catalogue"], first["coverage"]["in_profile"]):
            raise ShardError(f"{path} was run on another catalogue than {paths[0]}")
    records: list[dict[str, Any]] = []
    selected: list[str] = []
    owner: dict[str, Path] = {}
    for path, report in zip(paths, reports, strict=True):
        ids = [s["id"] for s in report["scenarios"]]
        ids += [s["id"] for s in report["coverage"]["skipped"] if s["id"] not in set(ids)]
        for sid in ids:
            if sid in owner:
                raise ShardError(f"{sid} is in both {owner[sid]} and {path}: the reports overlap")
            owner[sid] = Path(path)
        records += report["scenarios"]
        selected += ids
    _check_shards(reports, [Path(p) for p in paths], selected)
    position = order or {}
    records.sort(key=lambda r: (r.get("feature", ""), position.get(r["id"], 1 << 30), r["id"]))
    selected.sort(key=lambda sid: (position.get(sid, 1 << 30), sid))
    verified: set[str] | None = None
    for report in reports:
        caps = report["target"].get("capabilities") or {}
        have = set(caps.get("verified", []) if isinstance(caps, dict) else caps)
        verified = have if verified is None else verified & have
    assessment = assess(records, profile_from_name(first["profile"]), verified, None, selected)
    # The catalogue the shards were cut from (not only the scenarios they hold) sets the profile's share.
    assessment["coverage"]["catalogue"] = first["coverage"]["catalogue"]
    assessment["coverage"]["in_profile"] = first["coverage"]["in_profile"]
    counts = {"total": len(records), **{name: 0 for name in SUMMARY_KEYS.values()}}
    for r in records:
        counts[SUMMARY_KEYS[r["outcome"]]] += 1
    features: dict[str, str] = {}
    for report in reports:
        features.update(report.get("features") or {})
    return {
        "suite": first["suite"],
        "target": first["target"],
        "started_at": min(r.get("started_at") or "" for r in reports),
        # Shards run side by side: the merged run took as long as its slowest shard.
        "duration_s": max(float(r.get("duration_s") or 0) for r in reports),
        **assessment,
        "summary": counts,
        "expectations": next((r["expectations"] for r in reports if r.get("expectations")), None),
        "scenarios": records,
        "features": dict(sorted(features.items())),
        "merged": [{"shard": r.get("shard"), "verdict": r.get("verdict"), "total": r["summary"]["total"],
                    "duration_s": r.get("duration_s")} for r in reports],
    }
