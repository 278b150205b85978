"""``conformance strapi up|down|status|matrix``: real Strapi by hand, and the version matrix."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import reports_root
from .targets.base import TargetError

if TYPE_CHECKING:
    from .targets.strapi import ServerState

REPO_ROOT = Path(__file__).resolve().parents[1]
MATRIX_VERSIONS = ("5.0.0", "5.30.1", "5.54.0")


def _say(message: str) -> None:
    print(message, flush=True)


def _project(args: argparse.Namespace) -> Path | None:
    return Path(args.project).resolve() if getattr(args, "project", None) else None


def describe(state: ServerState) -> str:
    """Which server: ``Strapi 5.54.0 with the fixture`` or ``Strapi 5.54.0 running a copy of <project>``."""
    what = f"running a copy of {state.source}" if state.source else "with the fixture"
    return f"Strapi {state.version} {what}"


def _wanted(args: argparse.Namespace) -> str:
    """The server a command names, before its state is read (for "not up" lines)."""
    project = _project(args)
    return f"Strapi running a copy of {project}" if project else f"Strapi {args.strapi_version} with the fixture"


def cmd_up(args: argparse.Namespace) -> int:
    from .targets.strapi import up

    try:
        state = up(args.strapi_version, port=args.port, webhook_url=args.webhook_url, project=_project(args))
    except TargetError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    verb = "already running" if state.already_running else "running"
    _say(f"{describe(state)} {verb} at {state.url} (pid {state.pid}); log {state.log}")
    _say(f"run the suite on it: conformance run --target {state.url}")
    stop = " --project " + shlex.quote(state.source) if state.source else ""
    _say(f"stop it: conformance strapi down{stop}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    from .targets.strapi import down
    from .targets.strapi.target import project_servers

    project = _project(args)
    try:
        state = down(args.strapi_version, keep_project=args.keep_project, project=project)
    except TargetError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    if state is not None:
        _say(f"stopped {describe(state)} at {state.url} (pid {state.pid})")
        return 0
    _say(f"no {_wanted(args)} was up")
    if project is None:  # `down` alone stops the fixture's server only: say where the others are
        for other in project_servers(args.strapi_version):
            _say(f"  up: {describe(other)} at {other.url}; stop it: conformance strapi down --project "
                 f"{shlex.quote(other.source or '')}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from .targets.strapi import status

    try:
        state = status(args.strapi_version, project=_project(args))
    except TargetError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    _say(f"{describe(state)} at {state.url} (pid {state.pid})" if state else f"{_wanted(args)} is not up")
    return 0 if state else 1


def manifest_for(report_name: str) -> Path | None:
    # strapi-5.54.0+<project>: your own project has the known differences of its Strapi release.
    path = REPO_ROOT / "conformance" / "manifests" / f"{report_name.split('+', 1)[0]}.toml"
    return path if path.is_file() else None


def cmd_matrix(args: argparse.Namespace) -> int:
    """Run the suite on each release (and the reference implementation), then build the matrix."""
    from .report.matrix import MatrixError, build_matrix

    reports: list[Path] = []
    runs = [("reference", [])] + [(f"strapi-{v}", ["--target", "strapi", "--strapi-version", v])
                                  for v in args.versions]
    for name, target_args in runs:
        report_dir = reports_root() / name
        if args.no_run:  # the page again from the last runs (e.g. after `strapi bisect`)
            if not (report_dir / "report.json").is_file():
                print(f"conformance: no run of {name} to build the matrix from ({report_dir / 'report.json'})",
                      file=sys.stderr)
                return 2
            reports.append(report_dir / "report.json")
            continue
        command = [sys.executable, "-m", "conformance.cli", "run", *target_args, "--report-dir", str(report_dir)]
        _say(f"== {name}: {' '.join(command[2:])}")
        code = subprocess.call(command)
        if code == 2 or not (report_dir / "report.json").is_file():
            print(f"conformance: the run against {name} could not complete (exit {code})", file=sys.stderr)
            return 2
        reports.append(report_dir / "report.json")
    try:
        from .strapi_bisect import drift_releases

        out = build_matrix(reports, Path(args.out), "Strapi 5 releases against their documentation",
                           drift_releases(Path(args.out).parent / "strapi-bisect.json"))
    except MatrixError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    _say(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    strapi = sub.add_parser("strapi", help="real Strapi: up, down, status, and the version matrix")
    actions = strapi.add_subparsers(dest="action", required=True)
    up = actions.add_parser("up", help="install (cached) and start Strapi with the fixture; leave it running")
    up.add_argument("--strapi-version", default="5.54.0")
    up.add_argument("--port", type=int, default=None)
    up.add_argument("--webhook-url", default=None, help="where the fixture's webhook posts")
    up.add_argument("--project", default=None, metavar="PATH",
                    help="a copy of your own Strapi 5 project with the fixture added (version from its package.json)")
    up.set_defaults(func=cmd_up)
    down = actions.add_parser("down", help="stop the Strapi that `up` started, by its PID")
    down.add_argument("--strapi-version", default="5.54.0")
    down.add_argument("--project", default=None, metavar="PATH",
                      help="stop the copy of this project that `up --project PATH` started (not the fixture's)")
    down.add_argument("--keep-project", action="store_true")
    down.set_defaults(func=cmd_down)
    st = actions.add_parser("status", help="is a Strapi up?")
    st.add_argument("--strapi-version", default="5.54.0")
    st.add_argument("--project", default=None, metavar="PATH", help="the copy of this project `up --project` started")
    st.set_defaults(func=cmd_status)
    matrix = actions.add_parser("matrix", help="run every release and write reports/matrix.html and .json")
    matrix.add_argument("--versions", nargs="+", default=list(MATRIX_VERSIONS))
    matrix.add_argument("--out", default=str(reports_root() / "matrix.html"))
    matrix.add_argument("--no-run", action="store_true",
                        help="build the page from the last runs in reports/<name>/ without running them again")
    matrix.set_defaults(func=cmd_matrix)
    from .strapi_bisect import add_parser as add_bisect

    add_bisect(actions)
