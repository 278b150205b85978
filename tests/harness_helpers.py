"""Helpers for the harness self-tests: small feature folders and runs of the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def feature_dir(tmp: Path, **files: str) -> Path:
    folder = tmp / "features"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.feature").write_text(text, encoding="utf-8")
    return folder


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "conformance.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def read_report(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["outcome"] for s in report["scenarios"]}
