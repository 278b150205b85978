"""The pytest plugin driven with pytester: pytest itself must see failures as failures, missing
capabilities as skips and listed failures as expected failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.suite import features_dir
from tests.forked_cli import runpytest_forked
from tests.harness_helpers import FAILING, NEEDS_TRACE, NO_INFO, PASSING, manifest_entry

PLUGIN = ("-p", "conformance.plugin", "-p", "no:cacheprovider")
SUITE = "from pytest_bdd import scenarios\nscenarios({features!r})\n"


def _suite(pytester: pytest.Pytester, **features: str) -> None:
    folder = pytester.mkdir("features")
    for name, text in features.items():
        (folder / f"{name}.feature").write_text(text, encoding="utf-8")
    pytester.makepyfile(test_suite=SUITE.format(features=str(folder)))


def test_outcomes_seen_by_pytest(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, bad=FAILING)
    result = runpytest_forked(pytester, "-p", "conformance.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*status: expected 418, got 200*"])


def test_a_scenario_outside_the_chosen_profile_is_a_pytest_skip(pytester: pytest.Pytester) -> None:
    _suite(pytester, trace=NEEDS_TRACE)
    result = runpytest_forked(pytester, "-p", "conformance.plugin", "-p", "no:cacheprovider", "-rs",
                                           "--capability", "content-types")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*outside profile capabilities:content-types (needs trace)*"])


def test_expected_failure_is_an_xfail_and_a_stale_entry_a_failure(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, bad=FAILING)
    manifest = pytester.path / "m.toml"
    manifest.write_text(manifest_entry("ZZ-002", "status: expected 418") + manifest_entry("ZZ-001", "status"))
    result = runpytest_forked(pytester, "-p", "conformance.plugin", "-p", "no:cacheprovider",
                                           "--expectations", str(manifest))
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(["*unexpected pass: ZZ-001*"])


def test_tag_selection(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, bad=FAILING.replace("@must", "@should"))
    result = runpytest_forked(pytester, "-p", "conformance.plugin", "-p", "no:cacheprovider", "--tags=@must")
    result.assert_outcomes(passed=1, deselected=1)


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    return json.loads((pytester.path / "r" / "report.json").read_text(encoding="utf-8"))


def test_a_target_lacking_a_capability_makes_the_run_incomplete(pytester: pytest.Pytester) -> None:
    """The reference without its info route is black-box, so the trace scenario is skipped;
    the run is incomplete, not conformant, and says which capability is missing."""
    _suite(pytester, ok=PASSING, trace=NEEDS_TRACE)
    pytester.makeconftest(NO_INFO)
    result = runpytest_forked(pytester, *PLUGIN, "--report-dir", "r")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["verdict: incomplete (profile full: 2 of 2 scenarios, 100%) — 1 of 2 selected*"
                                 "target lacks trace (1)"])
    report = _report(pytester)
    assert report["verdict"] == "incomplete" and report["profile"] == "full"
    assert report["coverage"]["missing_capabilities"] == {"trace": 1}
    assert report["coverage"]["skipped"] == [{"id": "ZZ-003", "reason": "target reference lacks capability trace"}]
    assert report["target"]["capabilities"] == {"declared": ["content-types"], "verified": ["content-types"]}


def test_a_listed_scenario_that_was_skipped_is_unverified_and_fails(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, trace=NEEDS_TRACE)
    pytester.makeconftest(NO_INFO)
    manifest = pytester.path / "m.toml"
    manifest.write_text(manifest_entry("ZZ-003", "trace:"))
    result = runpytest_forked(pytester, *PLUGIN, "--report-dir", "r", "--expectations", str(manifest))
    result.assert_outcomes(passed=1, errors=1)  # it fails in set-up, where the capability gate skipped it
    result.stdout.fnmatch_lines(["*unverified: ZZ-003 is listed in*but was not checked (target reference lacks "
                                 "capability trace)*"])
    report = _report(pytester)
    assert report["verdict"] == "non-conformant" and report["summary"]["unverified"] == 1
    assert {s["id"]: s["outcome"] for s in report["scenarios"]} == {"ZZ-001": "passed", "ZZ-003": "unverified"}


def test_an_entry_outside_the_chosen_profile_is_ignored(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, trace=NEEDS_TRACE)
    manifest = pytester.path / "m.toml"
    manifest.write_text(manifest_entry("ZZ-003", "trace:"))
    result = runpytest_forked(pytester, *PLUGIN, "--report-dir", "r", "--expectations", str(manifest),
                                           "--profile", "black-box")
    result.assert_outcomes(passed=1, skipped=1)
    report = _report(pytester)
    assert report["verdict"] == "conformant" and report["profile"] == "black-box"
    assert report["coverage"]["skipped"] == [{"id": "ZZ-003", "reason": "outside profile black-box (needs trace)"}]
    assert report["coverage"]["in_profile"] == 1 and report["coverage"]["catalogue"] == 2


def test_a_harness_error_never_counts_as_the_expected_failure(pytester: pytest.Pytester) -> None:
    _suite(pytester, undefined=PASSING.replace("Then the status is 200", "Then nothing defines this step"))
    manifest = pytester.path / "m.toml"
    manifest.write_text(manifest_entry("ZZ-001", "StepDefinitionNotFoundError"))
    result = runpytest_forked(pytester, *PLUGIN, "--report-dir", "r", "--expectations", str(manifest))
    result.assert_outcomes(failed=1)
    assert _report(pytester)["scenarios"][0]["outcome"] == "failed"


def test_unknown_manifest_id_is_a_usage_error_with_its_line(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING)
    manifest = pytester.path / "m.toml"
    manifest.write_text(manifest_entry("ZZ-001", "status") + manifest_entry("ZZ-404", "status"))
    result = runpytest_forked(pytester, *PLUGIN, "--expectations", str(manifest))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*m.toml:8: ZZ-404 is not a scenario of the catalogue*"])


def test_coverage_is_the_same_with_xdist_workers(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, bad=FAILING, trace=NEEDS_TRACE)
    result = runpytest_forked(pytester, *PLUGIN, "--report-dir", "r", "-n", "2", "--tags", "not @id:ZZ-002")
    result.assert_outcomes(passed=2)
    cov = _report(pytester)["coverage"]
    assert (cov["selected"], cov["checked"], cov["catalogue"]) == (2, 2, 3)
    assert _report(pytester)["verdict"] == "conformant"


def test_the_shipped_features_folder_exists() -> None:
    assert any(features_dir().glob("*.feature"))
