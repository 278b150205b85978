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
    never = unkilled(all_ids, verdicts) if mode == "full" else None
    return document([v.as_json() for v in verdicts], all_ids, mode, never)


def document(results: Sequence[dict[str, Any]], all_ids: Sequence[str], mode: str,
             never: list[str] | None) -> dict[str, Any]:
    judged = [r for r in results if not r["pending"]]
    caught = sum(r["caught"] for r in judged)
    return {
        "command": "python -m tests.meta" + (" --quick" if mode == "quick" else ""),
        "mode": mode,
        "rules": ("a declared scenario is killed when it fails in a Then step on its own assertion: not in its "
                  "set-up (Given/When), not with a harness error, not on a 5xx status unless the variant is "
                  "crash_ok; a variant is caught when every declared scenario is killed and it is not too broad "
                  f"(full run: at least {BROAD_SHARE:.0%} of the undeclared scenarios pass; quick run: its "
                  f"{CONTROL_SIZE} controls, undeclared scenarios that passed under it in the last full run, pass), "
                  "or when it declares exit2 and the run exits 2 with a matching reason"),
        "variants": len(judged),
        "caught": caught,
        "score": round(caught / len(judged), 4) if judged else None,
        "pending_harness": {r["name"]: r["status"] for r in results if r["pending"]},
        "scenarios": len(all_ids),
        "killed_scenarios": None if never is None else len(all_ids) - len(never),
        "unkilled": never,
        "results": list(results),
    }


def merge_shards(shards: Sequence[dict[str, Any]], names: Sequence[str], all_ids: Sequence[str]) -> dict[str, Any]:
    """One full document from the documents of ``--shard`` runs, which must cover every variant once."""
    by_name: dict[str, dict[str, Any]] = {}
    for shard in shards:
        if shard.get("mode") != "full-shard":
            raise ValueError(f"not a shard of a full run (mode {shard.get('mode')!r})")
        for result in shard["results"]:
            if result["name"] in by_name:
                raise ValueError(f"variant {result['name']} is in two shards")
            by_name[result["name"]] = result
    missing = [n for n in names if n not in by_name]
    if missing or len(by_name) != len(names):
        raise ValueError(f"the shards do not cover the catalogue: missing {' '.join(missing) or '-'}, "
                         f"{len(by_name)} results for {len(names)} variants")
    killed = {sid for r in by_name.values() for sid in r["killed"]}
    return document([by_name[n] for n in names], all_ids, "full", [sid for sid in all_ids if sid not in killed])
