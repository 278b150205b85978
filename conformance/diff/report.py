"""diff.json, diff.html (one section per group, side by side, offline) and summary.json."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from .compare import Group, generalise

if TYPE_CHECKING:
    from .command import Run

EXAMPLES = 3  # cases shown per group


def summary_line(run: Run) -> str:
    c = run.comparison
    known = sum(1 for g in c.groups if g.known)
    return (f"diff {run.a.report_name} vs {run.b.report_name}: {c.total} cases, {c.agreement:.2f}% agree "
            f"({c.agreeing}/{c.total}; {100.0 * (c.total - c.raw_divergent) / max(c.total, 1):.2f}% before noise), "
            f"{len(c.groups)} group(s) ({known} known, {len(c.groups) - known} unknown), "
            f"{sum(len(v) for v in c.noise.as_json().values())} noise path(s), "
            f"{c.total / run.replay_s if run.replay_s else 0:.1f} cases/s")


def _example(run: Run, group: Group, index: int) -> dict[str, Any]:
    case = group.cases[index]
    step = run.plan.sequences[case.sequence].steps[case.step]
    return {"sequence": case.sequence, "step": case.step, "origin": case.origin, "request": step.line(),
            "a": case.a.as_json(), "b": case.b.as_json(), "b2": case.b2.as_json() if case.b2 is not None else None}


def summary(run: Run) -> dict[str, Any]:
    c = run.comparison
    known = [g for g in c.groups if g.known]
    classes: dict[str, int] = {}
    for g in c.groups:
        classes[g.known or "unknown"] = classes.get(g.known or "unknown", 0) + g.count
    return {
        "a": {"name": run.a.report_name, "version": run.versions.get("a")},
        "b": {"name": run.b.report_name, "version": run.versions.get("b")},
        "seed": run.plan.seed, "cases": c.total, "sequences": len(run.plan.sequences) if run.only is None
        else len(run.only),
        "agreeing": c.agreeing, "agreement_percent": round(c.agreement, 2),
        "agreement_before_noise_percent": round(100.0 * (c.total - c.raw_divergent) / max(c.total, 1), 2),
        "groups": len(c.groups), "known_groups": len(known), "unknown_groups": len(c.groups) - len(known),
        "divergent_cases_by_class": dict(sorted(classes.items(), key=lambda kv: -kv[1])),
        "known_cases_by_fault": _by_fault(run),
        "noise": c.noise.as_json(), "oracle_runs": run.oracle_runs, "noise_check": run.noise_check,
        "oracle_second_run_sequences": run.second_sequences,
        "stale_entries": [e.id for e in run.unmatched] if run.stale else [],
        "unseen_entries": [] if run.stale else [e.id for e in run.unmatched],
        "duration_s": round(run.duration_s, 1), "replay_s": round(run.replay_s, 1),
        "replay_cpu_s": round(run.replay_cpu_s, 2), "requests": run.requests,
        "cases_per_second": round(c.total / run.replay_s, 1) if run.replay_s else None,
        "plan": "cache" if run.plan_reused else "drawn", "command": run.command,
        "line": summary_line(run),
    }


def document(run: Run) -> dict[str, Any]:
    c = run.comparison
    groups = []
    for g in c.groups:
        groups.append({**g.signature.as_json(), "count": g.count, "known": g.known,
                       "reason": _reason(run, g.known),
                       "replay": run.replay_line(g.cases[0].sequence),
                       "cases": [{"sequence": x.sequence, "step": x.step} for x in g.cases],
                       "examples": [_example(run, g, i) for i in range(min(EXAMPLES, g.count))]})
    by_operation: dict[str, dict[str, int]] = {}
    for g in c.groups:
        entry = by_operation.setdefault(g.signature.operation, {"divergent": 0})
        entry["divergent"] += g.count
    return {"summary": summary(run), "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "normalisation": run.rules.as_json(),
            "manifest": str(run.manifest.path) if run.manifest and run.manifest.path else None,
            "manifest_entries": [e.as_json() for e in run.manifest.entries] if run.manifest else [],
            "groups": groups, "divergent_by_operation": by_operation}


def _by_fault(run: Run) -> dict[str, int]:
    """Known divergent cases by the side whose answer is wrong (manifest ``fault``)."""
    faults = {e.id: e.fault for e in run.manifest.entries} if run.manifest is not None else {}
    out = {"A": 0, "B": 0}
    for g in run.comparison.groups:
        if g.known:
            out[faults.get(g.known, "B")] += g.count
    return out


def _reason(run: Run, known: str | None) -> str | None:
    if not known or run.manifest is None:
        return None
    return next((e.reason for e in run.manifest.entries if e.id == known), None)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    env.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False, sort_keys=False)
    env.filters["generalise"] = generalise
    return env


def write_reports(run: Run, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = document(run)
    (folder / "diff.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(data["summary"], indent=2) + "\n", encoding="utf-8")
    html = _environment().get_template("diff.html.j2").render(**data)
    (folder / "diff.html").write_text(html, encoding="utf-8")
    (folder / "summary.md").write_text(markdown(data), encoding="utf-8")


def _printable(text: str) -> str:
    """Drawn requests carry control characters and lone surrogates: escaped, the page stays text."""
    return "".join(c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else f"\\u{ord(c):04x}" for c in text)


def markdown(data: dict[str, Any]) -> str:
    """The summary and one line per group, with its first example: a page to commit and read."""
    s = data["summary"]
    lines = [f"# {s['a']['name']} (A) against {s['b']['name']} (B)", "", f"`{s['line']}`", "",
             f"Seed {s['seed']}, {s['cases']} cases in {s['sequences']} sequences; replay a group with its line in "
             "diff.html or `conformance diff … --sequence N`.", "",
             "| # | operation | A/B | cases | class | differing paths | first example |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for i, g in enumerate(data["groups"], start=1):
        example = _printable(g["examples"][0]["request"]) if g["examples"] else ""
        example = example.replace("|", "\\|").replace("`", "'")[:160]
        paths = ", ".join(g["paths"]).replace("|", "\\|")[:160]
        lines.append(f"| {i} | {g['operation']} | {g['statuses']} | {g['count']} | {g['known'] or 'unknown'} | "
                     f"{paths} | `{example}` |")
    return "\n".join(lines) + "\n"
