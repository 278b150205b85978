"""The harness against hostile targets, played by real tiny HTTP servers on loopback (no mocks):
oversized bodies, a target that never answers, redirects, garbage protocol headers, a launched
target that dies mid-run, and the webhook receiver's own limits (conformance/PROTOCOL.md, section 8)."""

from __future__ import annotations

import json
import os
import socket
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.targets.base import TargetError
from conformance.targets.http import (
    HANG_LIMIT,
    MAX_BODY_ENV,
    STOPPED_ANSWERING,
    TIMEOUT_ENV,
    HttpTarget,
    TargetMisbehaved,
    discover,
    forget_timeouts,
)
from conformance.webhooks import MAX_DELIVERY_BYTES, WebhookReceiver, fetch_deliveries
from tests.forked_cli import run_conformance

CAP = 1024 * 1024  # the cap these tests set, so that going over it costs little


class _Hostile(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        path = self.path.split("?")[0]
        if path == "/declared-big":  # says how big it is: refused before a byte of the body is read
            self._head(200, {"content-length": str(50 * CAP)})
            self.wfile.write(b"x" * 1024)
        elif path == "/endless":  # chunked, no length, never ends on its own
            self._head(200, {"transfer-encoding": "chunked"})
            chunk = b"x" * 65536
            try:
                while not self.server.closing.is_set() and self.server.sent < 200 * CAP:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.server.sent += len(chunk)
            except OSError:  # the client stopped reading and closed the connection
                pass
            self.server.endless_over.set()
        elif path == "/hang":
            self.server.closing.wait(60)
        elif path == "/stall-body":  # headers at once, then half the body, then nothing
            self._head(200, {"content-length": "1000"})
            self.wfile.write(b"x" * 500)
            self.wfile.flush()
            self.server.closing.wait(60)
        elif path == "/trickle-body":  # a byte every 50 ms: no single read ever waits long
            self._head(200, {"content-length": "1000"})
            self._trickle(b"x" * 1000)
        elif path == "/trickle-headers":
            self._trickle(b"HTTP/1.1 200 OK\r\n" + b"x-slow: " + b"y" * 1000 + b"\r\n\r\n")
        elif path == "/redirect":
            self._answer(302, b"", {"location": self.server.elsewhere})
        elif path == "/garbage-trace":
            self._answer(200, b"{}", {"x-conformance-trace": "gmw:first:in <script>alert(1)</script> ok"})
        elif path == "/long-trace":
            self._answer(200, b"{}", {"x-conformance-trace": " ".join(["gmw:first:in"] * 8000)})
        elif path == "/api/conformance/info":
            self._answer(200, json.dumps(self.server.info).encode(), {
                "content-type": "application/json", "x-conformance-trace": self.server.info_trace})
        else:
            self._answer(200, b'{"data": []}', {"content-type": "application/json"})

    def _trickle(self, data: bytes) -> None:
        try:
            for i in range(len(data)):
                if self.server.closing.wait(0.05):
                    return
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
        except OSError:  # the client gave up and closed the connection
            pass

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self._head(status, {"content-length": str(len(body)), **headers})
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hostile)
        self.hits: list[str] = []
        self.closing = threading.Event()
        self.sent = 0
        self.endless_over = threading.Event()  # /endless stopped writing
        self.elsewhere = ""
        self.info: dict[str, Any] = {"protocol": "1", "capabilities": ["content-types", "trace"], "tokens": {},
                                     "user": {}}
        self.info_trace = "gmw:first:in gmw:first:out"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(autouse=True)
def _fresh_timeout_counts() -> Iterator[None]:
    """Timeouts in a row are counted per target address for the whole process: a later server on a
    reused port must not inherit a hung one's count."""
    forget_timeouts()
    yield
    forget_timeouts()


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[_Server] = []

    def start() -> _Server:
        server = _Server()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.closing.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_BODY_ENV, str(CAP))


