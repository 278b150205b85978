"""Runs the suite against variants and judges each run.

Every run is a ``conformance run`` against the in-process reference with one variant applied at
start-up by the ``tests.meta.inject`` plugin; its outcome is read from the run's report.json.  Runs
are forked from a warm server process (``tests.meta.server``), or started as fresh processes where
``os.fork`` is missing or ``CONFORMANCE_META_FORK=0``.

A declared scenario counts as killed only when it failed on its own assertion: in a Then step, not
with a harness error or a Python exception, and not on "status: expected N, got 5xx" unless the
variant is about a 5xx (``crash_ok``).  A variant is caught when every declared scenario is killed
and a deterministic sample of the scenarios it is not expected to affect (its controls: they passed
under it in the last full run) still passes; in a full run, when at least ``BROAD_SHARE`` of the
scenarios it does not declare pass.  Or, when it declares ``exit2``, when the run exits 2 with a reason matching it.
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from conformance.report.writers import ONLY_JSON_ENV

from .inject import ENV_VARIANT
from .variants import Variant, get_variant

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 600.0
# A full run is too broad when fewer than this share of the scenarios it does not declare pass.
BROAD_SHARE = 0.1
CONTROL_SIZE = 4  # undeclared scenarios that must still pass under a variant (each costs ~20 ms a run)
FAILED_OUTCOMES = ("failed", "unexpected_pass")
# Outcomes do not depend on assertion rewriting or on pytest's own tracebacks (steps raise their own
# failures, the report keeps their messages); the schemathesis plugin is not used by runs; test items
# are made for the selected scenarios only (the report's catalogue and coverage do not change).
ADDOPTS = "--assert=plain -p no:schemathesis --tb=native --collect-selected"
# pytest's own plugins that a run never uses (the suite has no doctests, unittest classes, tmp_path or
# recwarn fixtures; the report writers make the JUnit file, not pytest): each costs its registration
# and hooks in every run.
UNUSED_PLUGINS = ("doctest", "pastebin", "junitxml", "legacypath", "tmpdir", "recwarn", "setuponly", "setupplan",
                  "stepwise", "unittest", "faulthandler", "subtests", "debugging")
ADDOPTS += "".join(f" -p no:{name}" for name in UNUSED_PLUGINS)
_STATUS_5XX = re.compile(r"\bstatus: expected \d{3}, got 5\d\d\b")
_NOT_AN_ASSERTION = re.compile(r"^(?:harness error|[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)):")
_REASON = re.compile(r"conformance: (.+?)\s*!*\s*$")

# How a declared scenario failed: only KILL counts.
KILL, CRASH, SETUP, HARNESS = "kill", "5xx", "set-up", "harness"


def scenario_ids() -> list[str]:
    """Every scenario id of the suite, in feature-file order."""
    from conformance.scenarios import load_catalogue
    from conformance.suite import features_dir

    return [s.id for s in load_catalogue(features_dir()) if s.id]


@dataclass(frozen=True)
class Scenario:
    """One scenario's outcome in a run, with the step kind that failed (given, when, then)."""

    id: str
    outcome: str
    message: str = ""
    failed_in: str | None = None

    def failure_kind(self, crash_ok: bool) -> str:
        if self.failed_in != "then" or self.message.startswith("set-up failed"):
            return SETUP
        if _NOT_AN_ASSERTION.match(self.message):
            return HARNESS
        if _STATUS_5XX.search(self.message) and not crash_ok:
            return CRASH
        return KILL


def _failed_step(steps: Sequence[dict[str, Any]]) -> str | None:
    """The kind of the first failed step; And/But take the kind of the step before them."""
    kind: str | None = None
    for step in steps:
        keyword = str(step.get("type") or step.get("keyword") or "").strip().lower()
        if keyword in ("given", "when", "then"):
            kind = keyword
        if step.get("status") in ("failed", "undefined"):
            return kind
    return None


