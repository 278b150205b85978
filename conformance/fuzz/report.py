"""What a fuzz run leaves in ``reports/<target>/fuzz/``.

- ``failures.txt``: one replay line per failure (check, operation, status, seed, curl command);
- ``failures.json``: the same failures with the checks' full messages;
- ``junit.xml``: one test suite per phase, one test case per operation, and ``fuzz.reachability``;
- ``summary.json``: operations covered (answered) and reached (their success status came back), cases
  run (per phase and operation), failures by check, statuses seen, wall time and cases per second,
  and the command that repeats the run; ``webhooks``: the payloads the run's writes caused, checked
  for private attributes once the phases were over (null when the target sends webhooks to no
  receiver of ours).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .runner import WEBHOOKS, FuzzResult


@dataclass
class RunInfo:
    """Where and how the run happened, for the summary."""

    target: dict[str, Any]
    document: str
    seed: int
    max_examples: int
    phases: tuple[str, ...]
    command: str


def summary(result: FuzzResult, run: RunInfo) -> dict[str, Any]:
    covered = sorted(op for op in result.operations if op in result.answered)
    rate = result.total_cases / result.duration_s if result.duration_s > 0 else 0.0
    return {
        "target": run.target,
        "document": run.document,
        "seed": run.seed,
        "max_examples": run.max_examples,
        "phases": list(run.phases),
        "command": run.command,
        "operations": {"total": len(result.operations), "covered": len(covered),
                       "uncovered": sorted(set(result.operations) - set(covered)),
                       "reached": len(result.reached), "unreached": result.unreached},
        "cases": {"total": result.total_cases, "by_phase": result.by_phase(),
                  "by_operation": result.by_operation()},
        "statuses": {op: {str(k): v for k, v in sorted(c.items())} for op, c in sorted(result.statuses.items())},
        "failures": {"total": len(result.failures), "by_check": result.failures_by_check()},
        "webhooks": result.webhooks,
        "generation_errors": result.errors,
        "duration_s": round(result.duration_s, 3),
        "cpu_s": round(result.cpu_s, 3),
        "phase_durations_s": result.phase_durations,
        "corpus": result.corpus,
        "cases_per_second": round(rate, 1),
    }


def junit(result: FuzzResult, run: RunInfo) -> ET.Element:
    suites = ET.Element("testsuites", name=f"conformance fuzz {run.target.get('name')}")
    for phase in run.phases:
        failures = [f for f in result.failures if f.phase == phase]
        operations = sorted(set(result.by_operation(phase)) | {f.operation for f in failures})
        suite = ET.SubElement(suites, "testsuite", name=f"fuzz.{phase}", tests=str(len(operations)),
                              failures=str(len({f.operation for f in failures})), errors="0", skipped="0",
                              time=f"{result.duration_s:.3f}")
        for operation in operations:
            case = ET.SubElement(suite, "testcase", classname=f"fuzz.{phase}", name=operation)
            mine = [f for f in failures if f.operation == operation]
            if mine:
                text = "\n\n".join(f"{f.replay()}\n{f.message}" for f in mine)
                node = ET.SubElement(case, "failure", message="; ".join(f"{f.check}: {f.title}" for f in mine))
                node.text = text
    if result.webhooks is not None:
        mine = [f for f in result.failures if f.phase == WEBHOOKS]
        suite = ET.SubElement(suites, "testsuite", name=f"fuzz.{WEBHOOKS}", tests="1", failures=str(min(1, len(mine))),
                              errors="0", skipped="0", time="0")
        case = ET.SubElement(suite, "testcase", classname=f"fuzz.{WEBHOOKS}",
                             name=f"{result.webhooks['deliveries']} payloads without private attributes")
        if mine:
            node = ET.SubElement(case, "failure", message="; ".join(f"{f.check}: {f.title}" for f in mine))
            node.text = "\n\n".join(f.message for f in mine)
    if result.sent_operations:
        unreached = result.unreached
        suite = ET.SubElement(suites, "testsuite", name="fuzz.reachability", tests=str(len(result.operations)),
                              failures=str(len(unreached)), errors="0", skipped="0", time="0")
        for operation in result.operations:
            case = ET.SubElement(suite, "testcase", classname="fuzz.reachability", name=operation)
            if operation in unreached:
                statuses: Counter[int] = result.statuses.get(operation, Counter())
                seen = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) or "no case"
                ET.SubElement(case, "failure", message="never reached: no case got its success status").text = \
                    f"statuses seen: {seen}"
    return suites


def write_reports(result: FuzzResult, run: RunInfo, directory: Path) -> dict[str, Any]:
    """Write the four files; returns the summary."""
    directory.mkdir(parents=True, exist_ok=True)
    data = summary(result, run)
    (directory / "summary.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (directory / "failures.json").write_text(
        json.dumps([f.as_json() for f in result.failures], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [f"# conformance fuzz: {len(result.failures)} failure(s), seed {run.seed}; repeat the run with:",
             f"# {run.command}"]
    lines += [f.replay() for f in result.failures]
    (directory / "failures.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tree = ET.ElementTree(junit(result, run))
    ET.indent(tree)
    tree.write(directory / "junit.xml", encoding="utf-8", xml_declaration=True)
    return data
