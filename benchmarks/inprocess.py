"""CPU cost per request of the reference implementation itself, without the network or uvicorn.

Drives the ASGI app directly (a minimal scope/receive/send) on the conformance fixture project and
reports CPU milliseconds per request (``time.process_time``): a steadier figure than requests per
second for comparing two versions of the code on a busy machine.  For profiling lean-ups, not a
throughput claim; ``throughput.py`` measures that over real HTTP.

    python benchmarks/inprocess.py [--requests 2000] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


async def call(app: Any, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    path, _, query = path.partition("?")
    scope = {"type": "http", "method": method, "path": path, "query_string": query.encode(),
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 1)}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


async def run(requests: int, database: str | None) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from conformance.fixture import write_reference_project
    from reference_impl import ReferenceApp

    tmp = Path(tempfile.mkdtemp(prefix="bench-inprocess-"))
    try:
        app = ReferenceApp(write_reference_project(tmp / "project"), database)
        await app.startup()
        document_id = ""
        for i in range(20):
            data = json.dumps({"data": {"title": f"Article {i}", "body": "x" * 200, "views": i}}).encode()
            status, out = await call(app, "POST", "/api/articles", data)
            assert status == 201, out
            document_id = json.loads(out)["data"]["documentId"]
        results = {}
        for name, path in (("GET /api/articles", "/api/articles"), ("GET /api/articles/:id", f"/api/articles/{document_id}")):
            for _ in range(50):
                await call(app, "GET", path)
            start = time.process_time()
            for _ in range(requests):
                status, _ = await call(app, "GET", path)
                assert status == 200
            results[name] = {"cpu_ms_per_request": round(1000 * (time.process_time() - start) / requests, 3)}
            print(f"{name}: {results[name]['cpu_ms_per_request']} CPU ms/request", file=sys.stderr)
        await app.shutdown()
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.requests, args.database))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
