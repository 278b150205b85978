"""``conformance matrix``: one page (and its JSON) comparing several runs scenario by scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .verdict import verdict_line
from .writers import OUTCOME_ORDER, environment, outcome_chart, scrub_paths


class MatrixError(Exception):
    pass


def build_matrix(report_paths: list[Path], out_html: Path, title: str, drift: dict[str, str] | None = None) -> Path:
    """``drift``: scenario id -> the first release whose outcome changed (``conformance strapi bisect``)."""
    runs: list[dict[str, Any]] = []
    for path in report_paths:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MatrixError(f"cannot read {path}: {exc}") from exc
        if "scenarios" not in report or "target" not in report:
            raise MatrixError(f"{path} is not a conformance report.json")
        runs.append(report)
    rows: dict[str, dict[str, Any]] = {}
    for index, run in enumerate(runs):
        for s in run["scenarios"]:
            row = rows.setdefault(s["id"], {"id": s["id"], "name": s["name"], "feature": s.get("feature", ""),
                                            "level": s.get("level"), "cells": [None] * len(runs)})
            row["cells"][index] = {"outcome": s["outcome"], "message": s.get("message", "")}
    ordered = sorted(rows.values(), key=lambda r: (r["feature"], r["id"]))
    releases = [index for index, run in enumerate(runs) if is_release(run["target"])]
    for row in ordered:
        outcomes = {c["outcome"] if c else "absent" for c in row["cells"]}
        row["differs"] = len(outcomes) > 1
        row["documented"] = all(c is None or c["outcome"] == "passed" for c in row["cells"])
        # Differs between Strapi releases (not just from the reference): a change some release made.
        row["drifts"] = len({(row["cells"][i] or {}).get("outcome", "absent") for i in releases}) > 1
        row["drift_release"] = (drift or {}).get(row["id"])
    columns = [{"name": r["target"].get("name"), "version": r["target"].get("version"), "summary": r["summary"],
                "verdict": verdict_line(r) if "verdict" in r else None} for r in runs]
    data = {"title": title, "columns": columns, "rows": ordered}
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_matrix_html(data, out_html)
    return out_html


def is_release(target: dict[str, Any]) -> bool:
    """A column of a Strapi release (``strapi-5.30.1``, ``strapi-5.54.0+project``), not the reference."""
    return str(target.get("name") or "").startswith("strapi")


def undated_drifts(data: dict[str, Any]) -> list[str]:
    """Ids of the rows that drift between releases but name no release where it happened."""
    return [r["id"] for r in data["rows"] if r.get("drifts") and not r.get("drift_release")]


def matrix_view(data: dict[str, Any]) -> dict[str, Any]:
    """What matrix.html.j2 shows besides the rows: a chart of outcomes per column, and which rows the
    page opens on (those that differ between runs or from the documentation)."""
    per_column = [(str(column["name"]), [{"outcome": (row["cells"][index] or {}).get("outcome", "absent")}
                                         for row in data["rows"]])
                  for index, column in enumerate(data["columns"])]
    rows = data["rows"]
    return {
        "chart": outcome_chart(per_column),
        "outcomes": [o for o in (*OUTCOME_ORDER, "absent")
                     if any((c or {"outcome": "absent"})["outcome"] == o for r in rows for c in r["cells"])],
        "interesting": sum(1 for r in rows if r.get("differs") or not r.get("documented", True)),
        # Filled by `conformance strapi bisect` (the first release where the row's outcome changed), when known.
        "drift": any(r.get("drift_release") or r.get("drifts") for r in rows),
    }


def write_matrix_html(data: dict[str, Any], out_html: Path) -> Path:
    """The page from matrix.json's data (``conformance matrix`` writes both)."""
    template = environment().get_template("matrix.html.j2")
    out_html.write_text(scrub_paths(template.render(**data, view=matrix_view(data))), encoding="utf-8")
    return out_html