def test_a_declared_oversized_body_is_refused_unread(serve: Any, capped: None) -> None:
    server = serve()
    with HttpTarget(server.url).client() as client:
        started = time.monotonic()
        with pytest.raises(TargetMisbehaved, match=rf"body is {50 * CAP} bytes, over the {CAP}-byte cap"):
            client.get("/declared-big")
        assert time.monotonic() - started < 5


def test_an_endless_body_is_cut_at_the_cap(serve: Any, capped: None) -> None:
    server = serve()
    with HttpTarget(server.url).client() as client, \
            pytest.raises(TargetMisbehaved, match=rf"passed the {CAP}-byte cap .*stopped reading at"):
        client.get("/endless")
    assert server.endless_over.wait(10), "the server is still writing: the client never closed the connection"
    # The server stopped soon after the cap: what it sent is the cap plus socket buffers, not 200 MB.
    assert CAP < server.sent < 20 * CAP


def test_a_bad_cap_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_BODY_ENV, "lots")
    with pytest.raises(TargetError, match=f"{MAX_BODY_ENV}='lots': expected a positive number of bytes"):
        HttpTarget("http://127.0.0.1:9").client()


def test_a_target_that_never_answers_is_cut_then_not_asked_again(serve: Any) -> None:
    server = serve()
    with HttpTarget(server.url).client(timeout=0.15) as client:  # only hung requests wait for it
        for _ in range(HANG_LIMIT):
            with pytest.raises(httpx.ReadTimeout):
                client.get("/hang")
        started = time.monotonic()
        with pytest.raises(TargetMisbehaved, match=f"stopped answering: {HANG_LIMIT} requests in a row timed out"):
            client.get("/")
        assert time.monotonic() - started < 0.2
    assert server.hits.count("/hang") == HANG_LIMIT and "/" not in server.hits


def test_an_answer_resets_the_count_of_timeouts(serve: Any) -> None:
    server = serve()
    # two rounds of HANG_LIMIT - 1 timeouts: more timeouts than the limit in all, never that many in a row
    assert 2 * (HANG_LIMIT - 1) > HANG_LIMIT
    with HttpTarget(server.url).client(timeout=0.3) as client:
        for _ in range(2):
            for _ in range(HANG_LIMIT - 1):
                with pytest.raises(httpx.ReadTimeout):
                    client.get("/hang")
            assert client.get("/").status_code == 200


def test_a_body_that_stalls_counts_toward_the_hang_limit(serve: Any) -> None:
    """Headers at once, then silence in the body: a timeout like any other."""
    server = serve()
    with HttpTarget(server.url).client(timeout=0.15) as client:
        for _ in range(HANG_LIMIT):
            with pytest.raises(httpx.ReadTimeout, match="no whole answer within 0.15 s"):
                client.get("/stall-body")
        with pytest.raises(TargetMisbehaved, match=f"stopped answering: {HANG_LIMIT} requests in a row timed out"):
            client.get("/")
    assert server.hits.count("/stall-body") == HANG_LIMIT and "/" not in server.hits


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_a_target_that_trickles_is_cut_at_the_request_deadline(serve: Any, path: str) -> None:
    """A byte every 50 ms meets every per-read timeout: 1,000 of them would take 50 s. The request's
    timeout is wall-clock time for the whole answer, headers and body."""
    server = serve()
    with HttpTarget(server.url).client(timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout, match=rf"no whole answer within 0.3 s \({TIMEOUT_ENV}\)"):
            client.get(path)
        took = time.monotonic() - started
    assert 0.25 < took < 3


def test_the_request_timeout_comes_from_the_environment(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "0.4")
    server = serve()
    with HttpTarget(server.url).client() as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout, match="within 0.4 s"):
            client.get("/hang")
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("bad", ["soon", "0", "-1", "nan", "inf", "1e999"])
def test_a_bad_request_timeout_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, bad)
    with pytest.raises(TargetError, match=rf"^{TIMEOUT_ENV}='{bad}': expected a positive number of seconds$"):
        HttpTarget("http://127.0.0.1:9").client()


