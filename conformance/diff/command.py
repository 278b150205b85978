"""``conformance diff --target A --against B``: replay one plan on both, report what differs.

Exit codes: 0 every divergence is known (in the manifest) and no entry is stale; 1 unknown
divergences or stale entries; 2 bad input or a target that cannot be started or reached, with a
one-line reason.
"""

from __future__ import annotations

import argparse
import gc
import queue
import shlex
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..targets.base import Target, TargetError
from .compare import Answer, Case, Comparison, compare, differences
from .forked import ForkedWorld
from .manifest import DiffManifest, DiffManifestError, Known, default_path
from .normalise import (
    DEFAULT_DOCUMENT_FIELDS,
    DEFAULT_HEADERS,
    DEFAULT_ID_FIELDS,
    DEFAULT_TIMESTAMP_FIELDS,
    Normalisation,
)
from .plan import Plan, load_plan
from .replay import World
from .targets import TargetName, build_target, parse_name

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
DEFAULT_SEED = 20261127
DEFAULT_CASES = 1000
REPO_ROOT = Path(__file__).resolve().parents[2]


class DiffError(Exception):
    """Bad input: a one-line reason (exit 2)."""


def _fields(text: str, option: str) -> frozenset[str]:
    names = frozenset(p.strip() for p in text.split(",") if p.strip())
    if any(not n.replace("_", "").replace("-", "").isalnum() for n in names):
        raise DiffError(f"{option}: give field names separated by commas, got {text!r}")
    return names


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="reference", help="the candidate, A (default: reference)")
    parser.add_argument("--against", default="strapi", help="the oracle, B, run twice to learn noise "
                        "(default: strapi, i.e. strapi:5.54.0; strapi:VERSION, reference-http, a URL…)")
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help=f"requests compared (default {DEFAULT_CASES})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"plan seed (default {DEFAULT_SEED})")
    parser.add_argument("--sequence", type=int, action="append", default=None,
                        help="replay only this sequence of the plan (repeatable): the replay line of a group")
    parser.add_argument("--oracle-runs", choices=("auto", "separate", "same"), default="auto",
                        help="learn noise on two instances of the oracle (separate) or on one, replayed in a "
                             "second namespace (same); auto: separate when the oracle can be started twice")
    parser.add_argument("--noise-check", choices=("needed", "all"), default="needed",
                        help="ask the oracle a second time on the sequences holding an operation A and B differ on "
                             "(needed: noise only ever excuses such a difference, so the verdicts are the same) or "
                             "on every sequence, as Diffy does (all: the whole noise listing)")
    parser.add_argument("--id-fields", default=",".join(DEFAULT_ID_FIELDS),
                        help="keys whose numeric or string value is generated (compared as <id>)")
    parser.add_argument("--document-fields", default=",".join(DEFAULT_DOCUMENT_FIELDS),
                        help="keys holding documentIds (mapped to the step that created them)")
    parser.add_argument("--timestamp-fields", default=",".join(DEFAULT_TIMESTAMP_FIELDS),
                        help="keys holding generated timestamps (compared as <timestamp>; null stays null)")
    parser.add_argument("--headers", default=",".join(DEFAULT_HEADERS), help="response headers compared")
    parser.add_argument("--manifest", default=None,
                        help="known divergences (default: conformance/manifests/diff/<a>-vs-<b>.toml if any)")
    parser.add_argument("--no-manifest", action="store_true", help="every divergence is unknown")
    parser.add_argument("--report-dir", default=None, help="default: reports/diff/<a>-vs-<b>/")
    parser.add_argument("--ready-url", default=None, help="for process:COMMAND targets")
    parser.add_argument("--project", default=None, metavar="PATH",
                        help="your own Strapi 5 project: the strapi side is a copy of it with the fixture added, as "
                             "with `run --target strapi --project` (the candidate when --target is strapi, else the "
                             "oracle; a bare strapi on the other side is the project's Strapi release)")
    parser.add_argument("--database", default=None, help="database URL for reference targets")
    parser.add_argument("--no-plan-cache", action="store_true", help="draw the plan again")
    parser.add_argument("--fork", action="store_true",
                        help="with an in-process candidate and oracle: replay the oracle in a child process while "
                             "this one replays the candidate (for a machine with a core to spare: it costs more CPU "
                             "time than one process)")


