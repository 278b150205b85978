"""Units of the harness: trace matching, tag expressions, JSON subset matching, manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.assertions import mismatches
from conformance.manifests import ExpectationError, Manifest, entry_lines, update_from_report
from conformance.report.verdict import Profile, assess, make_profile, missing_line, verdict_line
from conformance.scenarios import load_catalogue
from conformance.suite import features_dir
from conformance.tags import TagExpressionError, compile_expression, split_tags
from conformance.trace import aligned_diff, find_subsequence


def test_subsequence_matching_with_globs() -> None:
    actual = ["gmw:a:in", "policy:x:allow", "controller:c.find:in", "gmw:a:out"]
    assert find_subsequence(["gmw:a:in", "controller:*:in"], actual) == ([0, 2], None)
    assert find_subsequence(["controller:*:in", "policy:x:allow"], actual)[1] == 1


def test_aligned_diff_points_at_the_missing_marker() -> None:
    text = aligned_diff(["b", "a"], ["a", "b"])
    assert "✓ b" in text and "✗ a" in text


@pytest.mark.parametrize(
    ("expr", "tags", "expected"),
    [
        ("@must", {"must"}, True),
        ("@must and not @needs:webhooks", {"must", "needs:webhooks"}, False),
        ("@should or @may", {"may"}, True),
        ("not (@must or @should)", {"must"}, False),
        ("@id:PO-*", {"id:PO-003"}, True),
    ],
)
def test_tag_expressions(expr: str, tags: set[str], expected: bool) -> None:
    assert compile_expression(expr)(tags) is expected


@pytest.mark.parametrize("expr", ["@must and", "(@must", "and @must", ""])
def test_bad_tag_expressions(expr: str) -> None:
    with pytest.raises(TagExpressionError):
        compile_expression(expr)


def test_split_tags() -> None:
    tags = split_tags({"id:PO-001", "must", "doc:cms/api/rest", "needs:trace", "group:x"})
    assert tags.scenario_id == "PO-001" and tags.level == "must" and tags.needs == ["trace"]
    assert tags.doc_urls == ["https://docs.strapi.io/cms/api/rest"]


def test_subset_matching() -> None:
    assert mismatches({"a": 1, "b": "<string>", "c": "<absent>"}, {"a": 1, "b": "x", "d": 0}) == []
    assert mismatches({"a": [1, 2]}, {"a": [1]})[0].startswith("$.a: expected 2 items")
    assert mismatches({"a": 1}, {"a": True}) != []  # booleans are not numbers
    assert mismatches({"a": 1.0}, {"a": 1}) == []


def _entry(sid: str, message: str = "status", reason: str = "r", section: str = "expected-failure") -> str:
    return f'[[{section}]]\nid = "{sid}"\nreason = "{reason}"\nevidence = "e"\nmessage = "{message}"\n\n'


def test_manifest_judges(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(_entry("A") + _entry("B", "trace:", section="flaky"))
    manifest = Manifest.load(path)
    assert manifest.judge("A", False, "status: x").outcome == "expected_failure"
    assert manifest.judge("A", False, "trace: x").outcome == "failed"
    assert manifest.judge("A", True, "").outcome == "unexpected_pass"
    assert manifest.judge("B", False, "trace: y").outcome == "expected_failure"
    assert manifest.judge("B", False, "status: y").outcome == "failed"  # flaky, but not in the known way
    assert manifest.judge("B", True, "").outcome == "passed"
    assert manifest.judge("C", True, "").outcome == "passed"


def test_a_harness_error_or_set_up_failure_is_never_an_expected_failure(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(_entry("A", "status"))
    manifest = Manifest.load(path)
    verdict = manifest.judge("A", False, "status: x", assertion=False)  # failed in set-up / with an error
    assert verdict.outcome == "failed" and "never an expected failure" in verdict.reason
    assert manifest.judge("A", False, "harness error: no such step").outcome == "failed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        ('[[expected-failure]]\nid = "A"\n', r"m.toml:2: \[\[expected-failure\]\] A: needs 'reason'"),
        ('# c\n\n[[expected-failure]]\nid = "A"\nreason = "r"\nmessage = "status"\n',
         r"m.toml:4: .* A: needs 'evidence'"),
        ('[[expected-failure]]\nid = "A"\nreason = "r"\nevidence = "e"\n', r"m.toml:2: .* A: needs 'message'"),
        ('[[expected-failure]]\nreason = "r"\n', r"m.toml:1: \[\[expected-failure\]\]: needs 'id'"),
        (_entry("A") + '[[flaky]]\nreason = "r"\nid = "B"\nevidence = ""\nmessage = "m"\n',
         r"m.toml:9: \[\[flaky\]\] B: needs 'evidence'"),
        (_entry("A", reason="TODO: say why"), r"m.toml:2: .* 'reason' is a placeholder"),
        (_entry("A", message="harness error"), "would match harness errors"),
        (_entry("A", message="error in"), "would match harness errors"),
        (_entry("A", message="set-up failed: logging in"), "would match harness errors"),
        ('[[expected-failure]]\nid = "A"\nreason = "r"\nevidence = "e"\nmessage = "m"\nextra = 1\n', "unknown key"),
        (_entry("A") + _entry("A", section="flaky"), r"m.toml:8: \[\[flaky\]\] A is listed twice"),
        ("[oops]\n", "unknown section"),
    ],
)
def test_bad_manifests(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ExpectationError, match=message):
        Manifest.load(path)


def test_an_unknown_id_is_refused_with_the_line_of_its_entry(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text("# header\n" + _entry("ZZ-001") + _entry("ZZ-999"))
    Manifest.load(path)  # without a catalogue, ids cannot be checked
    with pytest.raises(ExpectationError, match=r"m.toml:9: ZZ-999 is not a scenario of the catalogue"):
        Manifest.load(path, {"ZZ-001", "ZZ-002"})
    assert entry_lines("# header\n" + _entry("ZZ-001") + _entry("ZZ-999")) == {"expected-failure": [3, 9], "flaky": []}


def test_the_shipped_manifests_are_valid_against_the_catalogue() -> None:
    known = {s.id for s in load_catalogue(features_dir()) if s.id}
    paths = sorted((Path(__file__).resolve().parents[1] / "conformance" / "manifests").glob("*.toml"))
    assert paths
    for path in paths:
        manifest = Manifest.load(path, known)
        assert manifest.expected and all(e.evidence and e.message for e in manifest.expected.values())


# -- expectations update ----------------------------------------------------------------------------------


def _report(**outcomes: str) -> dict[str, Any]:
    return {"target": {"name": "t"}, "scenarios": [
        {"id": sid, "outcome": outcome, "message": "harness error: boom" if outcome == "error" else f"status: {sid}"}
        for sid, outcome in outcomes.items()]}


def test_update_never_writes_a_placeholder_reason() -> None:
    update = update_from_report(_report(A="failed", B="passed"), Manifest.empty())
    assert update.refused and update.needs_reason == ["A"] and update.text == ""
    given = update_from_report(_report(A="failed", B="passed"), Manifest.empty(), {"A": "why"}, {"A": "how"})
    assert not given.refused and given.changes["added"] == ["A"]
    assert 'reason = "why"' in given.text and 'evidence = "how"' in given.text and 'message = "status: A"' in given.text
    assert "TODO" not in given.text
    only_reason = update_from_report(_report(A="failed"), Manifest.empty(), {"A": "why"})
    assert only_reason.needs_reason == ["A"]


def test_update_refuses_harness_errors_and_options_for_non_failures(tmp_path: Path) -> None:
    report = _report(A="failed", B="passed")
    report["scenarios"][0]["message"] = "harness error: boom"
    update = update_from_report(report, Manifest.empty(), {"A": "r", "B": "r"}, {"A": "e", "B": "e"})
    assert update.not_expectable == ["A"] and update.unknown_options == ["B"]


def test_update_keeps_unchecked_entries_and_drops_passing_ones(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(_entry("A") + _entry("B") + _entry("C"))
    update = update_from_report(_report(A="passed", B="unverified"), Manifest.load(path))
    assert update.changes == {"added": [], "removed": ["A"], "kept": ["B", "C"]}
    assert 'id = "A"' not in update.text and 'id = "B"' in update.text


# -- verdict and coverage ---------------------------------------------------------------------------------


def _rec(sid: str, outcome: str, level: str = "must", needs: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"id": sid, "outcome": outcome, "level": level, "needs": list(needs), "message": f"why {sid}"}


def test_verdict_values() -> None:
    full = Profile("full")
    assert assess([_rec("A", "passed"), _rec("B", "expected_failure")], full, [])["verdict"] == "conformant"
    for bad in ("failed", "unexpected_pass", "unverified"):
        assert assess([_rec("A", "passed"), _rec("B", bad)], full, [])["verdict"] == "non-conformant", bad
    assert assess([_rec("A", "passed"), _rec("B", "skipped", needs=("trace",))], full, [])["verdict"] == "incomplete"


def test_coverage_counts_by_level_and_capability() -> None:
    records = [_rec("A", "passed"), _rec("B", "skipped", "should", ("trace", "control")),
               _rec("C", "failed", "should", ("trace",))]
    catalogue = [{"id": r["id"], "level": r["level"], "needs": r["needs"]} for r in records] + [
        {"id": "D", "level": "may", "needs": []}]
    result = assess(records, Profile("full"), ["content-types", "trace"], catalogue, ["A", "B", "C"])
    cov = result["coverage"]
    assert (cov["selected"], cov["checked"], cov["catalogue"], cov["in_profile"]) == (3, 2, 4, 4)
    assert cov["by_level"] == {"must": {"selected": 1, "checked": 1}, "should": {"selected": 2, "checked": 1}}
    assert cov["by_capability"] == {"control": {"selected": 1, "checked": 0}, "trace": {"selected": 2, "checked": 1}}
    assert cov["skipped"] == [{"id": "B", "reason": "why B"}]
    assert cov["missing_capabilities"] == {"control": 1} and cov["missing_scenarios"] == 1
    assert result["verdict"] == "non-conformant"


def test_an_explicit_reduced_profile_is_conformant_and_names_its_share() -> None:
    records = [_rec("A", "passed"), _rec("B", "skipped", needs=("trace",)), _rec("C", "passed")]
    profile = make_profile("black-box", None)
    result = assess(records, profile, ["content-types"])
    assert result["verdict"] == "conformant" and result["profile"] == "black-box"
    assert result["coverage"]["missing_capabilities"] == {}
    assert verdict_line(result).startswith("conformant (profile black-box: 2 of 3 scenarios, 67%)")
    assert missing_line(result, "t") is None
    # the same run without the explicit choice: incomplete, with the one-line reason
    full = assess(records, make_profile(None, None), ["content-types"])
    assert full["verdict"] == "incomplete"
    line = missing_line(full, "t")
    assert line is not None and "\n" not in line
    assert line.startswith("target t lacks trace, needed by 1 of 3 selected scenarios") and "PROTOCOL.md section 3" in line


def test_a_capability_inside_the_chosen_profile_that_the_target_lacks_is_still_missing() -> None:
    profile = make_profile(None, ["content-types", "trace"])
    assert profile.explicit and profile.name == "capabilities:content-types+trace"
    result = assess([_rec("A", "skipped", needs=("trace",)), _rec("B", "skipped", needs=("control",))],
                    profile, ["content-types"])
    assert result["verdict"] == "incomplete" and result["coverage"]["missing_capabilities"] == {"trace": 1}


def test_no_capability_is_called_missing_when_the_target_never_started() -> None:
    result = assess([_rec("A", "skipped", needs=("trace",))], Profile("full"), None)
    assert result["verdict"] == "incomplete" and result["coverage"]["missing_capabilities"] == {}
    assert missing_line(result, "t") is None


def test_profile_choices_conflict() -> None:
    with pytest.raises(ValueError, match="give one of them"):
        make_profile("black-box", ["trace"])
    with pytest.raises(ValueError, match="unknown profile"):
        make_profile("half", None)
    assert make_profile("full", None) == Profile("full")
