"""``conformance stability``: outcomes compared across runs, flaky scenarios reported."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.stability import Run, analyse, document, report_name
from tests.harness_helpers import run_cli


def _run(index: int, **outcomes: str) -> Run:
    return Run(index, 0, 1.0, outcomes={k.replace("_", "-"): v for k, v in outcomes.items()},
               messages={k.replace("_", "-"): "boom" for k, v in outcomes.items() if v != "passed"})


def test_a_scenario_whose_outcome_changes_is_reported() -> None:
    runs = [_run(1, AA_001="passed", AA_002="failed"), _run(2, AA_001="failed", AA_002="failed")]
    result = analyse(runs)
    assert [c["id"] for c in result["changed"]] == ["AA-001"]
    assert result["changed"][0]["outcomes"] == {"passed": 1, "failed": 1}
    assert result["changed"][0]["runs"] == {2: "failed"}
    assert result["always_failing"] == ["AA-002"]


def test_a_scenario_missing_from_a_run_counts_as_changed() -> None:
    result = analyse([_run(1, AA_001="passed", AA_002="passed"), _run(2, AA_001="passed")])
    assert [c["id"] for c in result["changed"]] == ["AA-002"]


def test_the_document_is_stable_only_without_changes_and_errors() -> None:
    steady = [_run(1, AA_001="passed"), _run(2, AA_001="passed")]
    assert document("reference", "cmd", steady, 2.0)["stable"] is True
    broken = [*steady, Run(3, 2, 0.5, error="no report")]
    assert document("reference", "cmd", broken, 2.5)["stable"] is False


def test_report_names_follow_conformance_run() -> None:
    assert report_name("reference-http", "5.54.0") == "reference-http"
    assert report_name("strapi", "5.54.0") == "strapi-5.54.0"
    assert report_name("http://localhost:1337", "5.54.0") == "localhost-1337"


def test_stability_runs_the_suite_several_times_and_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "stability.json"
    proc = run_cli("stability", "--runs", "2", "--id", "GM-016", "--id", "PO-001", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["runs"] == 2 and doc["stable"] is True and doc["changed"] == []
    assert doc["scenarios"] == 2 and all(r["summary"]["passed"] == 2 for r in doc["per_run"])
    assert "0 changed outcome(s)" in proc.stdout