def test_a_bad_request_timeout_stops_the_run_before_a_target_is_launched(tmp_path: Path) -> None:
    marker = tmp_path / "launched"
    command = f"{sys.executable} -c \"open('{marker}', 'w')\""
    done = run_conformance(["run", "--target", "process", "--command", command,
                           "--ready-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path / "report")],
                          {**os.environ, TIMEOUT_ENV: "soon"}, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"conformance: {TIMEOUT_ENV}='soon': expected a positive number of seconds"
    assert not marker.exists()


def test_a_run_against_a_silent_target_ends_within_the_request_timeout(serve: Any, tmp_path: Path) -> None:
    """Discovery is the first request: one request timeout of silence and the run stops with exit 2."""
    server = serve()
    # Every path hangs: discovery included.
    server.RequestHandlerClass = type("Silent", (_Hostile,), {"do_GET": lambda self: self.server.closing.wait(60)})
    started = time.monotonic()
    done = run_conformance(["run", "--target", server.url + "/",
                           "--report-dir", str(tmp_path)],
                          {**os.environ, TIMEOUT_ENV: "0.3"}, timeout=60)
    took = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert "is unreachable: ReadTimeout: no whole answer within 0.3 s" in done.stderr
    assert 0.3 < took < 30


class _HangsAfterDiscovery(_Hostile):
    """No fixture (404 at discovery, a black-box target), then silence for every other request."""

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        if self.path.startswith("/api/conformance/"):
            self._answer(404, b"{}", {"content-type": "application/json"})
        else:
            self.server.closing.wait(60)

    def do_POST(self) -> None:
        self.do_GET()

    def do_PUT(self) -> None:
        self.do_GET()

    def do_DELETE(self) -> None:
        self.do_GET()


def test_a_run_against_a_target_that_hangs_after_discovery_ends_within_the_stated_bound(
        serve: Any, tmp_path: Path) -> None:
    """The bound (conformance/PROTOCOL.md, section 8): discovery, the probes' timeouts, then HANG_LIMIT
    request timeouts, then every other request fails at once; without the limit each of ~230
    scenarios would wait its 0.5 s."""
    server = serve()
    server.RequestHandlerClass = _HangsAfterDiscovery
    started = time.monotonic()
    done = run_conformance(["run", "--target", server.url,
                           "--profile", "black-box", "--report-dir", str(tmp_path / "report")],
                          {**os.environ, TIMEOUT_ENV: "0.5"}, timeout=300)
    took = time.monotonic() - started
    # Not judged (exit 1) but not checked: exit 2 with the one line saying why.
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr
    assert f"conformance: {STOPPED_ANSWERING}: {HANG_LIMIT} requests in a row timed out" in done.stderr, done.stderr
    # The content-types probe waits once (its first request); the test process's discovery answers,
    # which starts the count again; then HANG_LIMIT scenario requests wait and no other is sent.
    hung = [h for h in server.hits if not h.startswith("/api/conformance/")]
    assert len(hung) == 1 + HANG_LIMIT and "probe" in hung[0], hung
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    ran = [s for s in report["scenarios"] if s["outcome"] != "skipped"]
    cut = [s for s in ran if "stopped answering" in (s["message"] or "")]
    timed_out = [s for s in ran if "ReadTimeout" in (s["message"] or "")]
    assert len(timed_out) == HANG_LIMIT and len(cut) == len(ran) - HANG_LIMIT > 100
    assert max(s["duration_s"] for s in cut) < 0.5  # less than one request timeout: none waited
    assert took < 60


def test_redirects_are_not_followed(serve: Any) -> None:
    server, elsewhere = serve(), serve()
    server.elsewhere = elsewhere.url + "/stolen"
    with HttpTarget(server.url).client() as client:
        response = client.get("/redirect")
    assert response.status_code == 302 and response.headers["location"] == elsewhere.url + "/stolen"
    assert elsewhere.hits == []


def test_a_garbage_trace_header_fails_the_request(serve: Any) -> None:
    server = serve()
    with HttpTarget(server.url).client() as client:
        with pytest.raises(TargetMisbehaved, match=r"not a list of stage:name:phase markers .*'<script>alert\(1\)"):
            client.get("/garbage-trace")
        with pytest.raises(TargetMisbehaved, match="header is 103999 characters long"):
            client.get("/long-trace")
        assert client.get("/").status_code == 200  # a well-formed answer still goes through


def test_a_garbage_trace_on_discovery_is_a_one_line_target_error(serve: Any) -> None:
    server = serve()
    server.info_trace = "\x7f\x7f"
    with HttpTarget(server.url).client() as client, pytest.raises(TargetError) as caught:
        discover(client, "hostile", "http", server.url)
    assert "GET /api/conformance/info: the x-conformance-trace header is not a list" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_target_whose_control_answer_is_garbage_is_refused(serve: Any, tmp_path: Path) -> None:
    """It declares ``control`` but answers the probe's directive with something else: exit 2."""
    server = serve()
    server.info["capabilities"] = ["content-types", "trace", "control"]
    done = run_conformance(["run", "--target", server.url,
                           "--report-dir", str(tmp_path)], os.environ, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "control" in done.stderr.splitlines()[-1]


DYING_SERVER = textwrap.dedent('''
    import json, os, sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = 0

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            global seen
            seen += 1
            if self.path.startswith("/api/articles") and seen > 12:
                print("hostile: out of memory, giving up", flush=True)
                os._exit(3)
            status, body = (404, b"{}") if self.path.startswith("/api/conformance") else (200, b'{"data": [], "meta": {}}')
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        do_POST = do_PUT = do_DELETE = do_GET

        def log_message(self, *args):
            pass

    print("hostile: listening", flush=True)
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
''')


def test_a_launched_target_that_dies_fails_the_rest_at_once_with_its_log(tmp_path: Path) -> None:
    script = tmp_path / "dying.py"
    script.write_text(DYING_SERVER)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    done = run_conformance(["run", "--target", "process",
                           "--command", f"{sys.executable} {script} {port}", "--ready-url", f"http://127.0.0.1:{port}",
                           "--profile", "black-box", "--report-dir", str(tmp_path / "report")],
                          os.environ, timeout=300)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr
    assert "process exited with code 3 during the run" in done.stderr
    assert "hostile: out of memory, giving up" in done.stderr  # the tail of its log
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    ran = [s for s in report["scenarios"] if s["outcome"] != "skipped"]
    # report.json lists scenarios in feature-file order, not in the order they ran: the death is
    # told apart by what each failure says, not by its place.
    died = [s for s in ran if "TargetMisbehaved: process exited with code 3" in (s["message"] or "")]
    assert len(died) > 10 and all(s["outcome"] == "failed" for s in died)
    # Only the request that met the death itself fails otherwise (a reset connection); every later
    # one is cut by the harness, none waits on or retries the dead target (connection refused).
    transport = [s["id"] for s in ran if s not in died and any(
        e in (s["message"] or "") for e in ("ReadError", "ConnectError", "RemoteProtocolError", "Timeout"))]
    assert len(transport) <= 1, transport
    # Each scenario after the death failed without waiting on the dead target.
    assert max(s["duration_s"] for s in died) < 1.0
    assert time.monotonic() - started < 120


def test_the_receiver_binds_loopback_only() -> None:
    receiver = WebhookReceiver().start()
    try:
        host, port = receiver._server.server_address[:2]  # type: ignore[union-attr]
        assert host == "127.0.0.1"
        outside = _outside_address()
        if outside is not None:
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=1).close()
    finally:
        receiver.stop()


def _outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
        except OSError:
            return None
        address = str(sock.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_the_receiver_caps_deliveries() -> None:
    receiver = WebhookReceiver().start()
    try:
        with httpx.Client(trust_env=False) as client:
            big = client.post(receiver.hook_url, content=b"x" * (MAX_DELIVERY_BYTES + 1))
            assert big.status_code == 413
            chunked = client.post(receiver.hook_url, content=iter([b'{"a":', b"1}"]))
            assert chunked.status_code == 411
            assert client.post(receiver.hook_url, json={"event": "entry.create"}).status_code == 204
        deliveries = fetch_deliveries(receiver.events_url)
        assert [d["body"] for d in deliveries] == [{"event": "entry.create"}]
    finally:
        receiver.stop()