@dataclass
class Run:
    a: TargetName
    b: TargetName
    plan: Plan
    comparison: Comparison
    duration_s: float
    replay_s: float
    plan_reused: bool
    oracle_runs: str
    versions: dict[str, Any]
    rules: Normalisation
    manifest: DiffManifest | None
    unmatched: list[Known]
    stale: bool
    only: list[int] | None
    command: str
    replay_cpu_s: float = 0.0
    noise_check: str = "all"
    requests: int = 0  # requests sent over the replay: A and B each case, the oracle again where needed
    second_sequences: int = 0  # sequences the oracle answered twice
    project: str | None = None  # --project as given (replay lines)

    def replay_line(self, sequence: int) -> str:
        parts = ["conformance", "diff", "--target", self.a.cli, "--against", self.b.cli, "--seed", str(self.plan.seed),
                 "--cases", str(self.plan.cases), "--sequence", str(sequence)]
        if self.project:
            parts += ["--project", self.project]
        return " ".join(shlex.quote(p) for p in parts)


# The replay allocates many short-lived objects and keeps few: its youngest generation is collected
# every 20,000 allocations instead of CPython's 700, and what start-up left (modules, the apps, the
# plan) is set aside from collections. About 8% of a replay's CPU time against the in-process reference.
REPLAY_GC_THRESHOLD = (20_000, 20, 100)


@contextmanager
def _replay_gc() -> Iterator[None]:
    """The garbage collector tuned for the replay, as it was again afterwards."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*REPLAY_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _start(target: Target) -> Any:
    return target.start()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_diff(args: Any) -> int:
    from ..paths import reports_root

    try:
        if args.cases < 1:
            raise DiffError("--cases must be at least 1")
        a, b = _with_project(getattr(args, "project", None), parse_name(args.target), parse_name(args.against))
        rules = Normalisation(_fields(args.id_fields, "--id-fields"), _fields(args.document_fields, "--document-fields"),
                              _fields(args.timestamp_fields, "--timestamp-fields"),
                              tuple(sorted(_fields(args.headers.lower(), "--headers"))))
        manifest = _manifest(args, a, b)
        oracle_runs = args.oracle_runs
        if oracle_runs == "auto":
            oracle_runs = "separate" if b.repeatable else "same"
        if oracle_runs == "separate" and not b.repeatable:
            raise DiffError(f"--oracle-runs separate: a second instance of {b.cli} cannot be started; use same")
        from ..openapi import fixture_document

        started = time.perf_counter()
        plan, reused = load_plan(fixture_document(), args.seed, args.cases, cache=not args.no_plan_cache)
        only = sorted(set(args.sequence)) if args.sequence else None
        if only and (min(only) < 0 or max(only) >= len(plan.sequences)):
            raise DiffError(f"--sequence: the plan has sequences 0 to {len(plan.sequences) - 1}")
        _say(f"diff: plan of {plan.total} cases in {len(plan.sequences)} sequences "
             f"({'from the cache' if reused else 'drawn'}, seed {plan.seed})")
        with ExitStack() as stack:
            run_id = uuid.uuid4().hex[:8]
            target_a = build_target(a, ready_url=args.ready_url, database=args.database)
            target_b = build_target(b, ready_url=args.ready_url, database=args.database)
            target_c = build_target(b, database=args.database) if oracle_runs == "separate" else None
            # --fork, candidate and oracle both in this process: the oracle replays in a child process
            # (forked now, before this process starts any thread) while this one replays A.
            child: ForkedWorld | None = None
            if args.fork and target_a.in_process and target_b.in_process and target_c is not None:
                child = ForkedWorld(target_b, "B", rules, run_id, plan)
                stack.callback(child.close)
            # A second in-process oracle costs this process' CPU to start: started once a sequence needs it.
            # Servers of their own start with the others (their start-up is wall time, not ours).
            lazy = target_c is not None and target_c.in_process and args.noise_check == "needed"
            eager = [t for t in (target_a, None if child else target_b, None if lazy else target_c) if t is not None]
            for target in eager:
                stack.callback(target.stop)
            with ThreadPoolExecutor(len(eager)) as pool:
                infos = {id(t): info for t, info in zip(eager, pool.map(_start, eager), strict=True)}
            from ..fuzz.send import direct_client

            def world(label: str, target: Target) -> World:
                client = direct_client(target, timeout=60.0)
                stack.callback(client.close)
                return World(label, client, infos[id(target)].tokens.get("full-access"), rules, run_id)

            world_a = world("A", target_a)
            world_b: World | ForkedWorld
            if child is None:
                world_b = plain_b = world("B", target_b)
                versions = {"a": infos[id(target_a)].version, "b": infos[id(target_b)].version}
            else:
                world_b, plain_b = child, None
                versions = {"a": infos[id(target_a)].version, "b": child.version}

            def second() -> World:
                """The oracle's second run: the third instance, or the same one in another namespace."""
                if target_c is None:  # one instance (never in a child process): its second namespace
                    if plain_b is None:
                        raise TargetError("the oracle's one instance is in a child process")
                    return World("C", plain_b.client, plain_b.token, rules, run_id)
                if lazy:
                    stack.callback(target_c.stop)
                    infos[id(target_c)] = _start(target_c)
                return world("C", target_c)

            parallel = child is not None or not all(t.in_process for t in (target_a, target_b))
            with _replay_gc():
                replay_started, replay_cpu = time.perf_counter(), time.process_time()
                replayed = _replay(plan, world_a, world_b, second, oracle_runs, set(only) if only else None,
                                   args.noise_check, parallel)
                replay_s = time.perf_counter() - replay_started
                # CPU time over the replay: this process' (every in-process target's work included) and
                # the oracle's child process'.
                replay_cpu_s = time.process_time() - replay_cpu + (child.cpu_s if child is not None else 0.0)
    except (TargetError, DiffError, DiffManifestError) as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return EXIT_ERROR
    cases = _cases(plan, replayed)
    comparison = compare(cases)
    unmatched: list[Known] = []
    stale = False
    if manifest is not None:
        manifest.explain(comparison.groups)
        unmatched = manifest.unmatched(comparison.groups)
        # A replay of chosen sequences, or a run smaller than the manifest's, cannot prove an entry stale.
        stale = bool(unmatched) and only is None and plan.cases >= manifest.cases
    run = Run(a, b, plan, comparison, time.perf_counter() - started, replay_s, reused, oracle_runs, versions, rules,
              manifest, unmatched, stale, only, _command_line(args, a, b), replay_cpu_s, args.noise_check,
              replayed.requests, len(replayed.c), getattr(args, "project", None))
    folder = Path(args.report_dir) if args.report_dir else reports_root() / "diff" / f"{a.report_name}-vs-{b.report_name}"
    if only is not None and not args.report_dir:
        folder = folder / "replay"
    from .report import summary_line, write_reports

    write_reports(run, folder)
    if only is not None:  # a replay: every step of the chosen sequences, with what differed
        for case in cases:
            diffs = comparison.noise.filter(case.operation, case.diffs if case.diffs is not None
                                            else differences(case.a, case.b))
            line = plan.sequences[case.sequence].steps[case.step].line()[:160]
            print(f"  [{case.sequence}:{case.step}] {line} -> A {case.a.status} B {case.b.status}"
                  + (f"  differs: {', '.join(diffs)[:200]}" if diffs else ""))
    print(summary_line(run) + f"   reports: {folder}")
    unknown = [g for g in comparison.groups if g.known is None]
    for group in unknown[:20]:
        sig = group.signature
        print(f"  UNKNOWN {sig.operation} {sig.statuses} {', '.join(sig.paths)[:150]} ({group.count} cases)  "
              f"replay: {run.replay_line(group.cases[0].sequence)}")
    for entry in unmatched:
        word = "STALE" if stale else "not seen"
        print(f"  {word}: manifest entry {entry.id} ({entry.operation}) matched no divergence")
    return EXIT_FAIL if unknown or stale else EXIT_OK


