"""The Python twin reads the control header from a policy context as Strapi builds it.

Strapi's policy context is a shallow copy of ctx: ``request`` is there, the delegated ``headers``
getter is not. The fixture's policies must find their directives even when no global middleware
read (and cached) the control header before them.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from conformance.fixture import write_reference_project
from conformance.fixture.facts import CONTROL_HEADER, OUTERMOST_MIDDLEWARES, TRACE_HEADER
from reference_impl import ReferenceApp

# The fixture without its instrumented global middlewares: the policies are the first to read the header.
NO_GLOBAL_INSTRUMENTS = (
    "from reference_impl.middlewares import DEFAULT_ORDER\n"
    f"config = [*{list(OUTERMOST_MIDDLEWARES)!r}, *DEFAULT_ORDER]\n"
)


async def _get(project: Path, control: dict[str, object]) -> httpx.Response:
    app = ReferenceApp(project, f"sqlite:///{project / 'data.db'}")
    await app.startup()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ref.test") as client:
            return await client.get("/api/articles", headers={CONTROL_HEADER: json.dumps(control)})
    finally:
        await app.shutdown()


def test_a_policy_reads_the_control_header_no_middleware_cached(tmp_path: Path) -> None:
    project = write_reference_project(tmp_path / "project")
    (project / "config" / "middlewares.py").write_text(NO_GLOBAL_INSTRUMENTS, encoding="utf-8")
    response = asyncio.run(_get(project, {"policy:second": {"do": "deny"}}))
    assert response.status_code == 403, response.text
    trace = response.headers[TRACE_HEADER].split()
    assert trace == ["policy:first:allow", "policy:second:deny"]
