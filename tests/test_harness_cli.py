"""The harness end to end through its CLI: outcomes, exit codes, expectations and report contents."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.harness_helpers import FAILING, NEEDS_TRACE, PASSING, feature_dir, outcomes, read_report, run_cli


def test_a_scenario_that_must_fail_fails_with_exit_1_and_explains_why(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING, bad=FAILING)
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports))
    assert result.returncode == 1, result.stdout + result.stderr
    report = read_report(reports)
    assert outcomes(report) == {"ZZ-001": "passed", "ZZ-002": "failed"}
    failed = next(s for s in report["scenarios"] if s["id"] == "ZZ-002")
    assert failed["message"] == "status: expected 418, got 200"
    assert "> GET /api/articles?filters[batch][$eq]=" in failed["detail"]
    assert "< 200" in failed["detail"]


def test_a_conformant_run_exits_0_and_writes_the_report_contract(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING)
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports))
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_report(reports)
    assert set(report) >= {"suite", "target", "started_at", "duration_s", "summary", "scenarios"}
    assert report["suite"]["name"] == "strapi-conformance"
    assert report["target"]["kind"] == "reference"
    assert report["summary"] == {"total": 1, "passed": 1, "failed": 0, "skipped": 0,
                                 "expected_failures": 0, "unexpected_passes": 0}
    scenario = report["scenarios"][0]
    assert scenario["id"] == "ZZ-001" and scenario["level"] == "must"
    assert scenario["feature"].endswith("features/ok.feature")
    assert "id:ZZ-001" in scenario["tags"] and scenario["duration_s"] >= 0
    junit = ET.parse(reports / "junit.xml").getroot()
    assert junit.find(".//testcase").get("name").startswith("ZZ-001 ")
    assert "ZZ-001" in (reports / "report.html").read_text(encoding="utf-8")


def test_missing_capability_is_a_skip_with_the_reason_never_a_pass(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, trace=NEEDS_TRACE)
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports),
                     "--capability", "content-types")
    assert result.returncode == 0, result.stdout + result.stderr
    scenario = read_report(reports)["scenarios"][0]
    assert scenario["outcome"] == "skipped"
    assert "lacks capability trace" in scenario["message"]


def test_expected_failure_listed_in_the_manifest_is_not_a_failure(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, bad=FAILING)
    manifest = tmp_path / "known.toml"
    manifest.write_text('[[expected-failure]]\nid = "ZZ-002"\nreason = "teapot"\nmessage = "status: expected 418"\n')
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--expectations", str(manifest))
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_report(reports)
    assert outcomes(report) == {"ZZ-002": "expected_failure"}
    assert report["summary"]["expected_failures"] == 1


def test_a_listed_scenario_that_passes_fails_the_run(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING)
    manifest = tmp_path / "stale.toml"
    manifest.write_text('[[expected-failure]]\nid = "ZZ-001"\nreason = "was broken once"\n')
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--expectations", str(manifest))
    assert result.returncode == 1
    report = read_report(reports)
    assert outcomes(report) == {"ZZ-001": "unexpected_pass"}
    assert "remove the entry" in report["scenarios"][0]["message"]


def test_a_different_failure_than_the_one_expected_is_a_failure(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, bad=FAILING)
    manifest = tmp_path / "known.toml"
    manifest.write_text('[[expected-failure]]\nid = "ZZ-002"\nreason = "x"\nmessage = "trace:"\n')
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--expectations", str(manifest))
    assert result.returncode == 1
    assert outcomes(read_report(reports)) == {"ZZ-002": "failed"}


def test_broken_feature_file_is_exit_2_with_one_line(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, broken="Feature: x\n  Scenario: y\n    Then\n  Not gherkin at all {{{\n")
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 2
    assert result.stderr.startswith("conformance: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, a=PASSING, b=PASSING.replace("The list answers 200", "Again"))
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "ZZ-001 is also used" in result.stderr


def test_unreachable_target_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli("run", "--target", "http://127.0.0.1:9", "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "unreachable" in result.stderr and "Traceback" not in result.stderr


def test_bad_manifest_is_exit_2(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING)
    manifest = tmp_path / "bad.toml"
    manifest.write_text('[[expected-failure]]\nid = "ZZ-001"\n')
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"),
                     "--expectations", str(manifest))
    assert result.returncode == 2
    assert "needs both 'id' and 'reason'" in result.stdout + result.stderr


def test_no_matching_scenario_is_exit_2_not_a_silent_pass(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING)
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"), "--tags", "@should")
    assert result.returncode == 2
    assert "no scenario matches" in result.stderr


def test_parallel_run_gives_the_same_outcomes_as_a_serial_run(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING, bad=FAILING, trace=NEEDS_TRACE)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    run_cli("run", "--features", str(features), "--report-dir", str(serial))
    run_cli("run", "--features", str(features), "--report-dir", str(parallel), "--workers", "2")
    assert outcomes(read_report(serial)) == outcomes(read_report(parallel))


def test_expectations_update_rewrites_the_manifest_from_a_run(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING, bad=FAILING)
    reports = tmp_path / "reports"
    run_cli("run", "--features", str(features), "--report-dir", str(reports))
    manifest = tmp_path / "m.toml"
    result = run_cli("expectations", "update", "--report", str(reports / "report.json"), "--manifest", str(manifest))
    assert result.returncode == 0, result.stderr
    text = manifest.read_text()
    assert 'id = "ZZ-002"' in text and "ZZ-001" not in text
    rerun = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--expectations", str(manifest))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr


def test_list_and_lint_run_nothing(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING)
    listed = run_cli("list", "--json", cwd=tmp_path)
    assert listed.returncode == 0
    lint = run_cli("lint", str(features))
    assert lint.returncode == 0 and "no problems" in lint.stdout
    bad = feature_dir(tmp_path / "x", nolevel=PASSING.replace(" @must", ""))
    lint_bad = run_cli("lint", str(bad))
    assert lint_bad.returncode != 0 and "exactly one level" in lint_bad.stdout


def test_grouped_scenarios_share_one_worker_on_a_shared_target(tmp_path: Path) -> None:
    """Single types are one global entry: on a shared target their scenarios must not interleave."""
    result = run_cli("run", "--target", "reference-http", "--workers", "2", "--tags", "@group:single-types",
                     "--report-dir", str(tmp_path / "r"), "--verbose")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    workers = {line.split("]")[0] for line in result.stdout.splitlines() if line.startswith("[gw") and "PASSED" in line}
    assert len(workers) == 1, workers
