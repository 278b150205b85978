"""The fuzz reports: one replay line per failure (check, operation, status, seed, curl), JUnit, summary."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from conformance.fuzz.report import RunInfo, write_reports
from conformance.fuzz.runner import FuzzFailure, FuzzResult

CURL = "curl -X GET 'http://127.0.0.1:1337/api/articles?filters%5Bfeatured%5D%5B%24gt%5D=false'"


def _result() -> FuzzResult:
    result = FuzzResult(["GET /api/articles", "POST /api/articles"])
    for _ in range(3):
        result.count("stateless", "GET /api/articles")
    result.count("stateful", "POST /api/articles")
    result.count("methods", "PATCH /api/articles")
    result.answered |= {"GET /api/articles"}
    result.reached |= {"GET /api/articles"}
    result.sent_operations = True
    result.statuses["GET /api/articles"] = Counter({200: 2, 500: 1})
    result.failures.append(FuzzFailure("stateless", "GET /api/articles", "not_a_server_error", "Server error",
                                       "Server error\nmore", 500, CURL, 7))
    result.duration_s = 2.0
    return result


def _run() -> RunInfo:
    return RunInfo({"name": "reference", "report_name": "reference"}, "harness", 7, 5,
                   ("stateless", "stateful", "methods"), "conformance fuzz --target reference --seed 7 --max-examples 5")


def test_replay_line_has_check_operation_status_seed_and_curl() -> None:
    failure = _result().failures[0]
    assert failure.replay() == f"[not_a_server_error] GET /api/articles -> 500 | seed=7 | {CURL}"
    assert "\n" not in failure.replay()


def test_reports_are_written(tmp_path: Path) -> None:
    summary = write_reports(_result(), _run(), tmp_path)
    lines = (tmp_path / "failures.txt").read_text().splitlines()
    assert lines[0].startswith("# conformance fuzz: 1 failure(s), seed 7")
    assert lines[1] == "# conformance fuzz --target reference --seed 7 --max-examples 5"
    assert lines[2].endswith(CURL) and "seed=7" in lines[2]
    assert json.loads((tmp_path / "failures.json").read_text())[0]["status"] == 500
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary
    assert summary["operations"] == {"total": 2, "covered": 1, "uncovered": ["POST /api/articles"],
                                     "reached": 1, "unreached": ["POST /api/articles"]}
    assert summary["cases"]["total"] == 5 and summary["cases"]["by_phase"] == {"stateless": 3, "stateful": 1,
                                                                               "methods": 1}
    assert summary["failures"] == {"total": 1, "by_check": {"not_a_server_error": 1}}
    assert summary["cases_per_second"] == 2.5
    assert summary["statuses"]["GET /api/articles"] == {"200": 2, "500": 1}


def test_junit_has_a_suite_per_phase_and_the_failure(tmp_path: Path) -> None:
    write_reports(_result(), _run(), tmp_path)
    root = ET.parse(tmp_path / "junit.xml").getroot()
    suites = {s.get("name") or "": s for s in root.iter("testsuite")}
    assert sorted(suites) == ["fuzz.methods", "fuzz.reachability", "fuzz.stateful", "fuzz.stateless"]
    unreached = [c for c in suites["fuzz.reachability"].iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in unreached] == ["POST /api/articles"]
    failed = [c for c in suites["fuzz.stateless"].iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["GET /api/articles"]
    failure = failed[0].find("failure")
    assert failure is not None and "seed=7" in (failure.text or "")
    assert [c.get("name") for c in suites["fuzz.methods"].iter("testcase")] == ["PATCH /api/articles"]
