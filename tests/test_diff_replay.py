"""``conformance diff``'s faster paths give the verdicts of the plain ones: the oracle's second run only
where a verdict can depend on it, a cached plan, answers read without an httpx.Response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.diff import command as diff_command
from conformance.diff.command import Replayed, _cases, _replay
from conformance.diff.compare import Answer, compare
from conformance.diff.plan import Plan, Sequence, Step

# Fields that say how fast a run was or how it was done, not what it found.
HOW = ("duration_s", "replay_s", "replay_cpu_s", "cases_per_second", "line", "plan", "noise_check",
       "oracle_second_run_sequences", "requests")


class _Scripted:
    """A World whose answers come from a table: ``answers[index]`` per sequence; records what it replayed."""

    def __init__(self, answers: dict[int, list[Answer]]) -> None:
        self.answers = answers
        self.replayed: list[int] = []

    def run_sequence(self, index: int, _sequence: Sequence) -> list[Answer]:
        self.replayed.append(index)
        return self.answers[index]

    def run_each(self, plan: Plan, indices: Any, done: Any) -> None:
        for index in indices:
            done(index, self.run_sequence(index, plan.sequences[index]))


def _step(operation: str) -> Step:
    method, path = operation.split(" ", 1)
    return Step(operation, method, path)


def _ok(rank: int = 1, title: str = "t") -> Answer:
    return Answer(200, {}, {"data": {"title": title, "rank": rank}})


def _scripted_plan() -> tuple[Plan, _Scripted, _Scripted, _Scripted]:
    """Sequence 0: A and B differ on GET /x's rank. Sequence 1: GET /x again, A and B agree, but the oracle
    disagrees with itself on rank (noise, which excuses sequence 0's difference). Sequence 2: only GET /y,
    where nothing differs; the oracle's second answer there would be noisy too, on an operation no
    verdict depends on."""
    plan = Plan(1, 4, [Sequence("stateful", [_step("GET /x")]), Sequence("stateful", [_step("GET /y"), _step("GET /x")]),
                       Sequence("stateful", [_step("GET /y")])])
    a = _Scripted({0: [_ok(rank=5)], 1: [_ok(), _ok()], 2: [_ok()]})
    b = _Scripted({0: [_ok()], 1: [_ok(), _ok()], 2: [_ok()]})
    c = _Scripted({0: [_ok()], 1: [_ok(), _ok(rank=2)], 2: [_ok(rank=9)]})
    return plan, a, b, c


def _go(plan: Plan, a: Any, b: Any, c: Any, oracle_runs: str, noise_check: str, parallel: bool) -> Replayed:
    return _replay(plan, a, b, lambda: c, oracle_runs, None, noise_check, parallel)


@pytest.mark.parametrize("oracle_runs", ["separate", "same"])
@pytest.mark.parametrize("parallel", [True, False])
def test_the_oracle_answers_again_exactly_the_sequences_holding_an_operation_a_and_b_differ_on(
        oracle_runs: str, parallel: bool) -> None:
    plan, a, b, c = _scripted_plan()
    replayed = _go(plan, a, b, c, oracle_runs, "needed", parallel)
    assert sorted(c.replayed) == [0, 1]  # not 2: no operation of it differs between A and B
    assert replayed.requests == 4 + 4 + 3
    needed = compare(_cases(plan, replayed))
    # The noise learned on sequence 1 excuses sequence 0's difference: every case agrees.
    assert needed.agreeing == needed.total == 4 and needed.raw_divergent == 1 and needed.groups == []
    plan, a, b, c = _scripted_plan()
    every = compare(_cases(plan, _go(plan, a, b, c, oracle_runs, "all", parallel)))
    assert sorted(c.replayed) == [0, 1, 2]
    assert (every.agreeing, every.raw_divergent, every.groups) == (needed.agreeing, needed.raw_divergent, needed.groups)
    # "all" also lists the noise of operations no verdict depends on.
    assert needed.noise.as_json() == {"GET /x": {"data.rank": 1}}
    assert every.noise.as_json() == {"GET /x": {"data.rank": 1}, "GET /y": {"data.rank": 1}}


def test_no_difference_anywhere_asks_the_oracle_nothing_more() -> None:
    plan, _a, b, c = _scripted_plan()
    replayed = _go(plan, b, b, c, "separate", "needed", False)
    assert c.replayed == [] and replayed.c == {}
    assert compare(_cases(plan, replayed)).agreeing == 4


def _run(tmp_path: Path, name: str, *argv: str) -> dict[str, Any]:
    from conformance.cli import main

    folder = tmp_path / name
    main(["diff", "--report-dir", str(folder), *argv])
    return json.loads((folder / "diff.json").read_text(encoding="utf-8"))


def _count_forks(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many oracles were replayed in a child process (``seen["b"]``)."""
    from conformance.diff import forked

    seen: dict[str, int] = {"b": 0}
    original = forked.ForkedWorld.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        seen["b"] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(forked.ForkedWorld, "__init__", init)
    return seen


def _what(data: dict[str, Any]) -> dict[str, Any]:
    """diff.json without when it was written and how fast it went."""
    out = {k: v for k, v in data.items() if k != "generated_at"}
    out["summary"] = {k: v for k, v in data["summary"].items() if k not in HOW}
    return out


def test_the_cached_plan_the_needed_second_run_and_the_forked_oracle_write_the_diff_json_of_the_plain_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_diff import _altered_candidate  # a candidate whose every 404 says "Gone"

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    forked = _count_forks(monkeypatch)
    args = ("--target", "reference", "--against", "reference", "--cases", "30", "--no-manifest")
    _altered_candidate(monkeypatch)
    plain = _run(tmp_path, "plain", *args, "--noise-check", "all")  # draws the plan (and caches it)
    assert forked["b"] == 0
    _altered_candidate(monkeypatch)
    fast = _run(tmp_path, "fast", *args, "--fork")
    assert forked["b"] == 1  # the oracle replayed in a child process
    assert plain["summary"]["plan"] == "drawn" and fast["summary"]["plan"] == "cache"
    assert plain["groups"] and _what(fast) == _what(plain)
    # Not vacuous: the fast run asked the oracle again on fewer sequences, and sent fewer requests.
    assert fast["summary"]["oracle_second_run_sequences"] < plain["summary"]["oracle_second_run_sequences"]
    assert fast["summary"]["requests"] < plain["summary"]["requests"] == 3 * 30


def test_answers_read_from_the_app_directly_equal_answers_read_through_httpx() -> None:
    from conformance.diff.normalise import Normalisation
    from conformance.diff.plan import load_plan
    from conformance.diff.replay import World
    from conformance.fuzz.send import AppClient, direct_client
    from conformance.openapi import fixture_document
    from conformance.targets.reference import ReferenceTarget

    plan, _ = load_plan(fixture_document(), diff_command.DEFAULT_SEED, 30, cache=False)  # 3 sequences, as 45
    direct, plain = ReferenceTarget(), ReferenceTarget()
    try:
        infos = [direct.start(), plain.start()]
        fast = direct_client(direct, 10.0)
        slow = plain.client(10.0)  # the in-process target's own httpx client: httpx.Response and all
        assert isinstance(fast, AppClient) and not hasattr(slow, "exchange")
        worlds = [World("A", client, info.tokens.get("full-access"), Normalisation(), "r")
                  for client, info in zip((fast, slow), infos, strict=True)]
        got: list[dict[int, list[Answer]]] = [{}, {}]
        for world, into in zip(worlds, got, strict=True):
            world.run_each(plan, range(len(plan.sequences)), into.__setitem__)
    finally:
        direct.stop()
        plain.stop()
    as_text = [json.dumps({i: [x.as_json() for x in v] for i, v in g.items()}, sort_keys=True) for g in got]
    assert as_text[0] == as_text[1] and '"content-type": "application/json"' in as_text[0]


def test_an_oracle_that_cannot_start_in_its_child_process_is_exit_2_with_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import main
    from conformance.targets.base import TargetError
    from conformance.targets.reference import ReferenceTarget

    class Unstartable(ReferenceTarget):
        def start(self) -> Any:
            raise TargetError("the oracle cannot start: no room left")

    forked = _count_forks(monkeypatch)
    built = {"n": 0}
    original = diff_command.build_target

    def build(name: Any, **kwargs: Any) -> Any:
        built["n"] += 1
        return Unstartable() if built["n"] == 2 else original(name, **kwargs)  # the oracle's first instance

    monkeypatch.setattr(diff_command, "build_target", build)
    code = main(["diff", "--report-dir", str(tmp_path / "out"), "--target", "reference", "--against", "reference",
                 "--cases", "5", "--no-manifest", "--fork"])
    err = capsys.readouterr().err
    assert code == 2 and forked["b"] == 1
    assert "conformance: the oracle cannot start: no room left" in err and "Traceback" not in err


def test_the_replay_runs_with_the_collector_tuned_and_leaves_it_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: list[tuple[int, ...]] = []
    original = diff_command._replay

    def replay(*args: Any, **kwargs: Any) -> Replayed:
        seen.append(gc.get_threshold())
        assert gc.get_freeze_count() > 0  # start-up's objects set aside
        return original(*args, **kwargs)

    monkeypatch.setattr(diff_command, "_replay", replay)
    before = gc.get_threshold()
    data = _run(tmp_path, "out", "--target", "reference", "--against", "reference", "--cases", "5", "--no-manifest")
    assert seen == [diff_command.REPLAY_GC_THRESHOLD] and data["summary"]["agreement_percent"] == 100.0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
