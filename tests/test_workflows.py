"""The GitHub Actions workflows: valid YAML, the steps they promise, and their job-summary scripts run
on real report.json files (a passing and a failing run of the suite)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[1]
CI = REPO / ".github" / "workflows" / "ci.yml"
EXAMPLE = REPO / "examples" / "github-actions-conformance.yml"


def _steps(path: Path) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc.get(True) or doc.get("on"), f"{path.name}: no trigger"  # YAML 1.1 reads `on:` as True
    (job,) = doc["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    return list(job["steps"])


def _uses(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    found = [s for s in steps if str(s.get("uses", "")).startswith(action + "@")]
    assert found, f"no step uses {action}"
    return found[0]


def _summary_script(steps: list[dict[str, Any]]) -> str:
    (step,) = [s for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
    assert step.get("if") == "always()", "the summary must be written when the run fails too"
    return str(step["run"])


def test_ci_mirrors_ci_run() -> None:
    steps = _steps(CI)
    assert _uses(steps, "actions/setup-python")["with"]["python-version"] == "3.11"
    assert _uses(steps, "actions/setup-node")["with"]["node-version"] == "20"
    assert any("apt-get install" in s.get("run", "") and "postgresql" in s["run"] for s in steps)
    assert any("bash .ci/run" in s.get("run", "") for s in steps)
    upload = _uses(steps, "actions/upload-artifact")
    assert upload["with"]["path"].rstrip("/") == "reports" and upload.get("if") == "always()"
    doc = yaml.safe_load(CI.read_text(encoding="utf-8"))
    assert doc["jobs"]["ci"]["timeout-minutes"] <= 90


def test_example_installs_runs_uploads_and_summarises() -> None:
    steps = _steps(EXAMPLE)
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pip install" in runs and "conformance run --target" in runs
    assert _uses(steps, "actions/upload-artifact").get("if") == "always()"
    _summary_script(steps)


STALE_MANIFEST = """
[[expected-failure]]
id = "RT-001"
reason = "listed as failing, but the reference implementation passes it: a stale entry"
evidence = "tests/test_workflows.py"
message = "status"
"""


def _report(tmp: Path, broken: bool = False, stale: bool = False) -> Path:
    """A real run of PO-001 and RT-001. `broken`: PO-001 expects 404 where the target answers 403;
    `stale`: RT-001 is listed as an expected failure, so its pass is an unexpected pass."""
    features = tmp / "features"
    shutil.copytree(REPO / "features", features)
    if broken:
        policies = features / "policies.feature"
        text = policies.read_text(encoding="utf-8")
        policies.write_text(text.replace('Then the error is 403 PolicyError', 'Then the error is 404 PolicyError', 1),
                            encoding="utf-8")
    manifest = tmp / "expected.toml"
    manifest.write_text(STALE_MANIFEST if stale else "", encoding="utf-8")
    report_dir = tmp / "reports" / "conformance"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-m", "conformance", "run", "--id", "PO-001", "--id", "RT-001",
                    "--features", str(features), "--report-dir", str(report_dir), "--expectations", str(manifest)],
                   env=env, capture_output=True, text=True, check=False, timeout=300)
    summary = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))["summary"]
    assert (summary["total"], summary["failed"], summary["unexpected_passes"]) == (2, int(broken), int(stale))
    return report_dir


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _report(tmp_path_factory.mktemp("failing"), broken=True, stale=True)


@pytest.fixture(scope="module")
def stale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _report(tmp_path_factory.mktemp("stale"), stale=True)


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _report(tmp_path_factory.mktemp("passing"))


def _summary(script: str, cwd: Path, report_dir: Path) -> str:
    out = cwd / "summary.md"
    out.write_text("", encoding="utf-8")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(out), "REPORT_DIR": str(report_dir),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, check=True, timeout=60)
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("workflow", [CI, EXAMPLE], ids=["ci", "example"])
def test_summary_of_a_failing_run_names_the_failure(workflow: Path, failing: Path) -> None:
    text = _summary(_summary_script(_steps(workflow)), failing.parent.parent, failing)
    assert "FAIL" in text and "PASS" not in text
    assert "**PO-001**" in text and "**RT-001**" in text
    assert "404" in text, "the failure's message"
    assert "(https://docs.strapi.io/cms/backend-customization/policies)" in text
    if workflow == EXAMPLE:
        assert "| policies | 0 | 1 | 0 | 0 | 0 |" in text
        assert "| routing | 0 | 0 | 0 | 0 | 1 |" in text


@pytest.mark.parametrize("workflow", [CI, EXAMPLE], ids=["ci", "example"])
def test_an_unexpected_pass_alone_fails_the_verdict(workflow: Path, stale: Path) -> None:
    text = _summary(_summary_script(_steps(workflow)), stale.parent.parent, stale)
    assert "FAIL" in text and "**RT-001**" in text and "PO-001" not in text


@pytest.mark.parametrize("workflow", [CI, EXAMPLE], ids=["ci", "example"])
def test_summary_of_a_passing_run_and_of_no_run(workflow: Path, passing: Path, tmp_path: Path) -> None:
    script = _summary_script(_steps(workflow))
    text = _summary(script, passing.parent.parent, passing)
    assert "PASS" in text and "FAIL" not in text and "**" not in text.replace("**all 2**", "")
    assert "no report" in _summary(script, tmp_path, tmp_path / "reports" / "conformance").lower()
