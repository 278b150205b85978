"""The harness end to end through its CLI: outcomes, exit codes, expectations and report contents."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

from tests.harness_helpers import (
    FAILING,
    NEEDS_TOKEN,
    NEEDS_TRACE,
    PASSING,
    feature_dir,
    manifest_entry,
    no_info_env,
    outcomes,
    read_report,
    run_cli,
)


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
    assert set(report) >= {"suite", "target", "started_at", "duration_s", "verdict", "profile", "coverage",
                           "summary", "scenarios"}
    assert list(report).index("verdict") < list(report).index("summary")
    assert report["suite"]["name"] == "strapi-conformance"
    assert report["target"]["kind"] == "reference"
    assert set(report["target"]["capabilities"]) == {"declared", "verified"}
    assert "trace" in report["target"]["capabilities"]["verified"]
    assert report["verdict"] == "conformant" and report["profile"] == "full"
    assert report["coverage"] == {"selected": 1, "checked": 1, "catalogue": 1, "in_profile": 1,
                                  "by_level": {"must": {"selected": 1, "checked": 1}}, "by_capability": {},
                                  "skipped": [], "missing_capabilities": {}, "missing_scenarios": 0}
    assert report["summary"] == {"total": 1, "passed": 1, "failed": 0, "skipped": 0,
                                 "expected_failures": 0, "unexpected_passes": 0, "unverified": 0}
    section = result.stdout.split("= conformance =")[1].splitlines()
    assert section[1] == "verdict: conformant (profile full: 1 of 1 scenarios, 100%) — 1 of 1 selected scenarios checked"
    scenario = report["scenarios"][0]
    assert scenario["id"] == "ZZ-001" and scenario["level"] == "must"
    assert scenario["feature"].endswith("features/ok.feature")
    assert "id:ZZ-001" in scenario["tags"] and scenario["duration_s"] >= 0
    junit = ET.parse(reports / "junit.xml").getroot()
    case, properties = junit.find(".//testcase"), junit.find(".//properties")
    assert case is not None and properties is not None
    assert (case.get("name") or "").startswith("ZZ-001 ")
    props = [(p.get("name"), p.get("value")) for p in properties]
    assert props[0] == ("verdict", "conformant") and props[1][0] == "verdict-line"
    assert ("coverage-checked", "1") in props and ("profile", "full") in props
    html = (reports / "report.html").read_text(encoding="utf-8")
    assert "ZZ-001" in html
    assert html.index('id="verdict"') < html.index("ZZ-001") and "Verdict: conformant (profile full" in html


def test_a_capability_chosen_by_the_user_is_a_reduced_profile_exit_0(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING, trace=NEEDS_TRACE)
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports),
                     "--capability", "content-types")
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_report(reports)
    assert outcomes(report) == {"ZZ-001": "passed", "ZZ-003": "skipped"}
    assert report["scenarios"][1]["message"] == "outside profile capabilities:content-types (needs trace)"
    assert report["verdict"] == "conformant" and report["profile"] == "capabilities:content-types"
    assert "verdict: conformant (profile capabilities:content-types: 1 of 2 scenarios, 50%)" in result.stdout


def test_missing_capabilities_without_an_explicit_profile_are_exit_2_with_one_line(tmp_path: Path) -> None:
    """The reference without its info route is black-box: before, every selected scenario was skipped
    and the run exited 0 (a 500 there did the same)."""
    features = feature_dir(tmp_path, ok=PASSING, trace=NEEDS_TRACE)
    env = no_info_env(tmp_path)
    for workers in ([], ["--workers", "2"]):
        reports = tmp_path / f"reports{len(workers)}"
        result = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--tags", "@needs:trace",
                         *workers, env=env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.splitlines() == [
            "conformance: target reference lacks trace, needed by 1 of 1 selected scenarios (trace: 1): install the "
            "conformance fixture (conformance/PROTOCOL.md section 3; capabilities: section 2), or ask for a "
            "reduced profile (--profile black-box, --capability NAME)"], workers
        assert "Traceback" not in result.stdout
        assert read_report(reports)["verdict"] == "incomplete"
    explicit = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "bb"), "--profile",
                       "black-box", env=env)
    assert explicit.returncode == 0, explicit.stdout + explicit.stderr
    assert "verdict: conformant (profile black-box: 1 of 2 scenarios, 50%) — 1 of 2 selected" in explicit.stdout


def test_a_scenario_skipped_for_another_reason_makes_the_run_incomplete_exit_2(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, token=NEEDS_TOKEN)
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"),
                     env=no_info_env(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("conformance: 1 of 1 selected scenarios were not checked (first: ZZ-004: "
                                    "the target reports no full-access API token)")
    assert len(result.stderr.splitlines()) == 1


def test_a_listed_scenario_that_was_skipped_is_unverified_exit_1(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, token=NEEDS_TOKEN)
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_entry("ZZ-004", "status: expected 200"))
    reports = tmp_path / "r"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--expectations",
                     str(manifest), env=no_info_env(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    report = read_report(reports)
    assert outcomes(report) == {"ZZ-004": "unverified"} and report["verdict"] == "non-conformant"
    assert "UNVERIFIED       ZZ-004" in result.stdout


def test_a_manifest_entry_for_a_scenario_not_selected_is_ignored(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING, bad=FAILING)
    manifest = tmp_path / "m.toml"
    manifest.write_text(manifest_entry("ZZ-002", "status: expected 418"))
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"), "--id", "ZZ-001",
                     "--expectations", str(manifest))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_static_file_server_is_exit_2_naming_the_missing_capabilities(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING, trace=NEEDS_TRACE)
    (tmp_path / "www").mkdir()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path / "www", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url)
        reports = tmp_path / "r"
        result = run_cli("run", "--target", url, "--features", str(features), "--report-dir", str(reports))
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith(f"conformance: target 127.0.0.1-{port} lacks trace, needed by 1 of 2 selected")
        assert len(result.stderr.splitlines()) == 1 and "= conformance =" not in result.stdout  # nothing ran
        report = read_report(reports)
        assert report["verdict"] == "incomplete" and report["coverage"]["checked"] == 0
        black_box = run_cli("run", "--target", url, "--features", str(features), "--report-dir", str(reports),
                            "--profile", "black-box")
        assert black_box.returncode == 1, black_box.stdout + black_box.stderr  # the content API is not there
        assert "verdict: non-conformant (profile black-box: 1 of 2 scenarios, 50%)" in black_box.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_expected_failure_listed_in_the_manifest_is_not_a_failure(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, bad=FAILING)
    manifest = tmp_path / "known.toml"
    manifest.write_text(manifest_entry("ZZ-002", "status: expected 418", "teapot"))
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--expectations", str(manifest))
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_report(reports)
    assert outcomes(report) == {"ZZ-002": "expected_failure"}
    assert report["summary"]["expected_failures"] == 1


def test_a_listed_scenario_that_passes_fails_the_run(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING)
    manifest = tmp_path / "stale.toml"
    manifest.write_text(manifest_entry("ZZ-001", "status", "was broken once"))
    reports = tmp_path / "reports"
    result = run_cli("run", "--features", str(features), "--report-dir", str(reports), "--expectations", str(manifest))
    assert result.returncode == 1
    report = read_report(reports)
    assert outcomes(report) == {"ZZ-001": "unexpected_pass"}
    assert "remove the entry" in report["scenarios"][0]["message"]


def test_a_different_failure_than_the_one_expected_is_a_failure(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, bad=FAILING)
    manifest = tmp_path / "known.toml"
    manifest.write_text(manifest_entry("ZZ-002", "trace:"))
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


def test_bad_manifest_is_exit_2_with_the_line_of_the_entry(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, ok=PASSING)
    manifest = tmp_path / "bad.toml"
    cases = {
        '[[expected-failure]]\nid = "ZZ-001"\n': ":2: [[expected-failure]] ZZ-001: needs 'reason'",
        manifest_entry("ZZ-001", "status") + manifest_entry("ZZ-077", "status"): ":8: ZZ-077 is not a scenario",
        manifest_entry("ZZ-001", "harness error"): ":2: [[expected-failure]] ZZ-001: message 'harness error' would",
    }
    for text, expected in cases.items():
        manifest.write_text(text)
        result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"),
                         "--expectations", str(manifest))
        assert result.returncode == 2
        assert result.stderr.startswith(f"conformance: expectation manifest: {manifest}{expected}"), result.stderr
        assert len(result.stderr.splitlines()) == 1


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
    refused = run_cli("expectations", "update", "--report", str(reports / "report.json"), "--manifest", str(manifest))
    assert refused.returncode == 2 and not manifest.exists()
    assert refused.stderr.splitlines() == [
        f"conformance: {manifest} not written: new failure(s) need --reason ID=TEXT and --evidence ID=TEXT: ZZ-002"]
    result = run_cli("expectations", "update", "--report", str(reports / "report.json"), "--manifest", str(manifest),
                     "--reason", "ZZ-002=the teapot answers 200", "--evidence", "ZZ-002=self-test run")
    assert result.returncode == 0, result.stderr
    text = manifest.read_text()
    assert 'id = "ZZ-002"' in text and "ZZ-001" not in text and "TODO" not in text
    assert 'message = "status: expected 418, got 200"' in text
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
    # the capabilities the target discovered are not the user's choice of a reduced profile
    assert read_report(tmp_path / "r")["profile"] == "full"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
