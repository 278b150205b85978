"""Writes report.json, junit.xml and report.html into a run's report folder."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import OrderedDict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from .verdict import coverage_line, verdict_line

OUTCOME_LABELS = {
    "passed": "passed",
    "failed": "FAILED",
    "skipped": "skipped",
    "expected_failure": "expected failure",
    "unexpected_pass": "UNEXPECTED PASS",
    "unverified": "UNVERIFIED",
}
FAILED_OUTCOMES = ("failed", "unexpected_pass", "unverified")


def environment() -> Environment:
    env = Environment(loader=PackageLoader("conformance", "report/templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.filters["label"] = lambda outcome: OUTCOME_LABELS.get(outcome, outcome)
    return env


def write_all(report_dir: Path, report: dict[str, Any]) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_junit(report_dir / "junit.xml", report)
    write_html(report_dir / "report.html", report)


def by_feature(scenarios: list[dict[str, Any]]) -> OrderedDict[str, list[dict[str, Any]]]:
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for scenario in scenarios:
        groups.setdefault(scenario.get("feature") or "(unknown)", []).append(scenario)
    return groups


def run_properties(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The run's verdict and coverage, first in every testsuite's properties (CI shows them there)."""
    if "verdict" not in report:
        return []
    cov = report["coverage"]
    return [("verdict", report["verdict"]), ("verdict-line", verdict_line(report)), ("profile", report["profile"]),
            ("coverage-selected", str(cov["selected"])), ("coverage-checked", str(cov["checked"])),
            ("coverage-catalogue", str(cov["catalogue"])), ("coverage-in-profile", str(cov["in_profile"])),
            ("coverage", coverage_line(report)),
            ("coverage-skipped", " ".join(s["id"] for s in cov["skipped"]))]


def write_junit(path: Path, report: dict[str, Any]) -> None:
    """One testsuite per feature file; test cases named by scenario id; expected failures are skips."""
    root = ET.Element("testsuites", name=report["suite"]["name"], time=str(report["duration_s"]))
    for feature, scenarios in by_feature(report["scenarios"]).items():
        failed = sum(1 for s in scenarios if s["outcome"] in FAILED_OUTCOMES)
        skipped = sum(1 for s in scenarios if s["outcome"] in ("skipped", "expected_failure"))
        suite = ET.SubElement(root, "testsuite", name=feature, tests=str(len(scenarios)), failures=str(failed),
                              skipped=str(skipped), errors="0",
                              time=str(round(sum(s["duration_s"] for s in scenarios), 3)))
        props = ET.SubElement(suite, "properties")
        for name, value in run_properties(report):
            ET.SubElement(props, "property", name=name, value=value)
        ET.SubElement(props, "property", name="target", value=str(report["target"].get("name")))
        for s in scenarios:
            case = ET.SubElement(suite, "testcase", classname=feature.replace("/", ".").removesuffix(".feature"),
                                 name=f"{s['id']} {s['name']}", time=str(s["duration_s"]))
            if s["outcome"] in FAILED_OUTCOMES:
                failure = ET.SubElement(case, "failure", message=s.get("message", ""))
                failure.text = s.get("detail") or s.get("message", "")
            elif s["outcome"] == "skipped":
                ET.SubElement(case, "skipped", message=s.get("message", ""))
            elif s["outcome"] == "expected_failure":
                ET.SubElement(case, "skipped", type="expected-failure", message=s.get("message", ""))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def write_html(path: Path, report: dict[str, Any]) -> None:
    template = environment().get_template("report.html.j2")
    path.write_text(template.render(report=report, features=by_feature(report["scenarios"]),
                                    feature_names=report.get("features", {}),
                                    verdict_line=verdict_line(report) if "verdict" in report else None),
                    encoding="utf-8")
