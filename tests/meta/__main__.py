"""``python -m tests.meta``: run the suite against every known-bad variant and report.

By default every variant runs the whole suite (the kill sets are complete), the result is written to
``reports/meta/mutants.json`` and the scenarios no variant makes fail are listed, each marked with
whether ``tests/meta/UNKILLED.md`` explains it.  ``--quick`` runs only the declared ids plus a
sample, as the CI test does.  Exit 0 when every variant is caught and every unkilled scenario is
explained, 1 when not, 2 when the unmodified reference implementation does not pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .catalogue import Variant, all_variants, get_variant
from .report import explained_ids, mutants_json
from .runner import REPO_ROOT, Verdict, judge_all, quick_selection, run_suite, scenario_ids, unkilled

DEFAULT_OUT = REPO_ROOT / "reports" / "meta" / "mutants.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.meta", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", default=None, help="run only this variant (repeatable)")
    parser.add_argument("--quick", action="store_true", help="declared ids plus a sample instead of the whole suite")
    parser.add_argument("--jobs", "-j", type=int, default=3,
                        help="variants run at the same time (default 3: runs wait on webhooks part of the time)")
    parser.add_argument("--out", default=None,
                        help=f"write the result here (default {DEFAULT_OUT.relative_to(REPO_ROOT)} for a full run "
                             "of every variant, nothing otherwise)")
    args = parser.parse_args(argv)

    variants = [get_variant(n) for n in args.variant] if args.variant else all_variants()
    ids = scenario_ids()
    complete = not args.variant and not args.quick
    started = time.monotonic()
    if not args.quick:
        baseline = run_suite(None)
        if baseline.error or baseline.failed:
            print(f"meta: the reference implementation itself does not pass: {baseline.error or baseline.failed}",
                  file=sys.stderr)
            return 2

    def select(v: Variant) -> list[str] | None:
        return quick_selection(v, ids) if args.quick else None

    def progress(verdict: Verdict) -> None:
        mark = "caught  " if verdict.caught else "SURVIVED"
        print(f"{mark} {verdict.variant.name:<44} {len(verdict.result.failed):>3} failed"
              + ("" if verdict.caught else f"   {verdict.explain()}"), flush=True)

    verdicts = judge_all(variants, select, args.jobs, progress)
    wall = time.monotonic() - started
    caught = sum(v.caught for v in verdicts)
    print(f"\nmutation score: {caught}/{len(verdicts)} variants caught ({100 * caught / len(verdicts):.1f}%)"
          f" in {wall:.0f}s")

    code = 0 if caught == len(verdicts) else 1
    if complete:
        never = unkilled(ids, verdicts)
        explained = explained_ids()
        unexplained = [sid for sid in never if sid not in explained]
        print(f"\nscenarios no variant makes fail: {len(never)} of {len(ids)}"
              f" ({len(never) - len(unexplained)} explained in tests/meta/UNKILLED.md)")
        for sid in never:
            print(f"  {sid}  {'explained' if sid in explained else 'NOT EXPLAINED'}")
        if unexplained:
            code = 1
    out = Path(args.out) if args.out else (DEFAULT_OUT if complete else None)
    if out is not None:
        document: dict[str, Any] = mutants_json(verdicts, ids, "quick" if args.quick else "full")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out}")
    return code


if __name__ == "__main__":
    sys.exit(main())
