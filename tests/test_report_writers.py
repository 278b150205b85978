"""conformance/report/writers.py: report.json's text and the paths report.html leaves out."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

from conformance.report.writers import report_json, scrub_paths

TMP = str(Path(tempfile.gettempdir()).resolve())


@pytest.mark.parametrize("report", [
    {"suite": {"name": "s"}, "scenarios": [{"id": "CT-001", "duration_s": 0.0123, "message": "é ✓ \u2028"}]},
    {"odd": {1: "a non-string key"}, "big": 2**70},  # what orjson refuses: the standard library writes it
])
def test_report_json_is_the_standard_librarys_indented_text(report: dict[str, Any]) -> None:
    assert report_json(report).decode("utf-8") == json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def test_report_json_numbers_keep_their_value() -> None:
    report = {"duration_s": 0.00001, "values": [1e300, -0.0, 12345678901234567]}
    assert json.loads(report_json(report)) == report  # 1e-05 may be written 0.00001: the same number


@pytest.mark.parametrize(("text", "expected"), [
    (f"see {TMP}/run-1/report.json.", "see report.json"),
    (f"({TMP}/p/q.txt)", "(q.txt)"),
    (f"{TMP}/start", "start"),
    (f"x{TMP}/a inside a longer path", f"x{TMP}/a inside a longer path"),
    (f"http://host{TMP}/page", f"http://host{TMP}/page"),
    (f"x{TMP}/a,{TMP}/b/c", f"x{TMP}/a,c"),  # the second one stands on its own
])
def test_temporary_paths_become_their_file_name(text: str, expected: str) -> None:
    assert scrub_paths(text) == expected
