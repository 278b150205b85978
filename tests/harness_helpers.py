"""Helpers for the harness self-tests: small feature folders and runs of the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conformance.targets.base import TargetInfo
from conformance.targets.http import discover
from conformance.targets.reference import ReferenceTarget
from tests.forked_cli import run_conformance

PASSING = '''Feature: Self-test
  @id:ZZ-001 @must @doc:cms/api/rest
  Scenario: The list answers 200
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
'''

FAILING = '''Feature: Self-test
  @id:ZZ-002 @must @doc:cms/api/rest
  Scenario: A scenario that must fail
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 418
'''

NEEDS_TRACE = '''Feature: Self-test
  @id:ZZ-003 @must @needs:trace @doc:cms/backend-customization
  Scenario: Needs the trace
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains "gmw:first:in"
'''


NEEDS_TOKEN = '''Feature: Self-test
  @id:ZZ-004 @must @doc:cms/api/rest
  Scenario: Uses the token the target reports
    Given I use the full-access API token
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
'''

# A pytest plugin (loaded with PYTEST_PLUGINS) that takes the reference's discovery route away (404):
# the in-process target is then black-box (only content-types), as a target without the fixture.
NO_INFO = '''from conformance.fixture.python import components
from reference_impl.errors import NotFoundError


async def _info(self, ctx):
    raise NotFoundError("Not Found")


components.ConformanceController.info = _info
'''


def no_info_env(tmp: Path) -> dict[str, str]:
    """Environment for run_cli in which the reference implementation has no info route (404)."""
    folder = tmp / "plugins"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "noinfo.py").write_text(NO_INFO, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTEST_PLUGINS": "noinfo", "PYTHONPATH": path}


def manifest_entry(sid: str, message: str, reason: str = "differs", section: str = "expected-failure") -> str:
    """One complete manifest entry (JSON strings are valid TOML basic strings)."""
    return (f"[[{section}]]\nid = {json.dumps(sid)}\nreason = {json.dumps(reason)}\n"
            f"evidence = \"seen in a self-test\"\nmessage = {json.dumps(message)}\n\n")


def feature_dir(tmp: Path, **files: str) -> Path:
    folder = tmp / "features"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.feature").write_text(text, encoding="utf-8")
    return folder


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``conformance ARGS`` as its own process (forked from a warm one: tests/forked_cli.py)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return run_conformance(args, env, cwd, timeout)


def read_report(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["outcome"] for s in report["scenarios"]}


def broken_catalogue(dest: Path) -> Path:
    """A copy of features/ in ``dest`` with PO-001 expecting 404 where the documented (and the
    reference's) answer is 403: a catalogue that fails exactly one scenario on a correct target."""
    features = dest / "features"
    shutil.copytree(Path(__file__).resolve().parents[1] / "features", features)
    policies = features / "policies.feature"
    text = policies.read_text(encoding="utf-8")
    policies.write_text(text.replace("Then the error is 403 PolicyError", "Then the error is 404 PolicyError", 1),
                        encoding="utf-8")
    return features


def discovered(target: ReferenceTarget) -> TargetInfo:
    """What discovery says of an in-process reference, before any probe."""
    return discover(target.http, "reference", "reference", "in-process")
