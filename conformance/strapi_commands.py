"""``conformance strapi up|down|status|matrix``: real Strapi by hand, and the version matrix."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .paths import reports_root
from .targets.base import TargetError

REPO_ROOT = Path(__file__).resolve().parents[1]
MATRIX_VERSIONS = ("5.0.0", "5.30.1", "5.54.0")


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_up(args: argparse.Namespace) -> int:
    from .targets.strapi import up

    try:
        state = up(args.strapi_version, port=args.port, webhook_url=args.webhook_url, project=args.project)
    except TargetError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    verb = "already running" if state.already_running else "running"
    _say(f"Strapi {state.version} {verb} at {state.url} (pid {state.pid}); log {state.log}")
    _say(f"run the suite on it: conformance run --target {state.url}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    from .targets.strapi import down

    try:
        state = down(args.strapi_version, keep_project=args.keep_project)
    except TargetError as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return 2
    _say(f"stopped Strapi {state.version} (pid {state.pid})" if state else f"no Strapi {args.strapi_version} was up")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from .targets.strapi import status

    state = status(args.strapi_version)
    _say(f"Strapi {state.version} at {state.url} (pid {state.pid})" if state else f"Strapi {args.strapi_version} is not up")
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
    down.add_argument("--keep-project", action="store_true")
    down.set_defaults(func=cmd_down)
    st = actions.add_parser("status", help="is a Strapi up?")
    st.add_argument("--strapi-version", default="5.54.0")
    st.set_defaults(func=cmd_status)
    matrix = actions.add_parser("matrix", help="run every release and write reports/matrix.html and .json")
    matrix.add_argument("--versions", nargs="+", default=list(MATRIX_VERSIONS))
    matrix.add_argument("--out", default=str(reports_root() / "matrix.html"))
    matrix.add_argument("--no-run", action="store_true",
                        help="build the page from the last runs in reports/<name>/ without running them again")
    matrix.set_defaults(func=cmd_matrix)
    from .strapi_bisect import add_parser as add_bisect

    add_bisect(actions)
