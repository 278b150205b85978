"""``python -m tests.meta``: run the suite against every known-bad variant and report.

The unmodified reference implementation runs the whole suite first: when it does not pass, nothing
can be judged (exit 2).  By default every variant then runs the whole suite (the kill sets are
complete), the result is written to ``reports/meta/mutants.json`` and the scenarios no variant kills
are listed, each marked with whether ``tests/meta/UNKILLED.md`` explains it.  ``--quick`` runs only
the declared ids plus the controls, as the CI test does.  Exit 0 when every variant is caught and
every unkilled scenario is explained, 1 when not.  Variants listed in ``PENDING_HARNESS`` are run
and reported apart; they fail the command only when named with ``--variant``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .report import explained_ids, merge_shards, mutants_json
from .runner import (
    REPO_ROOT,
    SuiteRunner,
    Verdict,
    baseline_problem,
    batch_jobs,
    judge_all,
    load_recorded,
    plan,
    scenario_ids,
    unkilled,
)
from .variants import all_variants, get_variant

DEFAULT_OUT = REPO_ROOT / "reports" / "meta" / "mutants.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.meta", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", default=None, help="run only this variant (repeatable)")
    parser.add_argument("--quick", action="store_true", help="declared ids plus controls instead of the whole suite")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help="runs at the same time (default: one per core and one more, or $CONFORMANCE_META_JOBS)")
    parser.add_argument("--shard", default=None, metavar="K/N",
                        help="run only the K-th of N slices of the catalogue (a full run split over processes or "
                             "machines; needs --out); join the slices with --merge")
    parser.add_argument("--merge", nargs="+", default=None, metavar="SHARD_JSON",
                        help=f"write {DEFAULT_OUT.relative_to(REPO_ROOT)} from the --shard documents of a full run")
    parser.add_argument("--no-fork", action="store_true", help="start every run as a fresh process (slower)")
    parser.add_argument("--out", default=None,
                        help=f"write the result here (default {DEFAULT_OUT.relative_to(REPO_ROOT)} for a full run "
                             "of every variant, nothing otherwise)")
    args = parser.parse_args(argv)

    ids = scenario_ids()
    if args.merge:
        try:
            merged = merge_shards([json.loads(Path(p).read_text(encoding="utf-8")) for p in args.merge],
                                  [v.name for v in all_variants()], ids)
        except (OSError, ValueError, KeyError) as exc:
            print(f"meta: cannot merge the shards: {exc}", file=sys.stderr)
            return 2
        target = Path(args.out) if args.out else DEFAULT_OUT
        target.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
        print(f"merged {len(merged['results'])} variants: score {merged['caught']}/{merged['variants']}, "
              f"{len(merged['unkilled'])} unkilled; wrote {target}")
        unexplained = [sid for sid in merged["unkilled"] if sid not in explained_ids()]
        return 0 if merged["score"] == 1.0 and not unexplained else 1
    try:
        variants = [get_variant(n) for n in args.variant] if args.variant else all_variants()
        jobs = args.jobs if args.jobs is not None else batch_jobs()
    except (KeyError, ValueError) as exc:
        print(f"meta: {exc.args[0]}", file=sys.stderr)
        return 2
    if jobs < 1:
        print("meta: --jobs must be at least 1", file=sys.stderr)
        return 2
    shard = None
    if args.shard:
        k, _, n = args.shard.partition("/")
        if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)) or args.variant or args.quick or not args.out:
            print("meta: --shard K/N (1 <= K <= N) splits a full run of the catalogue and needs --out", file=sys.stderr)
            return 2
        shard = (int(k), int(n))
        variants = [v for i, v in enumerate(variants) if i % shard[1] == shard[0] - 1]
    recorded = load_recorded(DEFAULT_OUT)
    complete = not args.variant and not args.quick and shard is None
    started = time.monotonic()
    with SuiteRunner(fork=False if args.no_fork else None) as runner:
        problem = baseline_problem(runner.run(None), ids)
        if problem:
            print(f"meta: the unmodified reference implementation does not pass the suite, nothing can be judged: "
                  f"{problem}", file=sys.stderr)
            return 2

        def progress(verdict: Verdict) -> None:
            mark = {"caught": "caught  ", "survived": "SURVIVED", "too-broad": "TOO BROAD", "error": "ERROR   "}
            pending = "  (pending harness work)" if verdict.variant.pending else ""
            print(f"{mark[verdict.status]} {verdict.variant.name:<44} {len(verdict.result.failed):>3} failed{pending}"
                  + ("" if verdict.caught else f"   {verdict.explain()}"), flush=True)

        plans = [plan(v, ids, recorded, quick=args.quick) for v in variants]
        verdicts = judge_all(plans, runner, jobs, progress)
    wall = time.monotonic() - started

    judged = [v for v in verdicts if args.variant or not v.variant.pending]
    pending = [v for v in verdicts if not args.variant and v.variant.pending]
    caught = sum(v.caught for v in judged)
    print(f"\nmutation score: {caught}/{len(judged)} variants caught"
          + (f" ({100 * caught / len(judged):.1f}%)" if judged else "") + f" in {wall:.0f}s")
    if pending:
        print(f"pending harness work (PENDING_HARNESS, not in the score): "
              f"{sum(v.caught for v in pending)}/{len(pending)} caught")
        for v in pending:
            print(f"  {v.status:<9} {v.variant.name}: {v.variant.pending}")

    code = 0 if caught == len(judged) else 1
    if complete:
        never = unkilled(ids, verdicts)
        explained = explained_ids()
        unexplained = [sid for sid in never if sid not in explained]
        print(f"\nscenarios no variant kills: {len(never)} of {len(ids)}"
              f" ({len(never) - len(unexplained)} explained in tests/meta/UNKILLED.md)")
        for sid in never:
            print(f"  {sid}  {'explained' if sid in explained else 'NOT EXPLAINED'}")
        if unexplained:
            code = 1
    out = Path(args.out) if args.out else (DEFAULT_OUT if complete else None)
    if out is not None:
        mode = "quick" if args.quick else ("full-shard" if shard else "full")
        document: dict[str, Any] = mutants_json(verdicts, ids, mode)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out}")
    return code


if __name__ == "__main__":
    sys.exit(main())
