"""The GitHub Actions workflows: valid YAML, the steps they promise, every `conformance ...` command
in them accepted by the tool's own parser, and their run, merge and summary steps executed as
written on real runs of the suite (one scenario broken)."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import build_parser
from tests.harness_helpers import broken_catalogue

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[1]
CI = REPO / ".github" / "workflows" / "ci.yml"
CI_RUN = REPO / ".ci" / "run"
EXAMPLE = REPO / "examples" / "github-actions-conformance.yml"


def _doc(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc.get(True) or doc.get("on"), f"{path.name}: no trigger"  # YAML 1.1 reads `on:` as True
    for job in doc["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest"
    return dict(doc)


def _steps(path: Path, job: str) -> list[dict[str, Any]]:
    return list(_doc(path)["jobs"][job]["steps"])


def _uses(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    found = [s for s in steps if str(s.get("uses", "")).startswith(action + "@")]
    assert found, f"no step uses {action}"
    return found[0]


def _step(steps: list[dict[str, Any]], text: str) -> dict[str, Any]:
    (step,) = [s for s in steps if text in s.get("run", "")]
    return step


def _conformance_commands(path: Path) -> list[list[str]]:
    """Every `conformance <subcommand> ...` in the workflow's run steps, as arguments."""
    doc = _doc(path)
    out = []
    for job in doc["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").replace("\\\n", " ").splitlines():
                match = re.search(r"\bconformance (run|merge|summary)\b(.*)", line)
                if match:
                    out.append(shlex.split(f"{match[1]}{match[2]}".split(">>")[0]))
    return out


@pytest.mark.parametrize("workflow", [CI, EXAMPLE], ids=["ci", "example"])
def test_the_tool_accepts_every_command_of_the_workflow(workflow: Path) -> None:
    commands = _conformance_commands(workflow)
    assert commands
    for argv in commands:
        build_parser().parse_args(argv)  # SystemExit (argparse) on an unknown option


def test_ci_mirrors_ci_run() -> None:
    steps = _steps(CI, "ci")
    assert _uses(steps, "actions/setup-python")["with"]["python-version"] == "3.11"
    assert _uses(steps, "actions/setup-node")["with"]["node-version"] == "20"
    assert any("apt-get install" in s.get("run", "") and "postgresql" in s["run"] for s in steps)
    assert "bash .ci/run" in _step(steps, ".ci/run")["run"]
    upload = _uses(steps, "actions/upload-artifact")
    assert upload["with"]["path"].rstrip("/") == "reports" and upload.get("if") == "always()"
    assert _doc(CI)["jobs"]["ci"]["timeout-minutes"] <= 90
    summary = _step(steps, "GITHUB_STEP_SUMMARY")
    assert summary.get("if") == "always()" and "conformance summary reports/*/report.json" in summary["run"]
    # What .ci/run needs from the machine is what the workflow sets up before calling it.
    script = CI_RUN.read_text(encoding="utf-8")
    assert "python3 -m venv .ci-venv" in script and "scripts/ci-postgres.sh" in script and "tox -e wheel" in script
    assert "command -v chromium" in script and re.search(r"apt-get install -y[^\n]* chromium chromium-driver", script), \
        ".ci/run installs Chromium for the browser test when it is missing"
    assert "export CONFORMANCE_REQUIRE_BROWSER=1" in script
    assert "export CONFORMANCE_REQUIRE_STRAPI=1" in script, "tests/test_own_project.py fails, not skips, in CI"
    assert "export CONFORMANCE_REQUIRE_NODE=1" in script, ".ci/run makes the fixture parity test fail without node"
    tox = configparser.ConfigParser()
    tox.read(REPO / "tox.ini", encoding="utf-8")
    passed = set(tox["testenv"]["pass_env"].split())
    required = {"CONFORMANCE_REQUIRE_BROWSER", "CONFORMANCE_REQUIRE_NODE", "CONFORMANCE_REQUIRE_STRAPI"}
    assert required <= passed, f"tox passes these to the tests: {sorted(required - passed)}"