def _command_line(args: Any, a: TargetName, b: TargetName) -> str:
    """The run as a command line, without where its reports went (no local paths in the summary)."""
    parts = ["conformance", "diff", "--target", a.cli, "--against", b.cli, "--cases", str(args.cases),
             "--seed", str(args.seed)]
    if getattr(args, "project", None):
        parts += ["--project", args.project]
    if args.no_manifest:
        parts.append("--no-manifest")
    for sequence in args.sequence or []:
        parts += ["--sequence", str(sequence)]
    return " ".join(shlex.quote(p) for p in parts)


def _manifest(args: Any, a: TargetName, b: TargetName) -> DiffManifest | None:
    if args.no_manifest:
        return None
    if args.manifest:
        return DiffManifest.load(Path(args.manifest))
    # strapi-5.54.0+<project>: your own project has the known divergences of its Strapi release.
    path = default_path(REPO_ROOT, a.report_name.split("+", 1)[0], b.report_name.split("+", 1)[0])
    return DiffManifest.load(path) if path.is_file() else None


def _with_project(project: str | None, a: TargetName, b: TargetName) -> tuple[TargetName, TargetName]:
    """``--project``: the candidate is a copy of the project when it is a strapi target, else the oracle
    (both its instances); a bare strapi on the other side runs the project's Strapi release."""
    if not project:
        return a, b
    if "strapi" not in (a.kind, b.kind):
        raise DiffError("--project goes with a strapi side: --target strapi or --against strapi "
                        "(a copy of your Strapi project is started)")
    from dataclasses import replace

    from ..targets.registry import TargetOptions
    from ..targets.strapi.project import project_version

    own = TargetOptions(project=project)
    if a.kind == "strapi":
        plain = TargetOptions(strapi_version=None if b.spec else project_version(Path(project).resolve()))
        return replace(a, options=own), replace(b, options=plain) if b.kind == "strapi" else b
    return a, replace(b, options=own)


