"""Meta-tests in CI: the suite must catch every known-bad variant of the reference implementation.

Each variant runs its declared scenarios plus its controls (``quick_selection``); the complete kill
sets come from ``python -m tests.meta`` (reports/meta/mutants.json).  Every run of the session is
made once, in one batch (``batch``): the unmodified baseline first, then every variant selected in
this session, forked from one warm server, several at a time.  With pytest-xdist the first worker
that needs the batch runs it and the others read its result.  Variants of ``PENDING_HARNESS`` are
left out (the harness on main cannot catch them yet; see variants.py).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .report import UNKILLED_MD, explained_ids
from .runner import (
    ALWAYS_PROBED,
    CONTROL_SIZE,
    CRASH,
    HARNESS,
    KILL,
    REPO_ROOT,
    SETUP,
    RunResult,
    Scenario,
    SuiteRunner,
    Verdict,
    baseline_problem,
    batch_jobs,
    controls,
    load_recorded,
    probe_only,
    quick_selection,
    scenario_ids,
)
from .variants import PENDING_HARNESS, REGISTRY, SELFTEST, Variant, all_variants, get_variant

# ``tox -e unit`` distributes with --dist loadgroup: every test here on one xdist worker, the largest
# group first, so the batch is made at the start and no other worker waits on its lock.
pytestmark = pytest.mark.xdist_group("meta-batch")

ALL_IDS = scenario_ids()
VARIANTS = all_variants()
CI_VARIANTS = [v for v in VARIANTS if not v.pending]
MUTANTS_JSON = REPO_ROOT / "reports" / "meta" / "mutants.json"
RECORDED = load_recorded(MUTANTS_JSON)
WRONG_ID = "GM-016"  # a scenario policy-false-ignored does not affect


def _self_runs() -> dict[str, tuple[str, list[str]]]:
    """The runs the tests of the meta-test itself need, besides one per variant: name -> (variant, ids)."""
    runs = {f"self:{v.name}": (v.name, quick_selection(v, ALL_IDS, RECORDED)) for v in SELFTEST.values()}
    real = get_variant("policy-false-ignored")
    runs["self:wrong-id"] = (real.name, [*real.kills, WRONG_ID])
    return runs


def _batch(names: list[str], work: Path) -> dict[str, Any]:
    """Every run of the session: key -> RunResult as JSON."""
    real = get_variant("policy-false-ignored")
    runs: dict[str, tuple[str | None, list[str] | None]] = {"baseline": (None, None), **_self_runs()}
    for name in [*names, real.name]:
        runs[name] = (name, quick_selection(REGISTRY[name], ALL_IDS, RECORDED))
    runs["self:fresh"] = runs[real.name]  # as a fresh process: forking must not change what a run says
    with SuiteRunner(work_dir=work) as forked, SuiteRunner(fork=False, work_dir=work) as fresh:

        def one(key: str) -> RunResult:
            return (fresh if key == "self:fresh" else forked).run(*runs[key])

        # The baseline (the whole suite: without it no kill means anything) is the longest run: it
        # starts first and the others share the remaining slots meanwhile; it is judged before them.
        with ThreadPoolExecutor(batch_jobs()) as pool:
            results = dict(zip(runs, pool.map(one, runs), strict=True))
    return {key: r.to_json() for key, r in results.items()}


class Batch(dict[str, RunResult]):
    """The session's runs by key (a short repr: pytest prints a failed test's arguments)."""

    def __repr__(self) -> str:
        return f"<{len(self)} meta runs>"


@pytest.fixture(scope="session")
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    params = [getattr(getattr(item, "callspec", None), "params", {}) for item in request.session.items]
    selected = sorted({p["variant"].name for p in params if "variant" in p})
    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # xdist: the workers share the parent of their basetemp
        root = root.parent
    key = hashlib.sha1(" ".join(selected).encode()).hexdigest()[:12]
    done = root / f"meta-batch-{key}.json"
    with open(root / "meta-batch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            work = root / f"meta-runs-{key}"
            work.mkdir(exist_ok=True)
            done.write_text(json.dumps(_batch(selected, work)), encoding="utf-8")
    saved = os.environ.get("CONFORMANCE_META_SAVE")  # a copy for looking into a session's runs
    if saved:
        Path(saved).write_text(done.read_text(encoding="utf-8"), encoding="utf-8")
    return Batch({k: RunResult.from_json(v) for k, v in json.loads(done.read_text(encoding="utf-8")).items()})


@pytest.fixture
def baseline_ok(batch: Batch) -> Iterator[None]:
    problem = baseline_problem(batch["baseline"], ALL_IDS)
    if problem:
        pytest.fail(f"the unmodified reference implementation does not pass, no variant can be judged: {problem}")
    yield


def _verdict(variant: Variant, result: RunResult) -> Verdict:
    return Verdict(variant, result, controls(variant, ALL_IDS, RECORDED))


@pytest.mark.parametrize("variant", CI_VARIANTS, ids=[v.name for v in CI_VARIANTS])
def test_variant_is_caught(variant: Variant, batch: Batch, baseline_ok: None) -> None:
    verdict = _verdict(variant, batch[variant.name])
    assert verdict.caught, verdict.explain()


def test_the_unmodified_implementation_passes_the_whole_suite(batch: Batch) -> None:
    """The baseline the batch runs first: every scenario passes without a variant."""
    result = batch["baseline"]
    assert baseline_problem(result, ALL_IDS) is None
    assert sorted(result.passed) == sorted(ALL_IDS)
    # Without a fault nothing is killed: a variant that injected nothing would survive.
    assert not _verdict(get_variant("policy-false-ignored"), result).caught


def test_a_wrongly_declared_id_fails_the_meta_test(batch: Batch, baseline_ok: None) -> None:
    """The meta-test can fail: a variant that does not make a declared scenario fail is not caught."""
    real = get_variant("policy-false-ignored")
    wrong = dataclasses.replace(real, kills=(*real.kills, WRONG_ID))
    verdict = Verdict(wrong, batch["self:wrong-id"], controls(real, ALL_IDS, RECORDED))
    assert verdict.status == "survived"
    assert verdict.missing == [WRONG_ID]
    assert f"declared scenarios were not killed: {WRONG_ID} passed" in verdict.explain()


def test_a_crash_answering_500_is_not_a_kill(batch: Batch, baseline_ok: None) -> None:
    variant = get_variant("selftest-everything-500")
    verdict = _verdict(variant, batch[f"self:{variant.name}"])
    assert set(verdict.result.failed) >= set(variant.kills), "the crash makes the declared scenarios fail"
    assert verdict.missing == list(variant.kills) and verdict.status == "survived"
    assert "failed only by a 5xx: status: expected 201, got 500" in verdict.explain()


def test_a_variant_that_breaks_everything_is_too_broad(batch: Batch, baseline_ok: None) -> None:
    """Declared as being about a 500, the same crash kills its scenarios, but its controls fail too."""
    variant = get_variant("selftest-everything-500-declared")
    verdict = _verdict(variant, batch[f"self:{variant.name}"])
    assert verdict.missing == [], "as a variant about a 500, its declared scenarios are killed"
    assert verdict.status == "too-broad" and not verdict.caught
    assert verdict.broken_controls == verdict.controls and len(verdict.controls) == CONTROL_SIZE
    assert "too broad: scenarios it does not declare fail too" in verdict.explain()


def test_a_failed_set_up_is_not_a_kill(batch: Batch, baseline_ok: None) -> None:
    variant = get_variant("selftest-setup-broken")
    verdict = _verdict(variant, batch[f"self:{variant.name}"])
    assert set(verdict.result.failed) >= set(variant.kills)
    assert verdict.missing == list(variant.kills) and verdict.status == "survived"
    # The reference proves the ``seed`` capability: set-up tables go through its seed endpoint.
    assert "failed in its set-up: set-up failed: seeding 1 articles answered 400" in verdict.explain()


def test_a_run_that_exits_2_with_the_declared_reason_catches_the_variant(batch: Batch,
                                                                         baseline_ok: None) -> None:
    variant = get_variant("selftest-protocol-99")
    result = batch[f"self:{variant.name}"]
    assert result.exit_code == 2 and "protocol" in result.reason
    assert _verdict(variant, result).caught
    # Another reason, or no exit2 declared: the refused run is an error, not a catch.
    for other in (dataclasses.replace(variant, exit2=r"webhook"), dataclasses.replace(variant, exit2=None)):
        verdict = _verdict(other, result)
        assert verdict.status == "error" and "the run gave no answer: exit code 2" in verdict.explain()


def test_a_forked_run_says_what_a_fresh_process_says(batch: Batch, baseline_ok: None) -> None:
    forked, fresh = batch["policy-false-ignored"], batch["self:fresh"]
    assert fresh.exit_code == forked.exit_code == 1
    assert fresh.scenarios == forked.scenarios


def test_runs_make_items_of_the_selected_scenarios_only_with_the_same_catalogue(tmp_path: Path) -> None:
    """The runs' ``--collect-selected`` (runner.ADDOPTS): no item for the scenarios outside ``--id``,
    and the same report coverage (catalogue, levels, capabilities) as deselecting them."""
    from tests.harness_helpers import read_report, run_cli

    coverage = {}
    for opts in ("", "--collect-selected"):
        out = tmp_path / (opts or "deselecting")
        done = run_cli("run", "--id", "PO-001", "--id", "WH-010", "--report-dir", str(out),
                       env={"PYTEST_ADDOPTS": opts})
        assert done.returncode == 0, done.stdout + done.stderr
        assert (f"{len(ALL_IDS) - 2} deselected" in done.stdout) == (not opts), done.stdout
        coverage[opts] = read_report(out)["coverage"]
    assert coverage["--collect-selected"] == coverage[""]
    assert coverage[""]["catalogue"] == len(ALL_IDS) and coverage[""]["selected"] == 2


def test_a_run_probes_only_the_capabilities_its_scenarios_need() -> None:
    """runner.probe_only: a selection's needs (its features' tags included), the webhook steps'
    idle probe with webhooks, seed and content-types always; every probe for the whole suite and for a
    variant caught by a refused start (its point may be a failing probe)."""
    only = probe_only("policy-false-ignored", ["PO-001", "WH-010", "BV-027"])
    assert only == "content-types,control,i18n,seed,trace,webhooks,webhooks-idle"
    assert probe_only("policy-false-ignored", ["PO-001"]) == "content-types,control,seed,trace"
    assert probe_only("policy-false-ignored", None) is None
    assert probe_only("hollow-trace-declared-but-empty", ["PO-001"]) is None
    assert probe_only(None, ["GM-016"]) == ",".join(sorted(ALWAYS_PROBED))


def test_probe_only_leaves_the_other_capabilities_declared_but_unverified(tmp_path: Path) -> None:
    from tests.harness_helpers import read_report, run_cli

    done = run_cli("run", "--id", "GM-016", "--report-dir", str(tmp_path),
                   env={"PYTEST_ADDOPTS": "--probe-only=seed,content-types"})
    assert done.returncode == 0, done.stdout + done.stderr
    target = read_report(tmp_path)["target"]
    assert target["capabilities"]["verified"] == ["content-types", "seed"]
    assert {"trace", "control", "webhooks", "i18n"} <= set(target["capabilities"]["declared"])
    assert target["probes"]["webhooks"] == "not verified: not probed (--probe-only)"


def test_failures_are_classified_by_step_and_message() -> None:
    def failed(kind: str, message: str) -> Scenario:
        return Scenario("XX-001", "failed", message, kind)

    assert failed("then", "error: status: expected 403, got 200").failure_kind(False) == KILL
    assert failed("then", "status: expected 200, got 500").failure_kind(False) == CRASH
    assert failed("then", "error: status: expected 403, got 503").failure_kind(True) == KILL
    assert failed("then", "status: expected 500, got 200").failure_kind(False) == KILL
    assert failed("given", "status: expected 200, got 201").failure_kind(False) == SETUP
    assert failed("when", "harness error: GET /x failed").failure_kind(False) == SETUP
    assert failed(None, "error in set-up").failure_kind(False) == SETUP  # type: ignore[arg-type]
    assert failed("then", "set-up failed: logging in answered 500").failure_kind(False) == SETUP
    assert failed("then", "harness error: no request has been sent yet").failure_kind(False) == HARNESS
    assert failed("then", "KeyError: 'data'").failure_kind(False) == HARNESS
    assert failed("then", "error.details: expected exactly {}, got None").failure_kind(False) == KILL


def test_and_steps_take_the_kind_of_the_step_before() -> None:
    from .runner import _failed_step

    steps = [{"keyword": "Given", "status": "passed"}, {"keyword": "And", "status": "passed"},
             {"keyword": "When", "status": "passed"}, {"keyword": "Then", "status": "passed"},
             {"keyword": "And", "status": "failed"}]
    assert _failed_step(steps) == "then"
    assert _failed_step(steps[:2] + [{"keyword": "And", "status": "failed"}]) == "given"
    assert _failed_step([{"keyword": "When", "status": "undefined"}]) == "when"


def test_controls_leave_out_what_failed_in_the_last_full_run() -> None:
    variant = get_variant("policy-false-ignored")
    recorded = {variant.name: {"failed": ALL_IDS[: len(ALL_IDS) // 2], "skipped_ids": ALL_IDS[-3:]}}
    chosen = controls(variant, ALL_IDS, recorded)
    assert len(chosen) == CONTROL_SIZE and chosen == controls(variant, ALL_IDS, recorded)
    assert not set(chosen) & (set(recorded[variant.name]["failed"]) | set(ALL_IDS[-3:]) | set(variant.kills))
    everything = {variant.name: {"failed": ALL_IDS}}
    assert controls(variant, ALL_IDS, everything) == []
    assert _verdict(variant, RunResult()).controls  # with the committed record there are candidates


def test_a_full_run_is_too_broad_when_almost_nothing_else_passes() -> None:
    variant = get_variant("policy-false-ignored")

    def run(passing_share: float) -> RunResult:
        others = [sid for sid in ALL_IDS if sid not in variant.kills]
        cut = int(len(others) * passing_share)
        scenarios = {sid: Scenario(sid, "failed", "status: expected 403, got 200", "then") for sid in variant.kills}
        scenarios.update({sid: Scenario(sid, "passed") for sid in others[:cut]})
        scenarios.update({sid: Scenario(sid, "failed", "body: expected 1, got 2", "then") for sid in others[cut:]})
        return RunResult(scenarios, 1)

    assert Verdict(variant, run(0.5), full=True).status == "caught"
    broad = Verdict(variant, run(0.05), full=True)
    assert broad.status == "too-broad" and "only 5% of the scenarios it does not declare pass" in broad.explain()


def test_a_run_without_answer_is_not_a_catch() -> None:
    verdict = _verdict(get_variant("policy-false-ignored"), RunResult(error="exit code 2: target did not start"))
    assert not verdict.caught and "no answer" in verdict.explain()


def test_the_catalogue_is_well_formed() -> None:
    assert len(VARIANTS) >= 30
    unknown = {v.name: [sid for sid in v.kills if sid not in ALL_IDS] for v in [*VARIANTS, *SELFTEST.values()]}
    assert not {k: ids for k, ids in unknown.items() if ids}, "variants declare ids the suite does not have"
    assert all(v.description and v.layer for v in VARIANTS)
    assert set(PENDING_HARNESS) <= set(REGISTRY), "PENDING_HARNESS names variants that do not exist"
    assert all(PENDING_HARNESS.values()), "say what will catch each pending variant"


def test_the_committed_mutants_json_matches_the_catalogue() -> None:
    """reports/meta/mutants.json is the full run of the current catalogue: regenerate it with
    ``python -m tests.meta`` after changing variants."""
    document = json.loads(MUTANTS_JSON.read_text(encoding="utf-8"))
    assert document["mode"] == "full"
    assert [r["name"] for r in document["results"]] == [v.name for v in VARIANTS]
    assert document["score"] == 1.0, "every variant outside PENDING_HARNESS is caught"
    assert set(document["pending_harness"]) == set(PENDING_HARNESS)
    explained = explained_ids()
    assert set(document["unkilled"]) <= explained, f"explain every unkilled scenario in {UNKILLED_MD.name}"
    assert explained <= set(ALL_IDS), f"{UNKILLED_MD.name} names scenarios the suite does not have"
