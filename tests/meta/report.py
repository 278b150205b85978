"""``reports/meta/mutants.json`` and ``tests/meta/UNKILLED.md``: what the meta run writes and reads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .runner import Verdict, unkilled

UNKILLED_MD = Path(__file__).resolve().parent / "UNKILLED.md"
_TABLE_ROW = re.compile(r"^\|\s*([A-Z]{2}-\d{3})\s*\|", re.MULTILINE)


def explained_ids(path: Path = UNKILLED_MD) -> set[str]:
    """Scenario ids in the first column of UNKILLED.md's tables."""
    return set(_TABLE_ROW.findall(path.read_text(encoding="utf-8"))) if path.is_file() else set()


def mutants_json(verdicts: Sequence[Verdict], all_ids: Sequence[str], mode: str) -> dict[str, Any]:
    """Score, unkilled scenarios and, per variant, what it declared and what failed (no paths, no times)."""
    caught = sum(v.caught for v in verdicts)
    never = unkilled(all_ids, verdicts) if mode == "full" else None
    return {
        "command": "python -m tests.meta" + (" --quick" if mode == "quick" else ""),
        "mode": mode,
        "variants": len(verdicts),
        "caught": caught,
        "score": round(caught / len(verdicts), 4) if verdicts else None,
        "scenarios": len(all_ids),
        "killed_scenarios": None if never is None else len(all_ids) - len(never),
        "unkilled": never,
        "results": [v.as_json() for v in verdicts],
    }
