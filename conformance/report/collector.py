"""Collects every scenario's outcome in the controlling pytest process (xdist workers included) and
writes the run's reports when the session ends."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from .. import SUITE_NAME, __version__
from ..manifests import Manifest
from ..tags import split_tags
from .attribution import attribution
from .verdict import Profile, assess, coverage_line, verdict_line
from .writers import write_all

META_KEY = "conformance"
# Set by the plugin after collection: {"all": [{id, level, needs}...], "selected": [id...]}.
CATALOGUE_KEY = pytest.StashKey[dict[str, Any]]()
WORKER_CATALOGUE = "conformance_catalogue"
SUMMARY_KEYS = {"passed": "passed", "failed": "failed", "skipped": "skipped", "expected_failure": "expected_failures",
                "unexpected_pass": "unexpected_passes", "unverified": "unverified"}


def _meta(report: pytest.TestReport, key: str) -> Any:
    for name, value in report.user_properties:
        if name == key:
            return value
    return None


class ReportCollector:
    conformance_controller_only = True  # not in forked workers (conformance/forked.py)

    def __init__(self, config: pytest.Config, report_dir: Path, manifest: Manifest,
                 profile: Profile | None = None) -> None:
        self.config = config
        self.report_dir = report_dir
        self.manifest = manifest
        self.profile = profile or Profile("full")
        self.worker_catalogue: dict[str, Any] | None = None
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
            if meta.get("outcome") == "unverified":
                record.update(outcome="unverified", message=meta.get("message", ""), detail=meta.get("detail", ""))
            elif report.skipped:
                record["outcome"] = "skipped"
                record["message"] = _skip_reason(report)
            elif report.failed:
                record.update(outcome="failed", message=meta.get("message") or "error in set-up",
                              detail=meta.get("detail") or report.longreprtext, failure="error")
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
            if meta.get("failure") and outcome == "failed":
                record["failure"] = meta["failure"]
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
            record.update(outcome="failed", message="error in tear-down", detail=report.longreprtext, failure="error")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist: each worker collected the same scenarios; keep the first worker's catalogue."""
        data = getattr(node, "workeroutput", {}).get(WORKER_CATALOGUE)
        if data is not None and self.worker_catalogue is None:
            self.worker_catalogue = data

    def _print_trace(self, record: dict[str, Any]) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        reporter.write_line(f"\n[{record['id']}] {record['name']} — {record['outcome']}")
        for exchange in record.get("exchanges", []):
            reporter.write_line(exchange)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        summary = self.summary()
        assessment = self.assessment()
        terminalreporter.write_sep("=", "conformance")
        terminalreporter.write_line(f"verdict: {verdict_line(assessment)}")
        terminalreporter.write_line(coverage_line(assessment))
        terminalreporter.write_line(
            "  ".join(f"{k}: {v}" for k, v in summary.items()) + f"   reports: {self.report_dir}"
        )
        for record in self.records():
            if record["outcome"] in ("failed", "unexpected_pass", "unverified"):
                terminalreporter.write_line(f"  {record['outcome'].upper():<16} {record['id']:<8} {record['message']}")
                if record.get("attribution"):
                    terminalreporter.write_line(f"  {'':<16} {'':<8} caused by: {record['attribution']}")

    def records(self) -> list[dict[str, Any]]:
        """In feature-file order, whatever order parallel workers finished in."""
        records = sorted((self.items[n] for n in self.order), key=lambda r: (r["feature"], r.get("line", 0)))
        for record in records:
            blamed = attribution(record)
            if blamed:
                record["attribution"] = blamed
        return records

    def summary(self) -> dict[str, int]:
        counts = {"total": 0, **{name: 0 for name in SUMMARY_KEYS.values()}}
        for record in self.records():
            counts["total"] += 1
            counts[SUMMARY_KEYS[record["outcome"]]] += 1
        return counts

    def catalogue(self) -> dict[str, Any] | None:
        return self.config.stash.get(CATALOGUE_KEY, None) or self.worker_catalogue

    def assessment(self) -> dict[str, Any]:
        """Verdict, profile and coverage: what this run checked, judged against what was asked."""
        catalogue = self.catalogue()
        caps = (self.target or {}).get("capabilities") if self.target else None
        available = caps.get("verified", []) if isinstance(caps, dict) else caps
        return assess(self.records(), self.profile, available,
                      catalogue["all"] if catalogue else None, catalogue["selected"] if catalogue else None)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        target = self.target or {
            "name": self.config.getoption("target_name") or self.config.getoption("target"),
            "kind": self.config.getoption("target_kind") or "unknown",
            "version": None,
            "url": None,
            "capabilities": {"declared": [], "verified": []},
        }
        report = {
            "suite": {"name": SUITE_NAME, "version": __version__},
            "target": target,
            "started_at": self.started_at,
            "duration_s": round(time.time() - self.started, 3),
            **self.assessment(),
            "summary": self.summary(),
            "expectations": str(self.manifest.path) if self.manifest.path else None,
            "scenarios": [
                {k: v for k, v in r.items() if k not in ("feature_name", "line")} for r in self.records()
            ],
            "features": _feature_names(self.records()),
        }
        write_all(self.report_dir, report)


def target_json(info: Any) -> dict[str, Any]:
    """The report's target, capabilities as ``{"declared": [...], "verified": [...]}``;
    ``info.capabilities`` is what the target proved (what the scenarios may rely on)."""
    data = info.as_json()
    if not isinstance(data.get("capabilities"), dict):
        declared = getattr(info, "declared", None)
        data["capabilities"] = {"declared": sorted(declared if declared is not None else info.capabilities),
                                "verified": sorted(info.capabilities)}
    return data


def scenario_meta(item: pytest.Item, scenario_id: str, tags: set[str]) -> dict[str, Any]:
    """What the report says about a scenario, computed where the item lives (an xdist worker)."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    split = split_tags(tags)
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))  # type: ignore[arg-type]
    doc = getattr(getattr(item, "obj", None), "__doc__", "") or ""
    _, _, name = doc.partition(": ")
    # The feature's own title ("Route policies"), never the file's path on this machine.
    feature_name = (template.feature.name or "") if template is not None else ""
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


def not_run_report(report_dir: Path, target: dict[str, Any], scenarios: list[dict[str, Any]],
                   catalogue: list[dict[str, Any]], profile: Profile, reason: str) -> dict[str, Any]:
    """The report of a run stopped before its scenarios (``scenarios``: the selected ones, as
    ``CatalogueScenario.as_json()``), so that no older report.json is read as this run's result."""
    records = [{**{k: v for k, v in s.items() if k != "line"}, "outcome": "skipped", "duration_s": 0.0,
                "message": f"not run: {reason}", "steps": []} for s in scenarios]
    counts = {"total": len(records), **{name: 0 for name in SUMMARY_KEYS.values()}}
    counts["skipped"] = len(records)
    report = {
        "suite": {"name": SUITE_NAME, "version": __version__},
        "target": target,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "duration_s": 0.0,
        **assess(records, profile, target["capabilities"]["verified"], catalogue, [r["id"] for r in records]),
        "summary": counts,
        "expectations": None,
        "scenarios": records,
        "features": {},
    }
    write_all(report_dir, report)
    return report
