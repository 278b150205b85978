"""The pytest plugin driven with pytester: pytest itself must see failures as failures, missing
capabilities as skips and listed failures as expected failures."""

from __future__ import annotations

import pytest

from conformance.suite import features_dir
from tests.harness_helpers import FAILING, NEEDS_TRACE, PASSING

SUITE = "from pytest_bdd import scenarios\nscenarios({features!r})\n"


def _suite(pytester: pytest.Pytester, **features: str) -> None:
    folder = pytester.mkdir("features")
    for name, text in features.items():
        (folder / f"{name}.feature").write_text(text, encoding="utf-8")
    pytester.makepyfile(test_suite=SUITE.format(features=str(folder)))


def test_outcomes_seen_by_pytest(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, bad=FAILING)
    result = pytester.runpytest_subprocess("-p", "conformance.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*status: expected 418, got 200*"])


def test_missing_capability_is_a_pytest_skip(pytester: pytest.Pytester) -> None:
    _suite(pytester, trace=NEEDS_TRACE)
    result = pytester.runpytest_subprocess("-p", "conformance.plugin", "-p", "no:cacheprovider", "-rs",
                                           "--capability", "content-types")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*lacks capability trace*"])


def test_expected_failure_is_an_xfail_and_a_stale_entry_a_failure(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, bad=FAILING)
    manifest = pytester.path / "m.toml"
    manifest.write_text('[[expected-failure]]\nid = "ZZ-002"\nreason = "r"\n\n[[expected-failure]]\nid = "ZZ-001"\nreason = "r"\n')
    result = pytester.runpytest_subprocess("-p", "conformance.plugin", "-p", "no:cacheprovider",
                                           "--expectations", str(manifest))
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(["*unexpected pass: ZZ-001*"])


def test_tag_selection(pytester: pytest.Pytester) -> None:
    _suite(pytester, ok=PASSING, bad=FAILING.replace("@must", "@should"))
    result = pytester.runpytest_subprocess("-p", "conformance.plugin", "-p", "no:cacheprovider", "--tags=@must")
    result.assert_outcomes(passed=1, deselected=1)


def test_the_shipped_features_folder_exists() -> None:
    assert any(features_dir().glob("*.feature"))
