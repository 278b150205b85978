"""``conformance lint`` rejects scenarios whose pass would prove nothing; the Then-step table covers
every Then step definition."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from pytest_bdd.scenario import step_function_context_registry

from conformance.lint import lint_paths
from conformance.scenarios import load_catalogue
from conformance.step_kinds import THEN_STEPS, classify
from conformance.steps import MODULES

FEATURES = Path(__file__).resolve().parent.parent / "features"
HEAD = """Feature: lint
  @id:XX-{n:03d} @must @needs:trace @doc:cms/api/rest
  Scenario: scenario {n}
    When I GET "/api/articles"
"""


def _then_parsers() -> list[object]:
    for module in MODULES:
        importlib.import_module(module)
    # pytest-bdd registers a debugging step of its own ("trace"): only ours are wanted
    return [ctx.parser for ctx in step_function_context_registry.values()
            if ctx.type == "then" and ctx.step_func.__module__ in MODULES]


def test_every_then_step_definition_has_an_entry_and_every_entry_a_definition() -> None:
    parsers = _then_parsers()
    for entry in THEN_STEPS:
        matching = [p for p in parsers if p.is_matching(entry.example)]  # type: ignore[attr-defined]
        assert len(matching) == 1, f"{entry.example!r} is matched by {len(matching)} step definitions"
        assert classify(entry.example) == entry.kind, f"{entry.example!r} is shadowed by an earlier entry"
    for parser in parsers:
        assert any(parser.is_matching(e.example) for e in THEN_STEPS), (  # type: ignore[attr-defined]
            f"no entry of conformance/step_kinds.py for the step {parser.name!r}")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "kind"), [
    ("the trace contains \"policy:*\" 0 times", "trace-absence"),
    ("the trace contains \"policy:*\" 2 times", "trace"),
    ('the JSON at "meta" is "<absent>"', "absence"),
    ('the JSON at "meta" is {"a": "<absent>", "b": 1}', "positive"),
    ('the "title" of "data" are, in order: (none)', "positive"),
    ("the body is empty", "absence"),
    ("no webhook is received", "absence"),
    ("something nobody wrote a step for", None),
])
def test_classification(text: str, kind: str | None) -> None:
    assert classify(text) == kind


def _lint(tmp_path: Path, *thens: str) -> list[str]:
    path = tmp_path / "x.feature"
    path.write_text(HEAD.format(n=1) + "".join(f"    {t}\n" for t in thens), encoding="utf-8")
    return [p.message for p in lint_paths([path]) if p.fatal]


def test_a_scenario_with_a_positive_check_per_answer_passes(tmp_path: Path) -> None:
    assert _lint(tmp_path, "Then the status is 403", 'And the trace contains "policy:first:deny"',
                 'And the trace does not contain "rmw:*"', 'And the header "X-Powered-By" is absent') == []


@pytest.mark.parametrize(("thens", "why"), [
    ((), "asserts nothing: no Then step"),
    (('Then the trace does not contain "policy:*"',), "asserts only absences"),
    (("Then the body is empty", 'And the header "X-Powered-By" is absent'), "asserts only absences"),
    (("Then the status is 401", 'And the trace does not contain "policy:*"'), "no trace marker"),
    (("Then the status is 401", 'And the trace contains "policy:*" 0 times'), "no trace marker"),
    (("Then the answer is fine",), "matches no known assertion"),
])
def test_scenarios_that_would_prove_nothing_are_fatal(tmp_path: Path, thens: tuple[str, ...], why: str) -> None:
    problems = _lint(tmp_path, *thens)
    assert any(why in p for p in problems), problems


def test_each_answer_needs_its_own_positive_check(tmp_path: Path) -> None:
    problems = _lint(tmp_path, "Then the status is 204", 'When I GET "/api/articles"',
                     'Then the trace does not contain "policy:*"')
    assert any("gets only absences" in p for p in problems), problems
    problems = _lint(tmp_path, 'Then the trace contains "gmw:first:in"', 'When I GET "/api/articles"',
                     "Then the status is 200", 'And the trace does not contain "policy:*"')
    assert any("no trace marker" in p for p in problems), problems


def test_the_catalogue_passes_and_every_then_step_is_known() -> None:
    assert [str(p) for p in lint_paths([FEATURES]) if p.fatal] == []
    unknown = {step for s in load_catalogue(FEATURES) for step in s.steps
               if step.startswith("then ") and classify(step[5:]) is None}
    assert unknown == set()


def test_a_scenario_reading_webhooks_must_say_it_needs_them(tmp_path: Path) -> None:
    """Its writes would otherwise ask a webhooks-off target (real Strapi's fixture) for no delivery."""
    problems = _lint(tmp_path, "Then the status is 200", "And the webhooks received are, in order: entry.create")
    assert "reads webhooks but lacks @needs:webhooks" in problems, problems
    path = tmp_path / "y.feature"
    path.write_text(HEAD.format(n=2).replace("@needs:trace", "@needs:trace @needs:webhooks")
                    + "    Then the status is 200\n    And the webhooks received are, in order: entry.create\n",
                    encoding="utf-8")
    assert [p.message for p in lint_paths([path]) if p.fatal] == []
