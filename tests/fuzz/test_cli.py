"""``conformance fuzz`` exit codes: 2 for bad options or an unreachable target, 1 when a check
failed, 0 for a clean run."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from conformance.cli import main

from .conftest import SHARED_EXAMPLES, shares_corpus


def _fuzz(tmp_path: Path, *options: str) -> int:
    return main(["fuzz", *options, "--report-dir", str(tmp_path / "fuzz")])


@pytest.mark.parametrize("options", [
    ["--phases", "nope"],
    ["--max-examples", "0"],
    ["--openapi", "does-not-exist.json"],
    ["--target", "ftp://example.invalid"],
])
def test_bad_options_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          options: list[str]) -> None:
    assert _fuzz(tmp_path, *options) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("conformance: ") and "\n" not in err and "Traceback" not in err


def test_unreachable_target_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with respx.mock:
        respx.route(host="127.0.0.1").mock(side_effect=httpx.ConnectError("refused"))
        assert _fuzz(tmp_path, "--target", "http://127.0.0.1:9") == 2
    assert "unreachable" in capsys.readouterr().err


@shares_corpus
def test_target_answering_500_exits_1_with_replays(tmp_path: Path) -> None:
    with respx.mock:
        respx.route(path="/api/conformance/info").mock(return_value=httpx.Response(404))
        respx.route(host="127.0.0.1").mock(return_value=httpx.Response(500, json={"data": None}))
        code = _fuzz(tmp_path, "--target", "http://127.0.0.1:9", "--phases", "stateless,methods",
                     "--max-examples", SHARED_EXAMPLES)
    assert code == 1
    summary = json.loads((tmp_path / "fuzz" / "summary.json").read_text())
    assert summary["failures"]["by_check"]["not_a_server_error"] >= 1
    replays = (tmp_path / "fuzz" / "failures.txt").read_text().splitlines()[2:]
    assert replays and all("curl -X" in line and "seed=" in line and "http://127.0.0.1:9/api/" in line
                           for line in replays)


@shares_corpus
def test_clean_run_against_the_reference_exits_0(tmp_path: Path) -> None:
    assert _fuzz(tmp_path, "--max-examples", SHARED_EXAMPLES, "--phases", "stateless,methods") == 0
    summary = json.loads((tmp_path / "fuzz" / "summary.json").read_text())
    assert summary["operations"]["covered"] == summary["operations"]["total"] == 43
    assert summary["failures"]["total"] == 0
