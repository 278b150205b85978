"""``conformance strapi bisect --id ID``: the first Strapi release whose outcome for a scenario changed.

The releases are npm's (``npm view @strapi/strapi versions --json``: plain 5.x.y, no pre-releases)
from ``--good`` to ``--bad``. Both ends are run first and must disagree; then a binary search runs
the release halfway between the last one that behaves like ``--good`` and the first one known not
to, until they are neighbours. Each run installs the release (cached, about 2 minutes the first
time) and runs only the chosen scenarios (``--no-expectations``: an outcome is passed or failed, as
the release behaves). Several ids share their runs: one run of a release answers for all of them.

A release that cannot be run (its users-permissions plugin was never published, its install fails,
or Strapi does not run the fixture) is skipped, as `git bisect skip` does, with its reason. When the
only releases left between the last unchanged one and the first changed one are such releases, the
bisection says so: the range stays, with each release in it and why it could not be run, and the
matrix shows ``between X and Y (Z uninstallable: reason)`` rather than guessing.

Results go to ``reports/strapi-bisect.json`` (one entry per id: the range, the first release that
changed, every release run and its outcome) and, when it exists, to the matrix
(``reports/matrix.json`` rows get ``drift_release``; ``matrix.html`` is rendered again from it).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .paths import reports_root
from .targets.strapi.installer import is_installed

PACKAGE = "@strapi/strapi"
PLUGIN = "@strapi/plugin-users-permissions"  # installed at the same version as PACKAGE
_RELEASE = re.compile(r"^5\.(\d+)\.(\d+)$")
DEFAULT_GOOD, DEFAULT_BAD = "5.30.1", "5.54.0"


class BisectError(Exception):
    """The bisection cannot run or cannot conclude: a one-line reason (exit 2)."""


class ReleaseUnavailable(Exception):
    """This release cannot be run with the fixture; the message says why ("uninstallable: ...")."""


def plugin_missing_reason(version: str) -> str:
    return f"uninstallable: {PLUGIN} {version} was never published"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def releases_between(all_versions: list[str], good: str, bad: str) -> list[str]:
    """Plain 5.x.y releases from ``good`` to ``bad`` (both included), oldest first."""
    for end, name in ((good, "--good"), (bad, "--bad")):
        if not _RELEASE.match(end):
            raise BisectError(f"{name} {end!r} is not a 5.x.y release")
        if end not in all_versions:
            raise BisectError(f"{name} {end} is not a published release of {PACKAGE}")
    if _key(good) >= _key(bad):
        raise BisectError(f"--good {good} must be older than --bad {bad}")
    chosen = [v for v in all_versions if _RELEASE.match(v) and _key(good) <= _key(v) <= _key(bad)]
    return sorted(set(chosen), key=_key)


def npm_versions(package: str = PACKAGE) -> list[str]:
    """Every published version of ``package`` (default @strapi/strapi), as npm lists them."""
    npm = shutil.which("npm")
    if npm is None:
        raise BisectError("npm is not on PATH: bisecting Strapi releases needs npm")
    try:
        out = subprocess.run([npm, "view", package, "versions", "--json"], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        versions = json.loads(out)
    except (subprocess.SubprocessError, ValueError) as exc:
        raise BisectError(f"npm view {package} versions failed: {exc}") from exc
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise BisectError(f"npm view {package} versions did not answer a list of versions")
    return versions


def installable(versions: list[str], plugin_versions: list[str], good: str, bad: str) -> tuple[list[str], dict[str, str]]:
    """``versions`` split into those the fixture can install and those it cannot (release -> reason):
    the fixture project depends on PLUGIN at the release's own version, and a few releases never had
    theirs published (5.37.0). Those are skipped, as `git bisect skip` does; the ends must be installable."""
    published = set(plugin_versions)
    skipped = {v: plugin_missing_reason(v) for v in versions if v not in published}
    for end, name in ((good, "--good"), (bad, "--bad")):
        if end in skipped:
            raise BisectError(f"{name} {end} cannot be installed: {PLUGIN} {end} was never published")
    return [v for v in versions if v in published], skipped


@dataclass
class Bisection:
    id: str
    good: str
    bad: str
    first_changed: str | None = None
    last_unchanged: str | None = None
    outcomes: dict[str, str] = field(default_factory=dict)  # every release run -> its outcome
    # Not finished: the first release that changed is one of these (oldest, newest) and the ones between.
    candidates: tuple[str, str] | None = None
    # Releases in the whole range that could not be run -> why ("uninstallable: ...").
    skipped: dict[str, str] = field(default_factory=dict)
    # Not finished because every release between last_unchanged and the newest candidate is one that
    # cannot be run: those releases and why. Empty for a bisection merely stopped (--max-installs).
    untested: dict[str, str] = field(default_factory=dict)
    # Changes the releases run show after first_changed (the outcome went back, then changed again):
    # {"outcome": new outcome, "last_before": release, "first": release, "between": releases not run
    # between the two}: "first" is where it happened when "between" is empty.
    later_changes: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "good": self.good, "bad": self.bad, "first_changed": self.first_changed,
                "last_unchanged": self.last_unchanged, "complete": self.first_changed is not None,
                "candidates": list(self.candidates) if self.candidates else None,
                "untested": self.untested, "later_changes": self.later_changes,
                "outcomes": dict(sorted(self.outcomes.items(), key=lambda kv: _key(kv[0]))),
                "runs": len(self.outcomes),
                "skipped": dict(sorted(self.skipped.items(), key=lambda kv: _key(kv[0])))}


def pick_middle(low: int, high: int, cost: Callable[[int], int] | None = None,
                usable: Callable[[int], bool] | None = None) -> int | None:
    """The release to run between ``low`` and ``high`` (exclusive): the cheapest one, nearest the middle;
    None when no release inside can be run (``usable(index)`` false for all).

    Any release strictly inside the range narrows it, so a release already run or already installed
    (a run of about a minute) beats the exact middle when that one needs an install (several minutes
    on a loaded machine): ``cost(index)`` ranks them, lower is cheaper; None is plain halving.
    """
    middle = (low + high) // 2
    inside = [index for index in range(low + 1, high) if usable is None or usable(index)]
    if not inside:
        return None
    return min(inside, key=lambda index: (0 if cost is None else cost(index), abs(index - middle), index))


def bisect(scenario: str, versions: list[str], outcome_of: Callable[[str], str],
           cost: Callable[[str], int] | None = None, skipped: dict[str, str] | None = None) -> Bisection:
    """The first release of ``versions`` (oldest first) whose outcome differs from the first one's.

    ``outcome_of(version)`` runs (or looks up) the scenario on a release; it raises ReleaseUnavailable
    for a release that cannot be run, which is then skipped like those in ``skipped`` (release ->
    reason). Binary search: it assumes a single change in the range, and finds a change point if there
    are several. ``cost(version)`` (optional) steers each step to a cheap release inside the range
    (see ``pick_middle``). When only skipped releases are left between the last unchanged release and
    the first changed one, the result is not complete: ``candidates`` and ``untested`` say where and why.
    """
    if len(versions) < 2:
        raise BisectError("bisecting needs at least two releases")
    result = Bisection(scenario, versions[0], versions[-1], skipped=dict(skipped or {}))

    def outcome(index: int) -> str | None:
        version = versions[index]
        if version in result.skipped:
            return None
        if version not in result.outcomes:
            try:
                result.outcomes[version] = outcome_of(version)
            except ReleaseUnavailable as exc:
                result.skipped[version] = str(exc)
                return None
        return result.outcomes[version]

    before, after = outcome(0), outcome(len(versions) - 1)
    for end, value in ((versions[0], before), (versions[-1], after)):
        if value is None:
            raise BisectError(f"{scenario}: the end {end} cannot be run ({result.skipped[end]})")
    if before == after:
        raise BisectError(f"{scenario}: {versions[0]} and {versions[-1]} agree ({before}): nothing to bisect")
    low, high = 0, len(versions) - 1  # outcome(low) == before, outcome(high) != before
    while high - low > 1:
        middle = pick_middle(low, high, None if cost is None else lambda index: cost(versions[index]),
                             lambda index: versions[index] not in result.skipped)
        if middle is None:  # only releases that cannot be run are left inside: say so, do not guess
            result.last_unchanged, result.candidates = versions[low], (versions[low + 1], versions[high])
            result.untested = {versions[i]: result.skipped[versions[i]] for i in range(low + 1, high)}
            return result
        value = outcome(middle)
        if value is None:
            continue
        if value == before:
            low = middle
        else:
            high = middle
    result.first_changed, result.last_unchanged = versions[high], versions[low]
    return result


class _NotRun(Exception):
    pass


def from_outcomes(scenario: str, versions: list[str], known: dict[str, str],
                  skipped: dict[str, str] | None = None) -> Bisection:
    """The bisection as far as the releases already run (``known``: release -> outcome) take it: the
    same steps as ``bisect``; where it would need a release not run, the range left is recorded."""
    bounds = [0, len(versions) - 1]

    def lookup(version: str) -> str:
        if version not in known:
            raise _NotRun(version)
        index = versions.index(version)
        if 0 < index < len(versions) - 1:
            before = known.get(versions[0])
            bounds[0 if known[version] == before else 1] = index
        return known[version]

    try:
        # Releases already run first: they take the range as far as it can go without a new run.
        return bisect(scenario, versions, lookup, lambda version: 0 if version in known else 1, skipped)
    except _NotRun:
        partial = Bisection(scenario, versions[0], versions[-1], skipped=dict(skipped or {}))
        partial.outcomes = {v: known[v] for v in versions if v in known}
        low, high = bounds
        partial.last_unchanged = versions[low]
        partial.candidates = (versions[low + 1], versions[high])
        return partial


def _one_line(text: str) -> str:
    """A reason fit for the bisect file: its first line, without the paths of this machine."""
    from .report.writers import scrub_paths

    first = next((line.strip() for line in text.splitlines() if line.strip()), "no message")
    return scrub_paths(first.split("; log:", 1)[0])


def run_release(version: str, ids: list[str]) -> dict[str, str]:
    """Run ``ids`` on Strapi ``version`` (installed on demand): id -> passed | failed | <outcome>.
    ReleaseUnavailable when the release does not install or the run on it does not complete."""
    from .targets.base import TargetError
    from .targets.strapi.installer import install

    try:
        install(version)
    except TargetError as exc:
        raise ReleaseUnavailable(f"uninstallable: {_one_line(str(exc))}") from exc
    with tempfile.TemporaryDirectory(prefix="conformance-bisect-") as tmp:
        command = [sys.executable, "-m", "conformance.cli", "run", "--target", "strapi", "--strapi-version", version,
                   "--no-expectations", "--report-dir", tmp, *[f"--id={i}" for i in ids]]
        print(f"== strapi {version}: conformance run --id {' --id '.join(ids)}", flush=True)
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace")
        path = Path(tmp) / "report.json"
        if not path.is_file():
            sys.stderr.write(done.stderr)
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise ReleaseUnavailable(f"cannot run the fixture (exit {done.returncode}): "
                                     f"{_one_line(lines[-1] if lines else '')}")
        report = json.loads(path.read_text(encoding="utf-8"))
    outcomes = {s["id"]: s["outcome"] for s in report.get("scenarios", [])}
    missing = [i for i in ids if i not in outcomes]
    if missing:
        raise BisectError(f"Strapi {version}: no outcome for {', '.join(missing)} (unknown scenario id?)")
    print(f"   {', '.join(f'{i} {outcomes[i]}' for i in ids)}", flush=True)
    return {i: outcomes[i] for i in ids}


def bisect_many(ids: list[str], versions: list[str], run: Callable[[str, list[str]], dict[str, str]],
                done: Callable[[Bisection], None] | None = None,
                cost: Callable[[str], int] | None = None, skipped: dict[str, str] | None = None) -> list[Bisection]:
    """Bisect each id; a release is run once for all of them (its outcomes are kept). ``done`` gets
    each id's result as soon as it is known (a long bisection keeps what it found if stopped).
    ``cost(version)`` ranks releases not run yet (e.g. installed before not installed); a release
    this call has run is free for the next ids. A release ``run`` finds unavailable is skipped for all."""
    seen: dict[str, dict[str, str]] = {}
    unavailable = dict(skipped or {})

    def steer(version: str) -> int:
        return 0 if version in seen else 1 + (cost(version) if cost is not None else 0)

    def outcome_of(scenario: str) -> Callable[[str], str]:
        def one(version: str) -> str:
            if version in unavailable:
                raise ReleaseUnavailable(unavailable[version])
            if version not in seen:
                try:
                    seen[version] = run(version, ids)
                except ReleaseUnavailable as exc:
                    unavailable[version] = str(exc)
                    raise
            return seen[version][scenario]
        return one

    results = []
    for scenario in ids:
        results.append(bisect(scenario, versions, outcome_of(scenario), steer, unavailable))
        if done is not None:
            done(results[-1])
    return results


def record(results: list[Bisection], out: Path) -> dict[str, Any]:
    """Merge ``results`` into the bisect file (one entry per id; a new run of an id replaces it)."""
    try:
        data = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    except (OSError, ValueError) as exc:
        raise BisectError(f"cannot read {out}: {exc}") from exc
    entries = {e["id"]: e for e in data.get("bisections", [])}
    for result in results:
        entries[result.id] = {**result.as_json(), "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
    data = {"package": PACKAGE, "bisections": [entries[k] for k in sorted(entries)]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def recorded_outcomes(bisect_file: Path) -> dict[str, dict[str, str]]:
    """Release -> scenario id -> outcome, from the bisect file (empty when there is none)."""
    try:
        data = json.loads(bisect_file.read_text(encoding="utf-8")) if bisect_file.is_file() else {}
    except (OSError, ValueError):
        return {}
    out: dict[str, dict[str, str]] = {}
    for entry in data.get("bisections", []):
        for version, outcome in (entry.get("outcomes") or {}).items():
            out.setdefault(version, {})[entry["id"]] = outcome
    return out


def drift_label(entry: dict[str, Any]) -> str | None:
    """What the matrix says of one bisect-file entry: the first release that changed; or, when only
    releases that cannot be run are left, the range and each of them with its reason; or the range
    of a bisection stopped before its end ("not finished")."""
    if entry.get("first_changed"):
        later = [f"{c['outcome']} in {c['first']}" if not c["between"] else
                 f"{c['outcome']} between {c['last_before']} and {c['first']}" for c in entry.get("later_changes") or []]
        return str(entry["first_changed"]) + (f" (then {', '.join(later)})" if later else "")
    if not entry.get("candidates"):
        return None
    last = entry["candidates"][1]
    untested = entry.get("untested") or {}
    if untested:
        why = "; ".join(f"{version} {reason}" for version, reason in untested.items())
        return f"between {entry['last_unchanged']} and {last} ({why})"
    return f"between {entry['last_unchanged']} and {last} (not finished)"


def drift_releases(bisect_file: Path) -> dict[str, str]:
    """Scenario id -> the first release whose outcome changed (``drift_label``), from the bisect file."""
    if not bisect_file.is_file():
        return {}
    try:
        data = json.loads(bisect_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    labels = {entry["id"]: drift_label(entry) for entry in data.get("bisections", [])}
    return {scenario: label for scenario, label in labels.items() if label}


def annotate_matrix(matrix_json: Path, drift: dict[str, str]) -> bool:
    """Name the drift release on the matrix rows (``drift_release``) and render the page again."""
    if not matrix_json.is_file():
        return False
    from .report.matrix import write_matrix_html

    data = json.loads(matrix_json.read_text(encoding="utf-8"))
    for row in data.get("rows", []):
        row["drift_release"] = drift.get(row["id"])
    matrix_json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_matrix_html(data, matrix_json.with_suffix(".html"))
    return True


class _OverBudget(Exception):
    """The next release to run is not installed and ``--max-installs`` is spent."""


def later_changes(versions: list[str], outcomes: dict[str, str], first_changed: str | None) -> list[dict[str, Any]]:
    """Every change of outcome between two consecutive releases run after ``first_changed``: a binary
    search assumes one change, and a release that went back to the old outcome (CP-009 on 5.0.6)
    must not be hidden behind the first change it found."""
    if first_changed is None:
        return []
    run = [v for v in versions if v in outcomes and _key(v) >= _key(first_changed)]
    changes = []
    for before, after in zip(run, run[1:], strict=False):
        if outcomes[before] != outcomes[after]:
            between = versions[versions.index(before) + 1:versions.index(after)]
            changes.append({"outcome": outcomes[after], "last_before": before, "first": after, "between": between})
    return changes


def progress(ids: list[str], versions: list[str], known: dict[str, dict[str, str]],
             skipped: dict[str, str] | None = None) -> list[Bisection]:
    """Each id as far as the releases run so far take it (``known``: release -> id -> outcome), every
    run kept: what a stopped bisection records, and what a new run starts from."""
    results = []
    for scenario in ids:
        outcomes = {v: known[v][scenario] for v in versions if scenario in known.get(v, {})}
        ends = outcomes.get(versions[0]), outcomes.get(versions[-1])
        if None in ends or ends[0] == ends[1]:
            continue
        result = from_outcomes(scenario, versions, outcomes, skipped)
        result.outcomes = outcomes
        result.later_changes = later_changes(versions, outcomes, result.first_changed)
        results.append(result)
    return results


def cmd_bisect(args: argparse.Namespace) -> int:
    root = reports_root()
    if args.max_installs is not None and args.max_installs < 0:
        print("conformance: --max-installs must be 0 or more", file=sys.stderr)
        return 2
    installs = 0
    try:
        # Every release is in the search; those that cannot be run are skipped with their reason.
        versions = releases_between(npm_versions(), args.good, args.bad)
        skipped = installable(versions, npm_versions(PLUGIN), args.good, args.bad)[1]
        print(f"bisect {' '.join(args.id)}: {len(versions)} releases from {args.good} to {args.bad}", flush=True)
        if skipped:
            print(f"skipped (their {PLUGIN} was never published): {', '.join(skipped)}", flush=True)
        out = Path(args.out) if args.out else root / "strapi-bisect.json"
        recorded = recorded_outcomes(out)

        def run(version: str, ids: list[str]) -> dict[str, str]:
            nonlocal installs
            # A release already run for these ids (an earlier, perhaps stopped, bisection) is not run again.
            known = recorded.get(version, {})
            if all(i in known for i in ids):
                return {i: known[i] for i in ids}
            if not installed(version):
                if args.max_installs is not None and installs >= args.max_installs:
                    raise _OverBudget(version)
                installs += 1
            try:
                outcomes = run_release(version, args.id)  # every id: the next ones need this release too
            except ReleaseUnavailable as exc:
                print(f"   skipped: Strapi {version} {exc}", flush=True)
                skipped[version] = str(exc)
                record(progress(args.id, versions, recorded, skipped), out)
                raise
            recorded.setdefault(version, {}).update(outcomes)
            # Recorded after every run: a bisection stopped now keeps its range and its runs.
            record(progress(args.id, versions, recorded, skipped), out)
            return outcomes

        installed = functools.cache(is_installed)

        def cost(version: str) -> int:
            # Recorded for every id: no run; installed: a run; otherwise an install first (minutes).
            if all(i in recorded.get(version, {}) for i in args.id):
                return 0
            return 1 if installed(version) else 2

        stopped: set[str] = set()
        for scenario in args.id:
            # One id at a time: an id that needs an install past --max-installs stops alone, and the
            # next ids still go as far as the installed releases take them.
            try:
                bisect_many([scenario], versions, run, cost=cost, skipped=skipped)
                # The outcome went back after the first change: find each later change the same way.
                while True:
                    entry = progress([scenario], versions, recorded, skipped)[0]
                    loose = [c for c in entry.later_changes if any(v not in skipped for v in c["between"])]
                    if not loose:
                        break
                    low, high = versions.index(loose[0]["last_before"]), versions.index(loose[0]["first"])
                    bisect_many([scenario], versions[low:high + 1], run, cost=cost, skipped=skipped)
            except _OverBudget as stop:
                stopped.add(str(stop))
        if stopped:
            print(f"stopped before installing Strapi {', '.join(sorted(stopped, key=_key))} (--max-installs "
                  f"{args.max_installs}): the ranges narrowed so far are kept; run again to go on", flush=True)
        results = progress(args.id, versions, recorded, skipped)
        record(results, out)
    except BisectError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    for result in results:
        if result.first_changed:
            print(f"{result.id}: first changed in {drift_label(result.as_json())} (last like {result.good}: "
                  f"{result.last_unchanged}; {len(result.outcomes)} releases run)")
        else:
            print(f"{result.id}: changed {drift_label(result.as_json())}; {len(result.outcomes)} releases run")
    if annotate_matrix(root / "matrix.json", drift_releases(out)):
        print(f"wrote {out}; matrix rows annotated in {root / 'matrix.json'} and matrix.html")
    else:
        print(f"wrote {out}")
    return 0


def add_parser(actions: Any) -> None:
    bis = actions.add_parser("bisect", help="find the first Strapi release whose outcome for a scenario changed")
    bis.add_argument("--id", action="append", required=True, help="scenario id (repeatable: the runs are shared)")
    bis.add_argument("--good", default=DEFAULT_GOOD, help=f"a release with the old outcome (default {DEFAULT_GOOD})")
    bis.add_argument("--bad", default=DEFAULT_BAD, help=f"a release with the new outcome (default {DEFAULT_BAD})")
    bis.add_argument("--out", default=None, help="default: reports/strapi-bisect.json")
    bis.add_argument("--max-installs", type=int, default=None, metavar="N",
                     help="install at most N releases not in the cache, then stop and keep the ranges narrowed")
    bis.set_defaults(func=cmd_bisect)
