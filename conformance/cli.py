"""The ``conformance`` command: run, list, lint, matrix, expectations, stability."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__
from .paths import reports_root

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
REPO_ROOT = Path(__file__).resolve().parents[1]


_errors: list[str] = []  # the reasons given for exit 2, for the run's Markdown summary


def _die(message: str) -> int:
    _errors.append(message)
    print(f"conformance: {message}", file=sys.stderr)
    return EXIT_ERROR


def _suite_module() -> str:
    return str(Path(__file__).resolve().parent / "suite" / "test_features.py")


def pytest_args(args: argparse.Namespace, target_opts: list[str], report_dir: Path | None) -> list[str]:
    """The suite's pytest command line for a run (public: benchmarks/strapi_suite.py runs it too)."""
    from .suite import PYTEST_CONFIG

    # Only the plugins the suite uses: every installed one (schemathesis, hypothesis, anyio...)
    # cost start-up time in each process, xdist workers included.
    out = [_suite_module(), "-c", str(PYTEST_CONFIG), "--disable-plugin-autoload", "-p", "pytest_bdd.plugin",
           "-p", "conformance.plugin", "-p", "no:cacheprovider",
           # its clean-up runs gc.collect() twice at the end of every run (0.2-0.4 s); the suite's
           # steps raise what goes wrong, they do not leave unraisable exceptions behind
           "-p", "no:unraisableexception",
           # Python-level capture: the steps and the in-process reference write through sys.stdout,
           # sys.stderr and logging; file-descriptor capture cost four dup2 calls per test phase
           "--capture=sys",
           "--rootdir", str(REPO_ROOT),
           "-o", "console_output_style=classic", "--no-header",
           "-W", "ignore::pytest.PytestAssertRewriteWarning", *target_opts]
    out += ["-q"] if not getattr(args, "verbose", False) else ["-v"]
    if report_dir is not None:
        out += ["--report-dir", str(report_dir)]
    # "--opt=value": pytest reads an argument starting with "@" as a file of arguments.
    if getattr(args, "tags", None):
        out.append(f"--tags={args.tags}")
    for sid in getattr(args, "id", None) or []:
        out.append(f"--id={sid}")
    if getattr(args, "expectations", None):
        out += ["--expectations", str(args.expectations)]
    if getattr(args, "profile", None):
        out += ["--profile", args.profile]
    if getattr(args, "trace", False):
        out += ["--show-trace"]
    workers = getattr(args, "workers", None)
    # an in-process target's workers are forked from the pytest process (conformance/forked.py)
    if workers and workers not in ("0", "1") and not any(o.startswith("--forked-workers=") for o in target_opts):
        out += ["-p", "xdist.plugin", "-n", workers, "--dist", "loadgroup"]
    return out


def _check_features() -> str | None:
    from .lint import lint_paths

    problems = [p for p in lint_paths([_features_dir()]) if p.fatal]
    if problems:
        return f"{problems[0]}" + (f" (and {len(problems) - 1} more; run `conformance lint`)" if len(problems) > 1 else "")
    return None


def _features_dir() -> Path:
    from .suite import features_dir

    return features_dir()


def _check_manifest(path: str, known: set[str] | None) -> str | None:
    """A manifest is checked against the catalogue before anything starts (exit 2 with its line)."""
    from .manifests import ExpectationError, Manifest

    try:
        Manifest.load(Path(path), known)
    except ExpectationError as exc:
        return f"expectation manifest: {exc}"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    started = time.time()
    code = _run(args)
    if args.summary_md:
        _write_summary(Path(args.summary_md), getattr(args, "resolved_report_dir", None), started)
    return code


def _write_summary(out: Path, report_dir: Path | None, started: float) -> None:
    """The Markdown summary of this run's report; a report.json older than the run is not this run's."""
    from .report.summary import append_summary, no_report_markdown, summary_markdown

    path = report_dir / "report.json" if report_dir else None
    try:
        if path is not None and path.is_file() and path.stat().st_mtime >= started - 1:
            text = summary_markdown(json.loads(path.read_text(encoding="utf-8")))
            if _errors:
                text += f"Exit 2: {_errors[-1]}\n\n"
        else:
            text = no_report_markdown(_errors[-1] if _errors else "")
        append_summary(out, text)
    except (OSError, ValueError) as exc:
        print(f"conformance: cannot write the summary {out}: {exc}", file=sys.stderr)