@dataclass
class Replayed:
    """The answers per sequence: A's, B's and, where the oracle was asked again, its second ones (C)."""

    a: dict[int, list[Answer]] = field(default_factory=dict)
    b: dict[int, list[Answer]] = field(default_factory=dict)
    c: dict[int, list[Answer]] = field(default_factory=dict)
    diffs: dict[int, list[list[str]]] = field(default_factory=dict)  # differences(A, B) per step

    @property
    def requests(self) -> int:
        return sum(len(x) for side in (self.a, self.b, self.c) for x in side.values())


def _replay(plan: Plan, a: World, b: World | ForkedWorld, second: Callable[[], World], oracle_runs: str,
            only: set[int] | None, noise_check: str = "needed", parallel: bool = True) -> Replayed:
    """A and B replay every chosen sequence side by side; the oracle's second run replays the sequences
    that can change a verdict (``noise_check`` "needed") or all of them.

    Noise learned on an operation only ever excuses a difference between A and B on that operation, so
    the second run is needed exactly on the sequences that hold an operation A and B differ on
    anywhere in the plan; a sequence is queued for it as soon as such a difference is seen (the second
    run keeps pace with A and B on servers of their own), every step of it, in order: it is a replay.
    Sequences see only their own documents (plan.py), so replaying some of them leaves the answers of
    each unchanged.
    """
    indices = [i for i in range(len(plan.sequences)) if only is None or i in only]
    operations = {i: {step.operation for step in plan.sequences[i].steps} for i in indices}
    out = Replayed()
    divergent: set[str] = set()
    queued: set[int] = set()
    todo: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    lock = threading.Lock()
    last = [time.perf_counter()]

    def queue_needed() -> None:  # under the lock
        for i in indices:
            if i not in queued and (noise_check == "all" or operations[i] & divergent):
                queued.add(i)
                todo.put(i)

    def done(side: dict[int, list[Answer]], index: int, answers: list[Answer]) -> None:
        with lock:
            side[index] = answers
            if side is not out.c and index in out.a and index in out.b:
                found = [differences(x, y) for x, y in zip(out.a[index], out.b[index], strict=True)]
                out.diffs[index] = found
                new = {step.operation for step, d in zip(plan.sequences[index].steps, found, strict=True) if d}
                if new - divergent:
                    divergent.update(new)
                    queue_needed()
            if time.perf_counter() - last[0] > 15:
                last[0] = time.perf_counter()
                _say(f"diff: {out.requests} answers ({len(out.a)}, {len(out.b)} and {len(out.c)} of "
                     f"{len(indices)} sequences)")

    def oracle_again() -> None:
        world: World | None = None
        while (index := todo.get()) is not None:
            world = world or second()
            done(out.c, index, world.run_sequence(index, plan.sequences[index]))

    with lock:
        queue_needed()
    if not parallel:  # every target in this process: threads would only take turns on the GIL
        try:
            a.run_each(plan, indices, lambda i, x: done(out.a, i, x))
            b.run_each(plan, indices, lambda i, x: done(out.b, i, x))
        finally:
            todo.put(None)
        oracle_again()
        return out
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(b.run_each, plan, indices, lambda i, x: done(out.b, i, x))
        # Two instances: the second run alongside; one: its second namespace after the first.
        again = pool.submit(oracle_again) if oracle_runs == "separate" else None
        try:
            a.run_each(plan, indices, lambda i, x: done(out.a, i, x))
            first.result()
        finally:
            todo.put(None)
        if again is None:
            oracle_again()
        else:
            again.result()
    return out


def _cases(plan: Plan, replayed: Replayed) -> list[Case]:
    out: list[Case] = []
    for index in sorted(replayed.a):
        again = replayed.c.get(index)
        for number, step in enumerate(plan.sequences[index].steps):
            out.append(Case(index, number, step.operation, step.origin, step.as_json(),
                            replayed.a[index][number], replayed.b[index][number],
                            again[number] if again is not None else None, replayed.diffs[index][number]))
    return out
