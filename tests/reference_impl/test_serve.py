"""``python -m reference_impl serve``: a real uvicorn process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import write_project

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(project: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "reference_impl", "serve", str(project), "--port", str(port), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            return httpx.get(url, timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("server not ready in time")


@pytest.fixture
def server(tmp_path: Path, db_url: str) -> Iterator[str]:
    port = free_port()
    proc = serve(write_project(tmp_path / "project"), port, "--database", db_url)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, base + "/_health")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_health_and_a_round_trip_over_real_http(server: str) -> None:
    r = httpx.get(server + "/_health")
    assert r.status_code == 204
    assert r.headers["strapi"] == "You are so French!"
    created = httpx.post(server + "/api/articles", json={"data": {"title": "over HTTP"}})
    assert created.status_code == 201
    listed = httpx.get(server + "/api/articles").json()
    assert [a["title"] for a in listed["data"]] == ["over HTTP"]
    assert httpx.post(server + "/nowhere").status_code == 405


def test_default_database_is_an_sqlite_file_in_the_project(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project")
    port = free_port()
    proc = serve(project, port)
    try:
        assert wait_ready(proc, f"http://127.0.0.1:{port}/_health").status_code == 204
        assert (project / ".tmp" / "data.db").is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("files", "message"),
    [({"src/api/tag/content-types/tag/schema.json": "{"}, "src/api/tag/content-types/tag/schema.json"),
     ({"src/api/tag/routes/tag.py": "from reference_impl.factories import create_core_router\n"
       "routes = create_core_router('api::tag.tag', config={'find': {'policies': ['global::nope']}})\n"},
      "Policy global::nope not found.")],
)
def test_a_broken_project_exits_with_one_clear_error(tmp_path: Path, files: dict[str, str], message: str) -> None:
    proc = serve(write_project(tmp_path / "project", files), free_port())
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert message in err.decode()
