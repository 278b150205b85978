"""Writes report.json, junit.xml and report.html into a run's report folder."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .verdict import coverage_line, verdict_line

if TYPE_CHECKING:
    from jinja2 import Environment

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
    # Imported here: an xdist worker, which writes no page, never needs jinja2. The templates'
    # compiled code is kept between runs (about 25 ms of every run's end otherwise); jinja2 checks
    # each entry against the template's source and its own version.
    from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape

    from ..paths import cache_root

    folder = cache_root() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        cache: FileSystemBytecodeCache | None = FileSystemBytecodeCache(str(folder))
    except OSError:
        cache = None
    env = Environment(loader=PackageLoader("conformance", "report/templates"),
                      autoescape=select_autoescape(["html", "j2"]), bytecode_cache=cache)
    env.filters["label"] = lambda outcome: OUTCOME_LABELS.get(outcome, outcome)
    return env


def report_json(report: dict[str, Any]) -> bytes:
    """report.json's bytes: orjson writes the text of ``json.dumps(indent=2, ensure_ascii=False)``
    (numbers may be spelt differently, ``0.00001`` for ``1e-05``) about 15 times faster: a 2 MB
    report took 25 ms. What it refuses goes through the standard library."""
    try:
        return orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n"
    except TypeError:  # orjson.JSONEncodeError: a non-string key, an integer beyond 64 bits
        return (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# ``json``: report.json only, for callers that read nothing else (the meta-tests' runs, tests/meta/runner.py).
ONLY_JSON_ENV = "CONFORMANCE_REPORTS"


def write_all(report_dir: Path, report: dict[str, Any]) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.json").write_bytes(report_json(report))
    if os.environ.get(ONLY_JSON_ENV) == "json":
        return
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


# Failures first: what needs reading comes before what passed.
OUTCOME_ORDER = ("failed", "unexpected_pass", "unverified", "expected_failure", "skipped", "passed")


def layer_of(feature: str) -> str:
    """``features/route_middlewares.feature`` -> ``route_middlewares``: the suite has one file per layer."""
    return Path(feature).stem if feature else "(unknown)"


def shown_path(path: str | None) -> str | None:
    """A path as the page shows it: relative to the current folder or the checkout, never the machine's
    absolute path (a report is read on other machines)."""
    if not path:
        return path
    p = Path(path)
    if not p.is_absolute():
        return path
    from ..paths import checkout_root

    for base in (checkout_root(), Path.cwd()):
        if base is not None:
            try:
                return p.relative_to(base).as_posix()
            except ValueError:
                continue
    return p.name


def scrub_paths(text: str) -> str:
    """The page without the absolute paths of the machine that ran it (manifests, logs and projects
    named in messages): the project's and the current folder's paths become relative, the home
    folder ``~``, a temporary file its name."""
    import tempfile

    from ..paths import PACKAGE_DIR, checkout_root

    roots: list[tuple[str, str]] = []
    for base, label in ((checkout_root(), ""), (PACKAGE_DIR.parent, ""), (Path.cwd(), ""), (Path.home(), "~/")):
        if base is not None and str(base) not in ("/", ""):
            roots.append((str(base).rstrip("/") + "/", label))
    for root, label in sorted(roots, key=lambda r: -len(r[0])):
        text = text.replace(root, label)
    tmp = re.escape(str(Path(tempfile.gettempdir()).resolve()).rstrip("/"))

    pattern = re.compile(rf"{tmp}/[^\s'\"()<>&]*")

    def name_only(m: re.Match[str]) -> str:
        # Not inside a longer path or URL: checked here rather than by a lookbehind opening the
        # pattern, which is tried at every position of a 2 MB page (a literal opening is searched for).
        before = m.string[m.start() - 1] if m.start() else " "
        if before.isalnum() or before in "_/.:":
            return m[0][0] + pattern.sub(name_only, m[0][1:])  # a later one in the same run may qualify
        return m[0].rstrip("/.,;").rsplit("/", 1)[-1]

    return pattern.sub(name_only, text)


def outcome_chart(groups: list[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Bars of outcome counts per group (a layer, a run), widths relative to the largest group."""
    largest = max((len(v) for _, v in groups), default=0) or 1
    bars = []
    for name, scenarios in groups:
        counts = {o: sum(1 for s in scenarios if s["outcome"] == o) for o in (*OUTCOME_ORDER, "absent")}
        bars.append({"name": name, "total": len(scenarios), "width": round(100 * len(scenarios) / largest, 2),
                     "segments": [{"outcome": o, "n": n, "share": round(100 * n / len(scenarios), 3)}
                                  for o, n in counts.items() if n]})
    return bars


def html_view(report: dict[str, Any]) -> dict[str, Any]:
    """What report.html.j2 shows: scenarios failures first (then file order), the chart per layer,
    the filters' choices."""
    rank = {o: i for i, o in enumerate(OUTCOME_ORDER)}
    scenarios = [{**s, "layer": layer_of(s.get("feature", ""))} for s in report["scenarios"]]
    ordered = sorted(enumerate(scenarios), key=lambda p: (rank.get(p[1]["outcome"], len(rank)), p[0]))
    layers: dict[str, list[dict[str, Any]]] = {}
    for s in scenarios:
        layers.setdefault(s["layer"], []).append(s)
    titles = {layer_of(f): t for f, t in (report.get("features") or {}).items()
              if t and not t.startswith("/")}  # older reports named the file's absolute path here
    present = {s["outcome"] for s in scenarios}
    return {
        "scenarios": [s for _, s in ordered],
        "chart": outcome_chart(sorted(layers.items())),
        "layer_titles": titles,
        "outcomes": [(o, sum(1 for s in scenarios if s["outcome"] == o)) for o in OUTCOME_ORDER if o in present],
        "levels": sorted({s.get("level") or "none" for s in scenarios}),
        "expectations": shown_path(report.get("expectations")),
    }


def write_html(path: Path, report: dict[str, Any]) -> None:
    template = environment().get_template("report.html.j2")
    path.write_text(scrub_paths(template.render(report=report, view=html_view(report),
                                                verdict_line=verdict_line(report) if "verdict" in report else None)),
                    encoding="utf-8")