def _shard(args: argparse.Namespace, selected: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """``--shard K/N``: this shard's part of the selection (ShardError for a bad or empty shard)."""
    from .report.shard import ShardError, parse_shard, shard_ids

    index, count = parse_shard(args.shard)
    ids = shard_ids(selected, index, count)
    if not ids:
        raise ShardError(f"shard {index}/{count} is empty: the {len(selected)} selected scenarios "
                         f"fill fewer than {count} shards")
    keep = set(ids)
    return [s for s in selected if s["id"] in keep], {"index": index, "count": count, "selected": len(selected)}


def _annotate(report_dir: Path, extra: dict[str, Any]) -> None:
    """What the pytest processes do not know, added to the reports: which shard a report holds (for
    `conformance merge`), and what was done to the user's own project (``target.project``)."""
    from .report.writers import write_all

    path = report_dir / "report.json"
    if path.is_file():
        report = json.loads(path.read_text(encoding="utf-8"))
        if "shard" in extra:
            report["shard"] = extra["shard"]
        if "project" in extra:
            report["target"]["project"] = extra["project"]
        write_all(report_dir, report)


def _run(args: argparse.Namespace) -> int:
    import pytest

    from .forked import worker_count
    from .report.progress import Progress, wanted
    from .report.shard import ShardError
    from .report.verdict import make_profile
    from .scenarios import load_catalogue, select
    from .targets.base import TargetError
    from .targets.launch import launch
    from .targets.registry import parse

    try:
        parse(args.target)  # an unknown kind is exit 2 before anything is read or started
    except TargetError as exc:
        return _die(str(exc))
    try:
        worker_count(getattr(args, "workers", None))
    except ValueError as exc:
        return _die(str(exc))
    if args.features:
        os.environ["CONFORMANCE_FEATURES"] = str(Path(args.features).resolve())
    bad = _check_features()
    if bad:
        return _die(bad)
    try:
        profile = make_profile(args.profile, args.capability)
        scenarios = load_catalogue(_features_dir())
        catalogue = [s.as_json() for s in scenarios]
        chosen = {s.id for s in select(scenarios, args.tags, args.id)}
    except ValueError as exc:
        return _die(str(exc))
    if not chosen:
        return _die("no scenario matches the selection")
    selected = [s for s in catalogue if s["id"] in chosen]
    known = {s["id"] for s in catalogue if s["id"]}
    shard: dict[str, int] | None = None
    if args.shard:
        try:
            selected, shard = _shard(args, selected)
        except ShardError as exc:
            return _die(str(exc))
        args.id = [s["id"] for s in selected]
    if args.expectations:
        if not Path(args.expectations).is_file():
            return _die(f"expectation manifest {args.expectations} does not exist")
        bad = _check_manifest(args.expectations, known)
        if bad:
            return _die(bad)
    try:
        launched = launch(args)
    except TargetError as exc:
        return _die(str(exc))
    try:
        report_dir = Path(args.report_dir) if args.report_dir else reports_root() / launched.report_name
        args.resolved_report_dir = report_dir
        if args.expectations is None and not args.no_expectations:
            from .strapi_commands import manifest_for

            default = manifest_for(launched.report_name)
            if default is not None:
                # the shipped manifests name the shipped scenarios: ids are checked against them only
                bad = _check_manifest(str(default), known if not args.features else None)
                if bad:
                    return _die(bad)
                print(f"conformance: known differences of {launched.report_name} from {default.relative_to(REPO_ROOT)}")
                args.expectations = str(default)
        if launched.target is not None:  # a shared target: what it lacks is known before any scenario runs
            reason = _capability_gap(launched.target.info, catalogue, selected, profile, report_dir)
            if reason:
                return _die(reason)
        plugins: list[Any] = []
        if wanted(args.progress):
            plugins.append(Progress(len(selected), live=sys.stdout.isatty()))
        code = pytest.main(pytest_args(args, launched.pytest_options, report_dir), plugins=plugins)
        died = getattr(launched.target, "died", lambda: None)()  # a launched target that died mid-run
    finally:
        launched.stop()
    if died:
        return _die(died)
    extra: dict[str, Any] = {"shard": shard} if shard is not None else {}
    own = getattr(launched.target, "own", None)
    if own is not None:
        extra["project"] = own.as_json()
    if extra:
        _annotate(report_dir, extra)
    return _exit_code(int(code), report_dir)


def _capability_gap(info: Any, catalogue: list[dict[str, Any]], selected: list[dict[str, Any]], profile: Any,
                    report_dir: Path) -> str | None:
    """Selected scenarios that need capabilities the target lacks, without an explicit reduced
    profile: write an ``incomplete`` report and return the one-line reason (exit 2)."""
    from .report.collector import not_run_report, target_json
    from .report.verdict import assess, missing_line

    available = info.capabilities
    records = [{**s, "outcome": "skipped"} for s in selected]
    line = missing_line(assess(records, profile, available, catalogue, [s["id"] for s in selected]), info.name)
    if line is None:
        return None
    not_run_report(report_dir, target_json(info), selected, catalogue, profile, "the target lacks capabilities")
    return line


def _exit_code(code: int, report_dir: Path) -> int:
    """From the verdict in report.json: 0 conformant, 1 non-conformant, 2 not everything asked was checked."""
    from .report.verdict import missing_line

    if code == 5:
        return _die("no scenario matches the selection (pytest collected nothing to run)")
    if code not in (0, 1):
        return EXIT_ERROR
    path = report_dir / "report.json"
    if not path.is_file():
        return code
    report = json.loads(path.read_text(encoding="utf-8"))
    if report["summary"]["total"] == 0:
        return _die("no scenario matches the selection")
    hung = _cut_by_hang(report)
    if hung:
        return _die(f"{hung[0]} ({len(hung)} scenario(s) failed without being checked); see {path}")
    missing = missing_line(report, str(report["target"].get("name")))
    if missing:
        return _die(missing)
    if report["verdict"] == "non-conformant":
        return EXIT_FAIL
    if report["verdict"] == "incomplete":
        skipped = report["coverage"]["skipped"]
        first = skipped[0] if skipped else {"id": "?", "reason": "?"}
        return _die(f"{len(skipped)} of {report['coverage']['selected']} selected scenarios were not checked "
                    f"(first: {first['id']}: {first['reason']}); see {path}")
    return EXIT_OK


def _cut_by_hang(report: dict[str, Any]) -> list[str]:
    """The messages of the scenarios failed because the target had stopped answering (a target that
    hangs is not judged: the run could not check what those scenarios ask)."""
    from .targets.http import STOPPED_ANSWERING

    messages = (s.get("message") or "" for s in report["scenarios"] if s.get("outcome") != "passed")
    return [m[m.index(STOPPED_ANSWERING):].splitlines()[0] for m in messages if STOPPED_ANSWERING in m]


def cmd_list(args: argparse.Namespace) -> int:
    from .scenarios import load_catalogue, select

    try:
        scenarios = select(load_catalogue(_features_dir()), args.tags, args.id)
    except ValueError as exc:
        return _die(str(exc))
    if args.json:
        print(json.dumps([s.as_json() for s in scenarios], indent=2))
        return EXIT_OK
    counts: dict[str, int] = {}
    for s in scenarios:
        print(f"{s.id:<8} {s.level or '-':<7} {s.feature:<40} {s.name}")
        counts[s.feature] = counts.get(s.feature, 0) + 1
    print()
    for feature, n in sorted(counts.items()):
        print(f"{n:>4}  {feature}")
    print(f"{len(scenarios):>4}  scenarios selected")
    return EXIT_OK if scenarios else _die("no scenario matches the selection")


def cmd_lint(args: argparse.Namespace) -> int:
    from .lint import lint_paths

    paths = [Path(p) for p in args.paths] or [_features_dir()]
    problems = lint_paths(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return EXIT_FAIL if not any(p.fatal for p in problems) else EXIT_ERROR
    print("features: no problems")
    return EXIT_OK


def cmd_matrix(args: argparse.Namespace) -> int:
    from .report.matrix import MatrixError, build_matrix

    try:
        out = build_matrix([Path(p) for p in args.reports], Path(args.out), args.title)
    except MatrixError as exc:
        return _die(str(exc))
    print(f"wrote {out}")
    return EXIT_OK


def _id_values(pairs: list[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        sid, sep, text = pair.partition("=")
        if not sep or not sid.strip() or not text.strip():
            raise ValueError(f"{option} {pair!r}: write {option} ID=TEXT")
        out[sid.strip()] = text.strip()
    return out


def cmd_merge(args: argparse.Namespace) -> int:
    """Shards' report.json files -> one report (json, junit, html) with the verdict recomputed."""
    from .report.shard import ShardError, merge_reports
    from .report.summary import append_summary, summary_markdown
    from .report.verdict import verdict_line
    from .report.writers import write_all
    from .scenarios import load_catalogue

    try:
        order = {s.id: i for i, s in enumerate(load_catalogue(_features_dir())) if s.id}
    except ValueError:
        order = {}  # the reports' own order (feature, id) still works
    try:
        report = merge_reports([Path(p) for p in args.reports], order)
    except ShardError as exc:
        return _die(str(exc))
    out = Path(args.out)
    write_all(out, report)
    print(f"verdict: {verdict_line(report)}")
    print(f"merged {len(args.reports)} report(s), {report['summary']['total']} scenarios: {out}")
    if args.summary_md:
        append_summary(Path(args.summary_md), summary_markdown(report))
    return _exit_code(EXIT_OK, out)


def cmd_summary(args: argparse.Namespace) -> int:
    """Markdown of existing report.json files (a job-summary step after the runs)."""
    from .report.summary import append_summary, no_report_markdown, summary_markdown

    found = [Path(p) for p in args.reports if Path(p).is_file()]
    texts = []
    for path in found:
        try:
            texts.append(summary_markdown(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return _die(f"cannot read {path}: {exc}")
    text = "".join(texts) or no_report_markdown(f"no report.json among {' '.join(args.reports)}")
    if args.out:
        append_summary(Path(args.out), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_expectations_update(args: argparse.Namespace) -> int:
    """Rewrite a manifest from a report. A new failure needs --reason and --evidence (never a
    placeholder): without them nothing is written and the ids are named (exit 2)."""
    from .manifests import ExpectationError, Manifest, update_from_report

    try:
        reasons = _id_values(args.reason, "--reason")
        evidence = _id_values(args.evidence, "--evidence")
        messages = _id_values(args.message, "--message")
    except ValueError as exc:
        return _die(str(exc))
    try:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return _die(f"cannot read {args.report}: {exc}")
    manifest_path = Path(args.manifest)
    try:
        old = Manifest.load(manifest_path) if manifest_path.is_file() else Manifest.empty()
    except ExpectationError as exc:
        return _die(str(exc))
    update = update_from_report(report, old, reasons, evidence, messages)
    if update.refused:
        problems = []
        if update.needs_reason:
            problems.append(f"new failure(s) need --reason ID=TEXT and --evidence ID=TEXT: {' '.join(update.needs_reason)}")
        if update.not_expectable:
            problems.append("failed with a harness error or in set-up, which is never an expected failure: "
                            + " ".join(update.not_expectable))
        if update.unknown_options:
            problems.append(f"not a failure in {args.report}: {' '.join(update.unknown_options)}")
        return _die(f"{manifest_path} not written: " + "; ".join(problems))
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(update.text, encoding="utf-8")
    print(f"wrote {manifest_path}: " + ", ".join(f"{len(v)} {k}" for k, v in update.changes.items()))
    for sid in update.changes["removed"]:
        print(f"  removed {sid}: it passes now")
    return EXIT_OK


def cmd_fuzz(args: argparse.Namespace) -> int:
    from .fuzz.command import run_fuzz

    return run_fuzz(args, reports_root().parent)


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff.command import run_diff

    return run_diff(args)


def cmd_stability(args: argparse.Namespace) -> int:
    from .stability import document, report_name, stability
    from .targets.base import TargetError

    if args.runs < 2:
        return _die("--runs must be at least 2 to compare outcomes")
    try:
        name = report_name(args.target, args.strapi_version, args.project)
    except TargetError as exc:
        return _die(str(exc))
    run_args = ["--target", args.target]
    for opt, value in (("--strapi-version", args.strapi_version), ("--project", args.project),
                       ("--command", args.process_command), ("--ready-url", args.ready_url),
                       ("--database", args.database), ("--expectations", args.expectations),
                       ("--workers", args.workers), ("--tags", args.tags)):
        if value:
            run_args.append(f"{opt}={value}")
    run_args += [f"--capability={c}" for c in args.capability or []] + [f"--id={i}" for i in args.id or []]
    runs, wall = stability(run_args, args.runs, args.jobs)
    command = " ".join(["conformance stability", f"--runs {args.runs}", *run_args]
                       + ([f"--jobs {args.jobs}"] if args.jobs > 1 else []))
    doc = document(name, command, runs, wall)
    out = Path(args.out) if args.out else reports_root() / "stability" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"\n{doc['runs']} runs of {doc['scenarios']} scenarios against {name} in {doc['wall_time_s']:.0f}s: "
          f"{len(doc['changed'])} changed outcome(s), {len(doc['run_errors'])} run(s) without a report")
    for item in doc["changed"]:
        print(f"  CHANGED {item['id']}: {item['outcomes']}  {' | '.join(item['messages'])[:200]}")
    for item in doc["run_errors"]:
        print(f"  run {item['run']}: {item['error']}")
    if doc["always_failing"]:
        print(f"  failing in every run (stable, but failing): {' '.join(doc['always_failing'])}")
    print(f"wrote {out}")
    if doc["run_errors"] and len(doc["run_errors"]) == len(runs):
        return EXIT_ERROR
    return EXIT_OK if doc["stable"] else EXIT_FAIL


def add_target_options(parser: argparse.ArgumentParser) -> None:
    from .targets.registry import describe

    parser.add_argument("--target", default="reference", metavar="KIND[:SPEC]", help=describe())
    parser.add_argument("--strapi-version", default=None, help="the version of a bare --target strapi (default 5.54.0)")
    parser.add_argument("--command", dest="process_command", default=None,
                        help="for --target process: the command that starts the server")
    parser.add_argument("--ready-url", default=None, help="for --target process: the base URL to wait for")
    parser.add_argument("--capability", action="append", default=None,
                        help="check only the scenarios needing these capabilities (repeatable): an explicit "
                             "reduced profile, exit 0 if they all pass")
    parser.add_argument("--database", default=None, help="database URL for reference targets (default: SQLite file)")
    parser.add_argument("--project", default=None, metavar="PATH",
                        help="for --target strapi: a copy of your own Strapi 5 project (JavaScript) with the "
                             "fixture added; its version comes from its package.json")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """``command``: the subcommand about to run, when known; the options of ``diff`` import its
    engine (about 30 ms of every other command's start-up), so they are only added for ``diff``
    itself or when the subcommand is not known yet (``--help``)."""
    parser = argparse.ArgumentParser(prog="conformance", description="Strapi v5 request-flow conformance suite")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the scenarios against a target and write reports")
    add_target_options(run)
    run.add_argument("--profile", default=None, choices=("full", "black-box"),
                     help="full (default): every selected scenario must be checked, a missing capability is "
                          "exit 2; black-box: only the scenarios that need no instrumentation")
    run.add_argument("--tags", default=None, help="tag expression: '@must and not @needs:webhooks'")
    run.add_argument("--id", action="append", default=None, help="run only this scenario id (repeatable)")
    run.add_argument("--report-dir", default=None, help="default: reports/<target>/")
    run.add_argument("--expectations", default=None,
                     help="expectation manifest (TOML); default: conformance/manifests/<target>.toml if any")
    run.add_argument("--no-expectations", action="store_true", help="ignore the target's default manifest")
    run.add_argument("--trace", action="store_true", help="print every scenario's HTTP exchanges and trace")
    run.add_argument("--workers", "-n", default=None, help="parallel workers (a number or 'auto': one per core): forked from the "
                     "pytest process for an in-process target, pytest-xdist's otherwise")
    run.add_argument("--features", default=None, help="feature folder (default: the suite's features/)")
    run.add_argument("--verbose", "-v", action="store_true")
    run.add_argument("--summary-md", default=None, metavar="FILE",
                     help="append a Markdown summary (verdict, counts per layer, failures with their "
                          "documentation links) to FILE, e.g. \"$GITHUB_STEP_SUMMARY\"")
    run.add_argument("--shard", default=None, metavar="K/N",
                     help="run part K of N of the selection (groups kept together); join the parts' "
                          "report.json files with `conformance merge`")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show scenarios done / total and failures so far (default: on a terminal, not in CI)")
    run.set_defaults(func=cmd_run)

    merge = sub.add_parser("merge", help="combine the report.json files of sharded runs into one report")
    merge.add_argument("reports", nargs="+", metavar="REPORT.json")
    merge.add_argument("--out", required=True, metavar="DIR", help="where report.json, junit.xml and report.html go")
    merge.add_argument("--summary-md", default=None, metavar="FILE", help="append a Markdown summary to FILE")
    merge.set_defaults(func=cmd_merge)

    summ = sub.add_parser("summary", help="Markdown summary of report.json files (for a CI job page)")
    summ.add_argument("reports", nargs="+", metavar="REPORT.json", help="missing files are passed over")
    summ.add_argument("--out", default=None, metavar="FILE", help="append to FILE (default: print)")
    summ.set_defaults(func=cmd_summary)

    lst = sub.add_parser("list", help="list the resolved scenarios and counts; runs nothing")
    lst.add_argument("--tags", default=None)
    lst.add_argument("--id", action="append", default=None)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)

    lint = sub.add_parser("lint", help="check feature files: unique ids, known tags, one level, a doc page")
    lint.add_argument("paths", nargs="*")
    lint.set_defaults(func=cmd_lint)

    matrix = sub.add_parser("matrix", help="one page comparing several report.json files")
    matrix.add_argument("reports", nargs="+")
    matrix.add_argument("--out", default=str(reports_root() / "matrix.html"))
    matrix.add_argument("--title", default="Conformance matrix")
    matrix.set_defaults(func=cmd_matrix)

    fuzz = sub.add_parser("fuzz", help="fuzz the content API with schemathesis (OpenAPI from the fixture)")
    add_target_options(fuzz)
    from .fuzz.options import add_fuzz_options

    add_fuzz_options(fuzz)
    fuzz.set_defaults(func=cmd_fuzz)

    diff = sub.add_parser("diff", help="replay generated request sequences on two targets and group what differs")
    if command in (None, "diff"):
        from .diff.command import add_options as add_diff_options

        add_diff_options(diff)
    diff.set_defaults(func=cmd_diff)


    stab = sub.add_parser("stability", help="run the suite N times and report scenarios whose outcome changed")
    add_target_options(stab)
    stab.add_argument("--runs", type=int, default=20, help="number of runs (default 20)")
    stab.add_argument("--jobs", type=int, default=1, help="runs at the same time (default 1)")
    stab.add_argument("--workers", "-n", default=None, help="parallel workers inside each run (as `run --workers`)")
    stab.add_argument("--expectations", default=None, help="expectation manifest (TOML) for this target")
    stab.add_argument("--tags", default=None)
    stab.add_argument("--id", action="append", default=None)
    stab.add_argument("--out", default=None, help="default: reports/stability/<target>.json")
    stab.set_defaults(func=cmd_stability)

    exp = sub.add_parser("expectations", help="expectation manifests")
    exp_sub = exp.add_subparsers(dest="action", required=True)
    upd = exp_sub.add_parser("update", help="rewrite a manifest from a run's report.json")
    upd.add_argument("--report", required=True)
    upd.add_argument("--manifest", required=True)
    upd.add_argument("--reason", action="append", default=None, metavar="ID=TEXT",
                     help="why this target differs from the documentation (required for each new failure)")
    upd.add_argument("--evidence", action="append", default=None, metavar="ID=TEXT",
                     help="how the difference was seen: docs page, request and answer (required for each new failure)")
    upd.add_argument("--message", action="append", default=None, metavar="ID=TEXT",
                     help="start of the expected failure message (default: the failure's first line)")
    upd.set_defaults(func=cmd_expectations_update)

    from .strapi_commands import add_parser as add_strapi

    add_strapi(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    # the first word that is not an option names the subcommand (the top level has only options without values)
    parser = build_parser(next((w for w in words if not w.startswith("-")), None))
    args: Any = parser.parse_args(words)
    command_line = argv is None and args.func is cmd_run
    if command_line:
        from .fast_exit import ENV

        os.environ[ENV] = "1"  # for the xdist workers (conformance/fast_exit.py)
    try:
        code = int(args.func(args))
    except KeyboardInterrupt:
        code = _die("interrupted")
    if command_line:  # the process ends here: without the interpreter's teardown
        from .fast_exit import exit_now

        exit_now(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
