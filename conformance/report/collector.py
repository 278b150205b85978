"""Collects every scenario's outcome in the controlling pytest process (xdist workers included) and
writes the run's reports when the session ends."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from .. import SUITE_NAME, __version__
from ..expectations import Manifest
from ..tags import split_tags
from .writers import write_all

META_KEY = "conformance"


def _meta(report: pytest.TestReport, key: str) -> Any:
    for name, value in report.user_properties:
        if name == key:
            return value
    return None


class ReportCollector:
    def __init__(self, config: pytest.Config, report_dir: Path, manifest: Manifest) -> None:
        self.config = config
        self.report_dir = report_dir
        self.manifest = manifest
        self.started = time.time()
        self.started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.items: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.target: dict[str, Any] | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self.items.get(report.nodeid)
        if record is None:
            scenario = _meta(report, "scenario")
            if scenario is None:
                return  # not a conformance scenario
            record = self.items[report.nodeid] = {**scenario, "outcome": "skipped", "duration_s": 0.0,
                                                  "message": "not run", "steps": []}
            self.order.append(report.nodeid)
        target = _meta(report, "target")
        if target and self.target is None:
            self.target = target
        meta = _meta(report, META_KEY) or {}
        record["duration_s"] = round(record["duration_s"] + report.duration, 4)
        if report.when == "setup":
            if report.skipped:
                record["outcome"] = "skipped"
                record["message"] = _skip_reason(report)
            elif report.failed:
                record.update(outcome="failed", message=meta.get("message") or "error in set-up",
                              detail=meta.get("detail") or report.longreprtext)
            else:
                record["message"] = ""
        elif report.when == "call":
            record["steps"] = meta.get("steps", [])
            record["exchanges"] = meta.get("exchanges", [])
            record["trace"] = meta.get("trace", [])
            outcome = meta.get("outcome") or ("passed" if report.passed else "failed")
            if report.skipped and not hasattr(report, "wasxfail"):
                outcome = "skipped"
                meta["message"] = _skip_reason(report)
            record["outcome"] = outcome
            if outcome == "expected_failure":
                record["message"] = getattr(report, "wasxfail", "") + (
                    f" — failed with: {meta.get('message')}" if meta.get("message") else "")
                record["detail"] = meta.get("detail", "")
            else:
                record["message"] = meta.get("message", "")
                record["detail"] = meta.get("detail", "")
            if self.config.getoption("show_trace"):
                self._print_trace(record)
        elif report.when == "teardown" and report.failed and record["outcome"] != "failed":
            record.update(outcome="failed", message="error in tear-down", detail=report.longreprtext)

    def _print_trace(self, record: dict[str, Any]) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        reporter.write_line(f"\n[{record['id']}] {record['name']} — {record['outcome']}")
        for exchange in record.get("exchanges", []):
            reporter.write_line(exchange)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        summary = self.summary()
        terminalreporter.write_sep("=", "conformance")
        terminalreporter.write_line(
            "  ".join(f"{k}: {v}" for k, v in summary.items()) + f"   reports: {self.report_dir}"
        )
        for record in self.records():
            if record["outcome"] in ("failed", "unexpected_pass"):
                terminalreporter.write_line(f"  {record['outcome'].upper():<16} {record['id']:<8} {record['message']}")

    def records(self) -> list[dict[str, Any]]:
        """In feature-file order, whatever order parallel workers finished in."""
        return sorted((self.items[n] for n in self.order), key=lambda r: (r["feature"], r.get("line", 0)))

    def summary(self) -> dict[str, int]:
        counts = {"total": 0, "passed": 0, "failed": 0, "skipped": 0, "expected_failures": 0, "unexpected_passes": 0}
        names = {"passed": "passed", "failed": "failed", "skipped": "skipped",
                 "expected_failure": "expected_failures", "unexpected_pass": "unexpected_passes"}
        for record in self.records():
            counts["total"] += 1
            counts[names[record["outcome"]]] += 1
        return counts

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        target = self.target or {
            "name": self.config.getoption("target_name") or self.config.getoption("target"),
            "kind": self.config.getoption("target_kind") or "unknown",
            "version": None,
            "url": None,
        }
        report = {
            "suite": {"name": SUITE_NAME, "version": __version__},
            "target": target,
            "started_at": self.started_at,
            "duration_s": round(time.time() - self.started, 3),
            "summary": self.summary(),
            "expectations": str(self.manifest.path) if self.manifest.path else None,
            "scenarios": [
                {k: v for k, v in r.items() if k not in ("feature_name", "line")} for r in self.records()
            ],
            "features": _feature_names(self.records()),
        }
        write_all(self.report_dir, report)


def scenario_meta(item: pytest.Item, scenario_id: str, tags: set[str]) -> dict[str, Any]:
    """What the report says about a scenario, computed where the item lives (an xdist worker)."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    split = split_tags(tags)
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))  # type: ignore[arg-type]
    doc = getattr(getattr(item, "obj", None), "__doc__", "") or ""
    feature_name, _, name = doc.partition(": ")
    return {
        "id": scenario_id,
        "name": name or item.name,
        "feature": _feature_path(item),
        "feature_name": feature_name,
        "line": template.line_number if template is not None else 0,
        "level": split.level,
        "tags": sorted(split.all),
        "docs": split.doc_urls,
        "needs": split.needs,
    }


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "skipped")


def _feature_path(item: pytest.Item) -> str:
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))  # type: ignore[arg-type]
    if template is None:
        return ""
    filename = Path(template.feature.filename)
    parts = filename.parts
    if "features" in parts:
        return "/".join(parts[parts.index("features"):])
    return filename.name


def _feature_names(records: list[dict[str, Any]]) -> dict[str, str]:
    return {r["feature"]: r.get("feature_name", "") for r in records}
