"""Meta-tests in CI: the suite must catch every known-bad variant of the reference implementation.

Each variant runs its declared scenarios plus a fixed sample of the others (``quick_selection``);
the complete kill sets come from ``python -m tests.meta`` (reports/meta/mutants.json).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from .catalogue import Variant, all_variants, get_variant
from .report import UNKILLED_MD, explained_ids
from .runner import REPO_ROOT, RunResult, Verdict, quick_selection, run_suite, scenario_ids

ALL_IDS = scenario_ids()
VARIANTS = all_variants()
MUTANTS_JSON = REPO_ROOT / "reports" / "meta" / "mutants.json"


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_variant_is_caught(variant: Variant, tmp_path: Path) -> None:
    verdict = Verdict(variant, run_suite(variant.name, quick_selection(variant, ALL_IDS), tmp_path))
    assert verdict.caught, verdict.explain()


def test_the_catalogue_is_well_formed() -> None:
    assert len(VARIANTS) >= 30
    unknown = {v.name: [sid for sid in v.kills if sid not in ALL_IDS] for v in VARIANTS}
    assert not {k: ids for k, ids in unknown.items() if ids}, "variants declare ids the suite does not have"
    assert all(v.description and v.layer for v in VARIANTS)


def test_a_wrongly_declared_id_fails_the_meta_test(tmp_path: Path) -> None:
    """The meta-test can fail: a variant that does not make a declared scenario fail is not caught."""
    real = get_variant("policy-false-ignored")
    wrong = dataclasses.replace(real, kills=(*real.kills, "GM-016"))
    verdict = Verdict(wrong, run_suite(wrong.name, list(wrong.kills), tmp_path))
    assert not verdict.caught
    assert verdict.missing == ["GM-016"]
    assert "declared scenarios did not fail: GM-016" in verdict.explain()


def test_the_unmodified_implementation_survives(tmp_path: Path) -> None:
    """Without a fault nothing fails, so a variant that injects nothing would be reported as surviving."""
    result = run_suite(None, ["PO-001", "GM-016"], tmp_path)
    assert result.error is None and result.failed == [] and sorted(result.ran) == ["GM-016", "PO-001"]
    assert not Verdict(get_variant("policy-false-ignored"), result).caught


def test_a_run_without_answer_is_not_a_catch() -> None:
    verdict = Verdict(get_variant("policy-false-ignored"), RunResult(error="exit code 2: target did not start"))
    assert not verdict.caught and "no answer" in verdict.explain()


def test_the_committed_mutants_json_matches_the_catalogue() -> None:
    """reports/meta/mutants.json is the full run of the current catalogue: regenerate it with
    ``python -m tests.meta`` after changing variants."""
    document = json.loads(MUTANTS_JSON.read_text(encoding="utf-8"))
    assert document["mode"] == "full"
    assert [r["name"] for r in document["results"]] == [v.name for v in VARIANTS]
    assert document["score"] == 1.0
    explained = explained_ids()
    assert set(document["unkilled"]) <= explained, f"explain every unkilled scenario in {UNKILLED_MD.name}"
    assert explained <= set(ALL_IDS), f"{UNKILLED_MD.name} names scenarios the suite does not have"
