"""``python -m reference_impl serve PROJECT [--host] [--port] [--database URL]``."""

from __future__ import annotations

import argparse
import sys

from .errors import ProjectError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a Strapi-layout project over HTTP with uvicorn")
    serve.add_argument("project")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=1337)
    serve.add_argument("--database", default=None, help="SQLAlchemy URL (default: SQLite file in PROJECT/.tmp)")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--max-in-flight", type=int, default=None,
                       help="requests handled at once before new ones get 503 with Retry-After "
                            "(default: $REFERENCE_MAX_IN_FLIGHT or 512; 0: no limit)")
    args = parser.parse_args(argv)

    import uvicorn

    from .admission import AdmissionLimit, max_in_flight
    from .app import ReferenceApp

    try:
        limit = max_in_flight(args.max_in_flight)
    except ValueError as exc:
        print(f"reference_impl: {exc}", file=sys.stderr)
        return 2
    try:
        app = ReferenceApp(args.project, args.database)
    except ProjectError as exc:
        print(f"reference_impl: cannot load project: {exc}", file=sys.stderr)
        return 2
    options = server_options()
    uvicorn.run(AdmissionLimit(app, limit), host=args.host, port=args.port, log_level=args.log_level, lifespan="on",
                access_log=False, http=options.get("http", "auto"), loop=options.get("loop", "auto"),
                # As Koa with `proxy: false` (Strapi's default), X-Forwarded-For does not change the client.
                proxy_headers=False)
    return 0


def server_options() -> dict[str, str]:
    """The C HTTP parser and event loop of ``uvicorn[standard]`` when installed (several times less
    CPU per request than h11 and asyncio's loop); uvicorn's pure-Python defaults otherwise."""
    import importlib.util

    options = {}
    if importlib.util.find_spec("httptools") is not None:
        options["http"] = "httptools"
    if importlib.util.find_spec("uvloop") is not None:
        options["loop"] = "uvloop"
    return options


if __name__ == "__main__":
    sys.exit(main())
