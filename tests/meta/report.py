"""``reports/meta/mutants.json`` and ``tests/meta/UNKILLED.md``: what the meta run writes and reads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .runner import BROAD_SHARE, CONTROL_SIZE, Verdict, unkilled

UNKILLED_MD = Path(__file__).resolve().parent / "UNKILLED.md"
_TABLE_ROW = re.compile(r"^\|\s*([A-Z]{2}-\d{3})\s*\|", re.MULTILINE)


def explained_ids(path: Path = UNKILLED_MD) -> set[str]:
    """Scenario ids in the first column of UNKILLED.md's tables."""
    return set(_TABLE_ROW.findall(path.read_text(encoding="utf-8"))) if path.is_file() else set()


def mutants_json(verdicts: Sequence[Verdict], all_ids: Sequence[str], mode: str) -> dict[str, Any]:
    """Score (variants of PENDING_HARNESS apart), unkilled scenarios and, per variant, what it declared
    and how its run went (no paths, no times)."""
    judged = [v for v in verdicts if not v.variant.pending]
    caught = sum(v.caught for v in judged)
    never = unkilled(all_ids, verdicts) if mode == "full" else None
    return {
        "command": "python -m tests.meta" + (" --quick" if mode == "quick" else ""),
        "mode": mode,
        "rules": ("a declared scenario is killed when it fails in a Then step on its own assertion: not in its "
                  "set-up (Given/When), not with a harness error, not on a 5xx status unless the variant is "
                  f"crash_ok; a variant is caught when every declared scenario is killed and it is not too broad "
                  f"(full run: at least {BROAD_SHARE:.0%} of the undeclared scenarios pass; quick run: its "
                  f"{CONTROL_SIZE} controls, undeclared scenarios that passed under it in the last full run, pass), "
                  "or when it declares exit2 and the run exits 2 with a matching reason"),
        "variants": len(judged),
        "caught": caught,
        "score": round(caught / len(judged), 4) if judged else None,
        "pending_harness": {v.variant.name: v.status for v in verdicts if v.variant.pending},
        "scenarios": len(all_ids),
        "killed_scenarios": None if never is None else len(all_ids) - len(never),
        "unkilled": never,
        "results": [v.as_json() for v in verdicts],
    }
