"""Runs the suite against variants: one ``conformance run`` subprocess per variant, the fault applied
at start-up by the ``tests.meta.inject`` plugin, the outcome read from the run's report.json.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import Variant
from .inject import ENV_VARIANT

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 600.0
SAMPLE_SIZE = 6  # scenarios run besides the declared ones in a quick run
FAILED_OUTCOMES = ("failed", "unexpected_pass")
SETUP_FAILURE = "set-up failed"  # the harness's message when a Given step could not create data


def scenario_ids() -> list[str]:
    """Every scenario id of the suite, in feature-file order."""
    from conformance.catalogue import load_catalogue
    from conformance.suite import features_dir

    return [s.id for s in load_catalogue(features_dir()) if s.id]


@dataclass
class RunResult:
    """What one run of the suite gave: failed and passed ids, or why there is no answer."""

    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # e.g. a capability the variant lost
    setup_failed: list[str] = field(default_factory=list)  # failed before their Then steps ran
    error: str | None = None

    @property
    def asserted(self) -> list[str]:
        """Failed ids whose own checks failed (not their set-up)."""
        return [sid for sid in self.failed if sid not in self.setup_failed]


@dataclass
class Verdict:
    variant: Variant
    result: RunResult

    @property
    def missing(self) -> list[str]:
        """Declared ids that did not fail."""
        return [sid for sid in self.variant.kills if sid not in self.result.failed]

    @property
    def caught(self) -> bool:
        return self.result.error is None and bool(self.result.failed) and not self.missing

    def explain(self) -> str:
        v = self.variant
        if self.result.error is not None:
            return f"variant {v.name}: the run gave no answer: {self.result.error}"
        if not self.result.failed:
            return f"variant {v.name} survived: every scenario run passed ({len(self.result.ran)} run)"
        if self.missing:
            return (f"variant {v.name}: declared scenarios did not fail: {' '.join(self.missing)} "
                    f"(failed: {' '.join(self.result.failed)})")
        return f"variant {v.name}: caught by {len(self.result.failed)} scenarios"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.variant.name, "layer": self.variant.layer, "description": self.variant.description,
                "declares": list(self.variant.kills), "caught": self.caught, "missing": self.missing,
                "error": self.result.error, "ran": len(self.result.ran), "skipped": len(self.result.skipped),
                "failed": self.result.failed, "failed_in_setup": self.result.setup_failed}


def quick_selection(variant: Variant, all_ids: Sequence[str], sample: int = SAMPLE_SIZE) -> list[str]:
    """The declared ids plus a sample of the others, the same sample every time for this variant."""
    others = [sid for sid in all_ids if sid not in variant.kills]
    picked = random.Random(variant.name).sample(others, min(sample, len(others)))
    return [sid for sid in all_ids if sid in variant.kills or sid in picked]


def run_suite(variant_name: str | None, ids: Sequence[str] | None = None, work_dir: Path | None = None,
              timeout_s: float = RUN_TIMEOUT_S) -> RunResult:
    """``conformance run`` (in-process reference target) with the variant applied; ``ids`` None runs all."""
    with tempfile.TemporaryDirectory(prefix="conformance-meta-", dir=work_dir) as tmp:
        report_dir = Path(tmp) / "report"
        command = [sys.executable, "-m", "conformance.cli", "run", "--target", "reference",
                   "--report-dir", str(report_dir)]
        command += [f"--id={sid}" for sid in ids or []]
        # Outcomes do not depend on assertion rewriting (steps raise their own failures); skipping it
        # and the unused schemathesis plugin halves the start-up of each run.
        addopts = " ".join(filter(None, (os.environ.get("PYTEST_ADDOPTS"), "--assert=plain -p no:schemathesis")))
        env = {**os.environ, "PYTEST_PLUGINS": "tests.meta.inject", "PYTEST_ADDOPTS": addopts,
               "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)}
        env.pop(ENV_VARIANT, None)
        env.pop("CONFORMANCE_FEATURES", None)
        if variant_name:
            env[ENV_VARIANT] = variant_name
        try:
            proc = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return RunResult(error=f"no answer within {timeout_s:.0f}s")
        report = report_dir / "report.json"
        if proc.returncode not in (0, 1) or not report.is_file():
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            return RunResult(error=f"exit code {proc.returncode}: {tail}")
        scenarios = json.loads(report.read_text(encoding="utf-8"))["scenarios"]
    return RunResult(ran=[s["id"] for s in scenarios],
                     failed=[s["id"] for s in scenarios if s["outcome"] in FAILED_OUTCOMES],
                     skipped=[s["id"] for s in scenarios if s["outcome"] == "skipped"],
                     setup_failed=[s["id"] for s in scenarios if s["outcome"] in FAILED_OUTCOMES
                                   and str(s.get("message", "")).startswith(SETUP_FAILURE)])


def judge_all(variants: Iterable[Variant], select: Callable[[Variant], list[str] | None], jobs: int = 2,
              progress: Callable[[Verdict], None] | None = None) -> list[Verdict]:
    """Run every variant (``select`` gives its ids, None for all), ``jobs`` runs at a time."""

    def one(v: Variant) -> Verdict:
        verdict = Verdict(v, run_suite(v.name, select(v)))
        if progress is not None:
            progress(verdict)
        return verdict

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, variants))


def unkilled(all_ids: Sequence[str], verdicts: Iterable[Verdict]) -> list[str]:
    """Scenarios whose own checks no variant made fail (a failed set-up does not count)."""
    killed = {sid for v in verdicts for sid in v.result.asserted}
    return [sid for sid in all_ids if sid not in killed]
