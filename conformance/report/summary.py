"""The run as Markdown, for a CI job page (``--summary-md "$GITHUB_STEP_SUMMARY"``): the verdict,
the counts per layer (feature file), and each failure with its id, message and documentation link."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from .verdict import FAILING, verdict_line
from .writers import layer_of, scrub_paths

COLUMNS = ("passed", "failed", "expected_failure", "unexpected_pass", "unverified", "skipped")
MESSAGE_LINES = 6  # the failure, then the start of the exchange that shows it
MAX_FAILURES = 50  # a job summary is limited to 1 MiB: a broken target fails every scenario
ICONS = {"conformant": "✅", "non-conformant": "❌", "incomplete": "⚠️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _message(text: str) -> str:
    lines = [line.rstrip() for line in (text or "").strip().splitlines()][:MESSAGE_LINES]
    body = "\n".join(lines).replace("```", "'''")
    return "\n".join("  " + line for line in ["```", *body.splitlines(), "```"]) if lines else ""


def summary_markdown(report: dict[str, Any], title: str | None = None) -> str:
    """One section of Markdown for ``report`` (a report.json as read)."""
    verdict = report.get("verdict", "incomplete")
    target = report["target"].get("name") or "?"
    out = [f"### {ICONS.get(verdict, '')} Conformance: {title or target}: {verdict}".replace("  ", " "), ""]
    if "coverage" in report:
        out += [f"**Verdict:** {verdict_line(report)}", ""]
    shard = report.get("shard")
    if shard:
        out += [f"Shard {shard['index']} of {shard['count']}: {report['summary']['total']} of the "
                f"{shard['selected']} selected scenarios.", ""]
    layers: dict[str, Counter[str]] = {}
    for s in report["scenarios"]:
        layers.setdefault(layer_of(s.get("feature", "")), Counter())[s["outcome"]] += 1
    shown = [c for c in COLUMNS if c in ("passed", "failed", "skipped") or any(n[c] for n in layers.values())]
    out.append("| layer | " + " | ".join(c.replace("_", " ") for c in shown) + " | total |")
    out.append("|---" * (len(shown) + 2) + "|")
    for layer, counts in sorted(layers.items()):
        out.append(f"| {layer} | " + " | ".join(str(counts[c]) for c in shown) + f" | {sum(counts.values())} |")
    total = Counter[str]()
    for counts in layers.values():
        total.update(counts)
    out.append("| **all** | " + " | ".join(f"**{total[c]}**" for c in shown) + f" | **{sum(total.values())}** |")
    out.append("")
    failures = [s for s in report["scenarios"] if s["outcome"] in FAILING]
    if failures:
        out += [f"#### {len(failures)} failure(s)", ""]
    for s in failures[:MAX_FAILURES]:
        docs = " · ".join(f"[documentation]({url})" for url in s.get("docs") or [])
        where = f"`{s.get('feature', '')}`" if s.get("feature") else ""
        head = f"- **{s['id']}** {_cell(s.get('name', ''))} — {s['outcome'].replace('_', ' ')}"
        out.append(" · ".join(part for part in (head, where, docs) if part))
        if s.get("attribution"):
            out.append(f"  - caused by: **{_cell(s['attribution'])}**")
        message = _message(s.get("detail") or s.get("message") or "")
        if message:
            out.append(message)
    if len(failures) > MAX_FAILURES:
        out.append(f"- … and {len(failures) - MAX_FAILURES} more (see report.html)")
    skipped = report.get("coverage", {}).get("skipped") or []
    if skipped and verdict == "incomplete":
        out += ["", f"{len(skipped)} selected scenario(s) not checked; first: "
                f"{skipped[0]['id']}: {_cell(str(skipped[0]['reason']))}"]
    return scrub_paths("\n".join(out) + "\n\n")


def no_report_markdown(reason: str) -> str:
    """When the run stopped before writing a report (exit 2): the one-line reason."""
    return f"### ⚠️ Conformance: could not run\n\n{reason or 'no report.json was written (see the job log)'}\n\n"


def append_summary(path: Path, text: str) -> None:
    """Appended, as GitHub's job summary file expects (several steps may write to it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(text)