@dataclass
class RunResult:
    """What one run of the suite gave: each scenario's outcome, or why there is no answer."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    exit_code: int | None = None
    reason: str = ""  # what the run said when it refused to start (exit 2)
    error: str | None = None  # no usable answer: timeout, crash, exit 2
    cpu_s: float | None = None
    usage: dict[str, float] = field(default_factory=dict)  # a forked run's user_s, sys_s, minor_faults

    @property
    def ran(self) -> list[str]:
        return list(self.scenarios)

    @property
    def failed(self) -> list[str]:
        return [sid for sid, s in self.scenarios.items() if s.outcome in FAILED_OUTCOMES]

    @property
    def passed(self) -> list[str]:
        return [sid for sid, s in self.scenarios.items() if s.outcome == "passed"]

    @property
    def skipped(self) -> list[str]:
        return [sid for sid, s in self.scenarios.items() if s.outcome == "skipped"]

    def kills(self, crash_ok: bool = False) -> list[str]:
        """Failed ids whose own assertions failed."""
        return [sid for sid in self.failed if self.scenarios[sid].failure_kind(crash_ok) == KILL]

    def failed_as(self, kind: str, crash_ok: bool = False) -> list[str]:
        return [sid for sid in self.failed if self.scenarios[sid].failure_kind(crash_ok) == kind]

    def to_json(self) -> dict[str, Any]:
        return {"scenarios": [vars(s) for s in self.scenarios.values()], "exit_code": self.exit_code,
                "reason": self.reason, "error": self.error, "cpu_s": self.cpu_s, "usage": self.usage}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        return cls({s["id"]: Scenario(**s) for s in data["scenarios"]}, data["exit_code"], data["reason"],
                   data["error"], data["cpu_s"], data.get("usage") or {})

    @classmethod
    def from_report(cls, report: dict[str, Any], exit_code: int | None = None) -> RunResult:
        scenarios = {}
        for s in report.get("scenarios", []):
            failed = s.get("outcome") in FAILED_OUTCOMES
            scenarios[s["id"]] = Scenario(s["id"], s.get("outcome", ""), str(s.get("message") or ""),
                                          _failed_step(s.get("steps") or []) if failed else None)
        return cls(scenarios, exit_code)


def _reason(stdout: str, stderr: str) -> str:
    """The lines a refused run gave as its reason ("conformance: ..."), else the end of its stderr."""
    found = [m.group(1) for line in (stderr + "\n" + stdout).splitlines() if (m := _REASON.search(line))]
    if found:
        return " | ".join(dict.fromkeys(found))
    return " | ".join(line for line in stderr.strip().splitlines()[-3:] if line.strip())


def _read_run(report_dir: Path, code: int | None, stdout: str, stderr: str, timeout_s: float) -> RunResult:
    if code is None:
        return RunResult(error=f"no answer within {timeout_s:.0f}s")
    report = report_dir / "report.json"
    if code in (0, 1) and report.is_file():
        return RunResult.from_report(json.loads(report.read_text(encoding="utf-8")), code)
    reason = _reason(stdout, stderr)
    return RunResult(exit_code=code, reason=reason, error=f"exit code {code}: {reason}")


def run_command(report_dir: Path, ids: Sequence[str] | None) -> list[str]:
    """``conformance run`` arguments for the in-process reference; ``ids`` None runs every scenario."""
    return ["run", "--target", "reference", "--report-dir", str(report_dir), *[f"--id={sid}" for sid in ids or []]]


# Probed in every run of a selection: the set-up steps seed through the seed endpoint when it is
# verified (conformance/steps/data.py), and content-types is the one every target is assumed to have.
ALWAYS_PROBED = frozenset({"seed", "content-types"})


@functools.cache
def _needs() -> dict[str, frozenset[str]]:
    """Per scenario id, the capabilities its tags (the feature's included) say it needs."""
    from conformance.scenarios import load_catalogue
    from conformance.suite import features_dir

    return {s.id: frozenset(t.split(":", 1)[1] for t in s.tags if t.startswith("needs:"))
            for s in load_catalogue(features_dir()) if s.id}


def probe_only(variant_name: str | None, ids: Sequence[str] | None) -> str | None:
    """``--probe-only`` for a run of ``ids``: the capabilities they need, the webhook steps' latency
    probe with webhooks, and ALWAYS_PROBED; None (every probe) for a whole-suite run and for a variant
    caught by a refused start (exit2): its point may be a probe that fails."""
    if ids is None or (variant_name and get_variant(variant_name).exit2):
        return None
    needs = _needs()
    wanted = set(ALWAYS_PROBED).union(*(needs.get(sid, frozenset()) for sid in ids))
    if "webhooks" in wanted:
        wanted.add("webhooks-idle")
    return ",".join(sorted(wanted))


def _run_env(variant_name: str | None, ids: Sequence[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Variables to set and to unset for a run."""
    addopts = " ".join(filter(None, (os.environ.get("PYTEST_ADDOPTS"), ADDOPTS)))
    # Probes of capabilities no selected scenario needs prove nothing the run is judged on (the
    # scenarios' outcomes); they cost a tenth of a variant's run.
    only = probe_only(variant_name, ids)
    if only is not None:
        addopts += f" --probe-only={only}"
    # Only report.json is read (_read_run): junit.xml and report.html are not written.
    env = {"PYTEST_PLUGINS": "tests.meta.inject", "PYTEST_ADDOPTS": addopts, ONLY_JSON_ENV: "json"}
    unset = ["CONFORMANCE_FEATURES"]
    if variant_name:
        env[ENV_VARIANT] = variant_name
    else:
        unset.append(ENV_VARIANT)
    return env, unset


def _python_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)}
    env.pop("CONFORMANCE_FEATURES", None)
    env.pop(ENV_VARIANT, None)
    return env


JOBS_ENV = "CONFORMANCE_META_JOBS"


def batch_jobs() -> int:
    """Runs at a time: one per core and one more to fill the cores while runs wait (webhook windows).
    More only add contention: each run's waits stretch and it burns more CPU (8 at a time on 2 cores
    cost a fifth more CPU per run than 2); ``CONFORMANCE_META_JOBS`` sets it (python -m tests.meta.bench)."""
    value = os.environ.get(JOBS_ENV, "").strip()
    if not value:
        return (os.cpu_count() or 1) + 1
    if not value.isdigit() or int(value) == 0:
        raise ValueError(f"{JOBS_ENV}={value!r}: expected a positive whole number of runs at a time")
    return int(value)


def fork_available() -> bool:
    return hasattr(os, "fork") and os.environ.get("CONFORMANCE_META_FORK", "1") != "0"


class SuiteRunner:
    """Runs the suite with a variant applied; thread-safe, use as a context manager.

    With ``fork`` (the default where available) one warm server process forks every run; otherwise
    each run is a fresh ``python -m conformance.cli`` process.
    """

    def __init__(self, fork: bool | None = None, work_dir: Path | None = None) -> None:
        self.fork = fork_available() if fork is None else fork
        self.work_dir = work_dir
        self._server: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._waiting: dict[str, Future[tuple[int | None, dict[str, Any]]]] = {}
        self._count = 0
        self._reader: threading.Thread | None = None
        self._server_error: str | None = None

    def __enter__(self) -> SuiteRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the server ------------------------------------------------------------------------------------

    def _start_server(self) -> subprocess.Popen[str]:
        server = subprocess.Popen([sys.executable, "-m", "tests.meta.server"], cwd=REPO_ROOT, env=_python_env(),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert server.stdout is not None
        ready = server.stdout.readline()
        if not ready.strip():
            raise RuntimeError(f"the meta server did not start (exit code {server.wait()})")
        self._reader = threading.Thread(target=self._read_answers, args=(server.stdout,), daemon=True,
                                        name="meta-server-answers")
        self._reader.start()
        return server

    def _read_answers(self, stream: IO[str]) -> None:
        for line in stream:
            answer = json.loads(line)
            with self._lock:
                future = self._waiting.pop(str(answer.get("key")), None)
            if future is not None:
                future.set_result((answer.get("code"), answer))
        with self._lock:  # the server ended: nothing more will be answered
            self._server_error = "the meta server ended"
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(RuntimeError("the meta server ended before answering"))

    def _forked(self, argv: list[str], env: dict[str, str], unset: list[str], out: Path,
                timeout_s: float) -> tuple[int | None, dict[str, Any]]:
        """The run forked from the server: its exit code and the server's answer (cpu_s, user_s, ...)."""
        future: Future[tuple[int | None, dict[str, Any]]] = Future()
        with self._lock:
            if self._server is None:
                self._server = self._start_server()
            if self._server_error:
                raise RuntimeError(self._server_error)
            self._count += 1
            key = str(self._count)
            self._waiting[key] = future
            assert self._server.stdin is not None
            self._server.stdin.write(json.dumps({"key": key, "argv": argv, "env": env, "unset": unset,
                                                 "out": str(out), "timeout_s": timeout_s,
                                                 "receiver": "thread"}) + "\n")
            self._server.stdin.flush()
        return future.result()

    def _fresh(self, argv: list[str], env: dict[str, str], unset: list[str], out: Path,
               timeout_s: float) -> tuple[int | None, dict[str, Any]]:
        full = {**_python_env(), **env}
        for name in unset:
            full.pop(name, None)
        with open(f"{out}.stdout", "w") as so, open(f"{out}.stderr", "w") as se:
            try:
                proc = subprocess.run([sys.executable, "-m", "conformance.cli", *argv], cwd=REPO_ROOT, env=full,
                                      stdout=so, stderr=se, timeout=timeout_s)
            except subprocess.TimeoutExpired:
                return None, {}
        return proc.returncode, {}

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            assert server.stdin is not None
            server.stdin.close()
            try:
                server.wait(timeout=RUN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    # -- runs ------------------------------------------------------------------------------------------

    def run(self, variant_name: str | None, ids: Sequence[str] | None = None,
            timeout_s: float = RUN_TIMEOUT_S) -> RunResult:
        """One run with ``variant_name`` applied (None: the unmodified reference); ``ids`` None runs all."""
        tmp = Path(tempfile.mkdtemp(prefix="conformance-meta-", dir=self.work_dir))
        try:
            report_dir, out = tmp / "report", tmp / "run"
            env, unset = _run_env(variant_name, ids)
            argv = run_command(report_dir, ids)
            try:
                code, answer = (self._forked if self.fork else self._fresh)(argv, env, unset, out, timeout_s)
            except RuntimeError as exc:
                return RunResult(error=str(exc))
            stdout = Path(f"{out}.stdout").read_text(errors="replace") if Path(f"{out}.stdout").is_file() else ""
            stderr = Path(f"{out}.stderr").read_text(errors="replace") if Path(f"{out}.stderr").is_file() else ""
            result = _read_run(report_dir, code, stdout, stderr, timeout_s)
            result.cpu_s = answer.get("cpu_s")
            result.usage = {k: answer[k] for k in ("user_s", "sys_s", "minor_faults") if k in answer}
            return result
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def run_suite(variant_name: str | None, ids: Sequence[str] | None = None, work_dir: Path | None = None,
              timeout_s: float = RUN_TIMEOUT_S, fork: bool | None = None) -> RunResult:
    """One run on its own runner (a test's convenience; batches share one ``SuiteRunner``)."""
    with SuiteRunner(fork, work_dir) as runner:
        return runner.run(variant_name, ids, timeout_s)


# -- judging --------------------------------------------------------------------------------------------


Recorded = dict[str, dict[str, Any]]  # variant name -> its entry of reports/meta/mutants.json


def controls(variant: Variant, all_ids: Sequence[str], recorded: Recorded | None = None,
             size: int = CONTROL_SIZE) -> list[str]:
    """Scenarios the variant is not expected to affect, the same sample every time for this variant.

    Drawn from the undeclared scenarios that passed under the variant in the last full run (what
    failed or was skipped there is left out); a variant without a record draws from every undeclared
    scenario.  Fewer than ``size`` candidates means the variant breaks (nearly) everything.
    """
    entry = (recorded or {}).get(variant.name)
    left_out = set(variant.kills)
    if entry is not None:
        left_out |= set(entry.get("failed", [])) | set(entry.get("skipped_ids", []))
    candidates = [sid for sid in all_ids if sid not in left_out]
    picked = set(random.Random(variant.name).sample(candidates, min(size, len(candidates))))
    return [sid for sid in all_ids if sid in picked]


def quick_selection(variant: Variant, all_ids: Sequence[str], recorded: Recorded | None = None) -> list[str]:
    """The declared ids plus the controls."""
    chosen = set(variant.kills) | set(controls(variant, all_ids, recorded))
    return [sid for sid in all_ids if sid in chosen]


@dataclass
class Verdict:
    variant: Variant
    result: RunResult
    controls: list[str] = field(default_factory=list)
    full: bool = False  # the run was the whole suite

    @property
    def by_exit2(self) -> bool:
        v, r = self.variant, self.result
        return bool(v.exit2 and r.exit_code == 2 and re.search(v.exit2, r.reason, re.IGNORECASE))

    @property
    def killed(self) -> list[str]:
        return self.result.kills(self.variant.crash_ok)

    @property
    def missing(self) -> list[str]:
        """Declared ids that were not killed (passed, skipped, or failed in set-up, by a crash, ...)."""
        killed = set(self.killed)
        return [sid for sid in self.variant.kills if sid not in killed]

    @property
    def broken_controls(self) -> list[str]:
        """Controls that did not pass, and why the variant is too broad when there are too few."""
        passed = set(self.result.passed)
        return [sid for sid in self.controls if sid not in passed]

    @property
    def undeclared_passing_share(self) -> float:
        declared = set(self.variant.kills)
        undeclared = [sid for sid in self.result.ran if sid not in declared]
        passed = set(self.result.passed)
        return sum(sid in passed for sid in undeclared) / len(undeclared) if undeclared else 0.0

    @property
    def too_broad(self) -> bool:
        if self.full:  # the whole suite ran: what it leaves standing is known, no sample needed
            return self.undeclared_passing_share < BROAD_SHARE
        return bool(self.broken_controls) or len(self.controls) < CONTROL_SIZE

    @property
    def status(self) -> str:
        """caught, survived (a declared id was not killed), too-broad, or error (no usable run)."""
        if self.by_exit2:
            return "caught"
        if self.result.error is not None:
            return "error"
        if self.missing:
            return "survived"
        return "too-broad" if self.too_broad else "caught"

    @property
    def caught(self) -> bool:
        return self.status == "caught"

    def _why(self, sid: str) -> str:
        s = self.result.scenarios.get(sid)
        if s is None:
            return f"{sid} not run"
        if s.outcome not in FAILED_OUTCOMES:
            return f"{sid} {s.outcome}"
        kind = s.failure_kind(self.variant.crash_ok)
        label = {SETUP: "failed in its set-up", CRASH: "failed only by a 5xx", HARNESS: "failed with a harness error"}
        return f"{sid} {label.get(kind, 'failed')}: {s.message}"

    def explain(self) -> str:
        v, r = self.variant, self.result
        status = self.status
        if status == "caught":
            if self.by_exit2:
                return f"variant {v.name}: caught: the run exited 2: {r.reason}"
            return f"variant {v.name}: caught by {' '.join(self.killed)}"
        if status == "error":
            return f"variant {v.name}: the run gave no answer: {r.error}"
        if status == "survived":
            return f"variant {v.name}: declared scenarios were not killed: " + "; ".join(map(self._why, self.missing))
        if self.full:
            return (f"variant {v.name}: too broad: only {100 * self.undeclared_passing_share:.0f}% of the scenarios "
                    f"it does not declare pass (at least {100 * BROAD_SHARE:.0f}% must)")
        if len(self.controls) < CONTROL_SIZE:
            return (f"variant {v.name}: too broad: fewer than {CONTROL_SIZE} scenarios it does not declare passed "
                    "under it in the last full run")
        return (f"variant {v.name}: too broad: scenarios it does not declare fail too: "
                + "; ".join(map(self._why, self.broken_controls)))

    def as_json(self) -> dict[str, Any]:
        v, r = self.variant, self.result
        out: dict[str, Any] = {
            "name": v.name, "layer": v.layer, "description": v.description, "declares": list(v.kills),
            "crash_ok": v.crash_ok, "exit2": v.exit2, "pending": v.pending,
            "status": self.status, "caught": self.caught, "missing": self.missing,
            "controls": self.controls, "broken_controls": self.broken_controls,
            "exit_code": r.exit_code, "error": r.error, "ran": len(r.ran),
            "failed": r.failed, "killed": self.killed,
            "failed_in_setup": r.failed_as(SETUP, v.crash_ok), "failed_by_5xx": r.failed_as(CRASH, v.crash_ok),
            "failed_by_harness_error": r.failed_as(HARNESS, v.crash_ok),
            "skipped_ids": r.skipped,
            "undeclared_passing_share": round(self.undeclared_passing_share, 3),
        }
        if self.by_exit2:
            out["exit2_reason"] = r.reason
        return out


@dataclass(frozen=True)
class Plan:
    """One variant's run: which ids (None: the whole suite) and which of them are controls."""

    variant: Variant
    ids: list[str] | None
    controls: list[str]


def plan(variant: Variant, all_ids: Sequence[str], recorded: Recorded | None, quick: bool) -> Plan:
    """A quick plan runs the declared ids and the controls; a full one runs everything (no controls:
    the run shows what the variant leaves standing)."""
    if quick:
        return Plan(variant, quick_selection(variant, all_ids, recorded), controls(variant, all_ids, recorded))
    return Plan(variant, None, [])


def judge_all(plans: Iterable[Plan], runner: SuiteRunner, jobs: int = 4,
              progress: Callable[[Verdict], None] | None = None) -> list[Verdict]:
    """Run every plan, ``jobs`` runs at a time (runs wait on I/O part of the time: more than cores)."""

    def one(p: Plan) -> Verdict:
        verdict = Verdict(p.variant, runner.run(p.variant.name, p.ids), p.controls, full=p.ids is None)
        if progress is not None:
            progress(verdict)
        return verdict

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, plans))


def baseline_problem(result: RunResult, ids: Sequence[str] | None = None) -> str | None:
    """Why the unmodified reference's run cannot serve as the baseline, or None when it passes."""
    if result.error is not None:
        return f"the run gave no answer: {result.error}"
    not_passed = [sid for sid in result.ran if sid not in set(result.passed)]
    if not_passed:
        return f"{len(not_passed)} scenarios did not pass: " + "; ".join(
            f"{sid} {result.scenarios[sid].outcome}: {result.scenarios[sid].message}" for sid in not_passed[:5])
    missing = [sid for sid in ids or [] if sid not in result.scenarios]
    if missing:
        return f"scenarios were not run: {' '.join(missing[:10])}"
    return None


def unkilled(all_ids: Sequence[str], verdicts: Iterable[Verdict]) -> list[str]:
    """Scenarios that no variant killed on their own assertions (set-up failures, crashes do not count)."""
    killed = {sid for v in verdicts for sid in v.killed}
    return [sid for sid in all_ids if sid not in killed]


def load_recorded(path: Path) -> Recorded:
    """Per variant, its entry of a committed mutants.json (empty when there is none)."""
    if not path.is_file():
        return {}
    document = json.loads(path.read_text(encoding="utf-8"))
    return {r["name"]: r for r in document.get("results", [])}