def test_example_shards_merges_uploads_and_summarises() -> None:
    doc = _doc(EXAMPLE)
    run_job, merge_job = doc["jobs"]["conformance"], doc["jobs"]["merge"]
    shards = int(doc["env"]["SHARDS"])
    assert run_job["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))
    assert run_job["strategy"]["fail-fast"] is False, "every shard runs even when one fails"
    steps = run_job["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "pip install" in runs
    run = _step(steps, "conformance run")["run"]
    assert '--shard "${{ matrix.shard }}/$SHARDS"' in run and '--summary-md "$GITHUB_STEP_SUMMARY"' in run
    upload = _uses(steps, "actions/upload-artifact")
    assert upload.get("if") == "always()" and upload["with"]["name"] == "conformance-shard-${{ matrix.shard }}"
    assert merge_job["needs"] == "conformance" and merge_job["if"] == "always()"
    download = _uses(merge_job["steps"], "actions/download-artifact")
    assert download["with"]["pattern"] == "conformance-shard-*" and download["with"]["path"] == "shards"
    assert _uses(merge_job["steps"], "actions/upload-artifact").get("if") == "always()"


# -- the steps, executed --------------------------------------------------------------------------------


def _bin(tmp: Path) -> Path:
    """A `conformance` on PATH that runs this checkout's tool, as `pip install` would provide."""
    folder = tmp / "bin"
    folder.mkdir(exist_ok=True)
    shim = folder / "conformance"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m conformance "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return folder


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A run step as the runner executes it (bash -e); ${{ ... }} expressions substituted by the caller."""
    full = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "CI": "true", **env}
    full["PATH"] = os.pathsep.join([str(_bin(cwd)), full["PATH"]])
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=full, capture_output=True,
                          text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue with PO-001 expecting 404 where the documented answer is 403."""
    return broken_catalogue(tmp_path_factory.mktemp("broken"))


def test_example_run_and_merge_steps_as_written(broken: Path, tmp_path: Path) -> None:
    """Each shard job's `conformance run` step, then the merge job on the artifacts' layout; the
    target is the in-process reference (TARGET_URL=reference) with one scenario broken."""
    doc = _doc(EXAMPLE)
    shards = int(doc["env"]["SHARDS"])
    run = _step(doc["jobs"]["conformance"]["steps"], "conformance run")["run"]
    merge = _step(doc["jobs"]["merge"]["steps"], "conformance merge")["run"]
    env = {"TARGET_URL": "reference", "REPORT_DIR": doc["env"]["REPORT_DIR"], "SHARDS": str(shards),
           "CONFORMANCE_FEATURES": str(broken)}
    codes = []
    for k in range(1, shards + 1):
        job = tmp_path / f"job-{k}"
        job.mkdir()
        summary = job / "summary.md"
        done = _bash(run.replace("${{ matrix.shard }}", str(k)), job, {**env, "GITHUB_STEP_SUMMARY": str(summary)})
        codes.append(done.returncode)
        assert f"Shard {k} of {shards}" in summary.read_text(encoding="utf-8"), done.stderr
        # download-artifact: each artifact (the job's REPORT_DIR) in shards/<artifact name>/
        shutil.copytree(job / env["REPORT_DIR"], tmp_path / "merge" / "shards" / f"conformance-shard-{k}")
    assert sorted(codes) == [0, 1], "the shard holding PO-001 fails, the other passes"
    summary = tmp_path / "merge" / "summary.md"
    done = _bash(merge, tmp_path / "merge", {**env, "GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "merge" / env["REPORT_DIR"] / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "non-conformant" and report["summary"]["failed"] == 1
    assert report["coverage"]["selected"] == report["coverage"]["catalogue"], "the whole catalogue, merged"
    text = summary.read_text(encoding="utf-8")
    assert "❌ Conformance: reference: non-conformant" in text and "- **PO-001**" in text
    assert "[documentation](https://docs.strapi.io/cms/backend-customization/policies)" in text
    # A lost shard: the merge refuses rather than report a pass over fewer scenarios.
    shutil.rmtree(tmp_path / "merge" / "shards" / "conformance-shard-1")
    done = _bash(merge, tmp_path / "merge", {**env, "GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 2 and "missing" in done.stderr


def test_ci_summary_step_as_written(broken: Path, tmp_path: Path) -> None:
    """ci.yml's summary step over the reports .ci/run leaves: one section per report; none: says so."""
    step = _step(_steps(CI, "ci"), "GITHUB_STEP_SUMMARY")["run"]
    summary = tmp_path / "summary.md"
    done = _bash(step, tmp_path, {"GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode == 0 and "no report.json" in summary.read_text(encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    done = _bash(f'conformance run --id PO-001 --id RT-001 --features "{broken}" --report-dir reports/reference || true',
                 tmp_path, {})
    done = _bash(step, tmp_path, {"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert done.returncode == 0 and "reference: non-conformant" in text
    assert "- **PO-001**" in text and "RT-001" not in text.split("failure(s)")[1]
    assert "| policies | 0 | 1 | 0 | 1 |" in text and "| routing | 1 | 0 | 0 | 1 |" in text


def test_every_folder_with_python_code_is_linted_and_type_checked() -> None:
    """tox's ruff run and mypy's files (pyproject.toml) cover each top-level folder holding Python code."""
    import tomllib

    folders = {d.name for d in REPO.iterdir()
               if d.is_dir() and not d.name.startswith(".") and d.name not in ("reports", "build", "dist")
               and not d.name.endswith(".egg-info") and next(d.rglob("*.py"), None) is not None}
    assert {"conformance", "scripts"} <= folders
    tox = configparser.ConfigParser()
    tox.read(REPO / "tox.ini", encoding="utf-8")
    ruff = next(line.split()[2:] for line in tox["testenv:lint"]["commands"].splitlines()
                if line.strip().startswith("ruff check"))
    mypy_files = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"]
    assert folders <= set(ruff), f"not linted by tox -e lint: {sorted(folders - set(ruff))}"
    assert folders <= set(mypy_files), f"not type-checked by mypy: {sorted(folders - set(mypy_files))}"
