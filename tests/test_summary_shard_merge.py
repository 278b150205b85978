"""`--summary-md`, `--shard K/N` and `conformance merge`: the split on the real catalogue, and real
runs of a few scenarios (one of them broken) split, merged and summarised."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conformance.report.shard import (
    ShardError,
    assign_shards,
    group_key,
    merge_reports,
    parse_shard,
    shard_ids,
)
from conformance.scenarios import load_catalogue
from tests.forked_cli import run_conformance
from tests.harness_helpers import broken_catalogue

REPO = Path(__file__).resolve().parents[1]
SELECTION = "@id:PO-* or @id:ST-*"  # policies, and the single types that form one @group


@pytest.fixture(scope="module")
def catalogue() -> list[dict[str, Any]]:
    return [s.as_json() for s in load_catalogue(REPO / "features")]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_shards_cover_the_selection_once_and_keep_groups(catalogue: list[dict[str, Any]], count: int) -> None:
    parts = [shard_ids(catalogue, k, count) for k in range(1, count + 1)]
    flat = [sid for part in parts for sid in part]
    assert sorted(flat) == sorted(s["id"] for s in catalogue), "the union of the shards is the selection"
    assert len(flat) == len(set(flat)), "no scenario in two shards"
    groups: dict[str, set[int]] = {}
    where = assign_shards(catalogue, count)
    for s in catalogue:
        if group_key(s).startswith("group:"):
            groups.setdefault(group_key(s), set()).add(where[s["id"]])
    assert groups, "the catalogue has a @group (single types)"
    assert all(len(shards) == 1 for shards in groups.values()), groups
    sizes = [len(p) for p in parts]
    biggest_group = max(Counter(group_key(s) for s in catalogue).values())
    assert max(sizes) - min(sizes) <= biggest_group, sizes


def test_the_split_is_deterministic_whatever_the_input_order(catalogue: list[dict[str, Any]]) -> None:
    shuffled = sorted(catalogue, key=lambda s: s["name"])
    assert assign_shards(catalogue, 4) == assign_shards(shuffled, 4)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", ""])
def test_bad_shard_values(text: str) -> None:
    with pytest.raises(ShardError):
        parse_shard(text)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "CI": "1"}


def _conformance(*args: str) -> subprocess.CompletedProcess[str]:
    return run_conformance(args, _env())  # its own process, forked from a warm one


@pytest.fixture(scope="module")
def broken_features(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PO-001 expects 404 where the documented (and the reference's) answer is 403."""
    return broken_catalogue(tmp_path_factory.mktemp("features"))


@pytest.fixture(scope="module")
def shards(broken_features: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Path]:
    """Two shards of SELECTION, each with --summary-md to the same file (as steps of one job would)."""
    base = tmp_path_factory.mktemp("shards")
    summary = base / "summary.md"
    reports = []
    for k in (1, 2):
        out = base / f"shard-{k}"
        done = _conformance("run", "--features", str(broken_features), "--tags", SELECTION, "--shard", f"{k}/2",
                            "--report-dir", str(out), "--summary-md", str(summary))
        assert done.returncode in (0, 1), done.stderr
        reports.append(out / "report.json")
    return base, reports, summary


def test_summary_of_a_failing_shard(shards: tuple[Path, list[Path], Path]) -> None:
    _, reports, summary = shards
    text = summary.read_text(encoding="utf-8")
    assert sum(line.startswith("### ") for line in text.splitlines()) == 2, "one section per run, appended"
    failing = [json.loads(p.read_text(encoding="utf-8")) for p in reports]
    (bad,) = [r for r in failing if r["verdict"] == "non-conformant"]
    assert "❌ Conformance: reference: non-conformant" in text
    assert f"Shard {bad['shard']['index']} of 2" in text
    assert "- **PO-001** A policy that returns false" in text
    assert "expected 404, got 403" in text, "the failure's message"
    assert "[documentation](https://docs.strapi.io/cms/backend-customization/policies)" in text
    policies = Counter(s["outcome"] for s in bad["scenarios"] if s["feature"] == "features/policies.feature")
    assert f"| policies | {policies['passed']} | 1 | 0 | {sum(policies.values())} |" in text


def test_merge_recomputes_the_verdict_and_writes_every_report(shards: tuple[Path, list[Path], Path]) -> None:
    base, reports, _ = shards
    parts = [json.loads(p.read_text(encoding="utf-8")) for p in reports]
    ids = [{s["id"] for s in r["scenarios"]} for r in parts]
    assert ids[0] and ids[1] and not ids[0] & ids[1]
    single = [{s["id"] for s in r["scenarios"] if s["id"].startswith("ST-")} for r in parts]
    assert sorted(map(bool, single)) == [False, True], "the single-types group stays in one shard"
    out = base / "merged"
    done = _conformance("merge", *map(str, reports), "--out", str(out), "--summary-md", str(base / "merged.md"))
    assert done.returncode == 1, done.stdout + done.stderr
    merged = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert merged["verdict"] == "non-conformant"
    assert merged["coverage"]["selected"] == merged["summary"]["total"] == len(ids[0] | ids[1])
    assert merged["summary"]["failed"] == 1 and merged["summary"]["passed"] == len(ids[0] | ids[1]) - 1
    assert [s["id"] for s in merged["scenarios"]][:2] == ["PO-001", "PO-002"], "feature-file order"
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase ") == merged["summary"]["total"] and junit.count("<failure ") == 1
    assert 'id="PO-001"' in (out / "report.html").read_text(encoding="utf-8")
    assert "- **PO-001**" in (base / "merged.md").read_text(encoding="utf-8")


def test_merge_of_passing_parts_is_conformant(shards: tuple[Path, list[Path], Path], tmp_path: Path) -> None:
    """The verdict comes from the scenarios: drop the failure and the merged run conforms."""
    _, reports, _ = shards
    fixed = []
    for path in reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        for s in report["scenarios"]:
            s["outcome"] = "passed"
        report["verdict"] = "non-conformant"  # what a shard said is not trusted: recomputed
        fixed.append(tmp_path / path.parent.name / "report.json")
        fixed[-1].parent.mkdir()
        fixed[-1].write_text(json.dumps(report), encoding="utf-8")
    assert merge_reports(fixed)["verdict"] == "conformant"


def test_merge_refuses_a_missing_shard_and_overlaps(shards: tuple[Path, list[Path], Path], tmp_path: Path) -> None:
    _, reports, _ = shards
    done = _conformance("merge", str(reports[0]), "--out", str(tmp_path / "m"))
    assert done.returncode == 2 and "shard(s) 2/2 missing" in done.stderr
    assert not (tmp_path / "m").exists()
    done = _conformance("merge", str(reports[0]), str(reports[0]), "--out", str(tmp_path / "m"))
    assert done.returncode == 2 and "overlap" in done.stderr
    done = _conformance("merge", str(tmp_path / "nothing.json"), "--out", str(tmp_path / "m"))
    assert done.returncode == 2 and "cannot read" in done.stderr and "Traceback" not in done.stderr


def test_bad_shard_on_the_command_line_and_an_unwritten_run(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    done = _conformance("run", "--shard", "3/2", "--summary-md", str(summary), "--report-dir", str(tmp_path / "r"))
    assert done.returncode == 2 and "K must be between 1 and N" in done.stderr
    assert "could not run" in summary.read_text(encoding="utf-8")
    done = _conformance("run", "--id", "PO-001", "--shard", "2/2", "--report-dir", str(tmp_path / "r"))
    assert done.returncode == 2 and "shard 2/2 is empty" in done.stderr
