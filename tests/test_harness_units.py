"""Units of the harness: trace matching, tag expressions, JSON subset matching, manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.expect import mismatches
from conformance.expectations import ExpectationError, Manifest
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


def test_manifest_judges(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[[expected-failure]]\nid = "A"\nreason = "r"\nmessage = "status"\n\n[[flaky]]\nid = "B"\nreason = "f"\n')
    manifest = Manifest.load(path)
    assert manifest.judge("A", False, "status: x").outcome == "expected_failure"
    assert manifest.judge("A", False, "trace: x").outcome == "failed"
    assert manifest.judge("A", True, "").outcome == "unexpected_pass"
    assert manifest.judge("B", False, "").outcome == "expected_failure"
    assert manifest.judge("B", True, "").outcome == "passed"
    assert manifest.judge("C", True, "").outcome == "passed"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        ('[[expected-failure]]\nid = "A"\n', "needs both"),
        ('[[expected-failure]]\nid = "A"\nreason = "r"\nextra = 1\n', "unknown key"),
        ('[[expected-failure]]\nid = "A"\nreason = "r"\n[[flaky]]\nid = "A"\nreason = "r"\n', "listed twice"),
        ("[oops]\n", "unknown section"),
    ],
)
def test_bad_manifests(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ExpectationError, match=message):
        Manifest.load(path)
