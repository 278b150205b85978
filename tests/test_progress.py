"""`conformance run` progress: one rewritten line on a terminal, nothing in CI logs unless asked."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.report.progress import wanted
from tests.forked_cli import run_conformance

REPO = Path(__file__).resolve().parents[1]
RUN = ["run", "--id", "PO-001", "--id", "PO-002", "--id", "PO-003"]
LINE = re.compile(r"conformance: (\d+)/3 scenarios \(\d+%\), (\d+) failed")


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("flag", "tty", "ci", "expected"), [
    (None, True, None, True), (None, True, "true", False), (None, False, None, False),
    (True, False, "true", True), (False, True, None, False),
])
def test_when_progress_is_shown(flag: bool | None, tty: bool, ci: str | None, expected: bool,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert wanted(flag, _Stream(tty)) is expected


def _run(args: list[str], tty: bool, ci: bool, tmp: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    if not tty:  # output to a file, as a CI log: forked from a warm process (tests/forked_cli.py)
        return run_conformance([*args, "--report-dir", str(tmp / "r")], env, timeout=300).stdout
    argv = [sys.executable, "-m", "conformance", *args, "--report-dir", str(tmp / "r")]
    leader, follower = pty.openpty()
    with subprocess.Popen(argv, env=env, stdout=follower, stderr=subprocess.DEVNULL) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closes with the process
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_one_rewritten_line(tmp_path: Path) -> None:
    out = _run(RUN, tty=True, ci=False, tmp=tmp_path)
    counts = [int(m[1]) for m in LINE.finditer(out)]
    assert counts[:3] == [1, 2, 3] and counts[-1] == 3, out
    assert "\rconformance: 2/3" in out, "rewritten in place"
    assert "..." not in out, "no dots next to the progress line"


def test_ci_logs_stay_quiet_unless_asked(tmp_path: Path) -> None:
    quiet = _run(RUN, tty=False, ci=True, tmp=tmp_path)
    assert not LINE.search(quiet) and "verdict: conformant" in quiet
    assert not LINE.search(_run([*RUN, "--no-progress"], tty=True, ci=False, tmp=tmp_path))
    asked = _run([*RUN, "--progress"], tty=False, ci=True, tmp=tmp_path)
    lines = [m[0] for m in LINE.finditer(asked)]
    assert lines and lines[-1].startswith("conformance: 3/3") and "\r" not in asked, asked


def test_failures_so_far_are_counted(tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    text = (REPO / "features" / "policies.feature").read_text(encoding="utf-8")
    (features / "policies.feature").write_text(
        text.replace("Then the error is 403 PolicyError", "Then the error is 404 PolicyError", 1), encoding="utf-8")
    out = _run([*RUN, "--features", str(features), "--progress"], tty=False, ci=True, tmp=tmp_path)
    assert [m[2] for m in LINE.finditer(out)][-1] == "1", out
