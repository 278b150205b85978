"""A launched process as a target: readiness, discovery and stopping, with small real servers."""

from __future__ import annotations

import sys
import textwrap

import pytest

from conformance.targets.base import TargetError
from conformance.targets.process import ProcessTarget, free_port

SERVER = textwrap.dedent("""\
    import sys, time
    from http.server import BaseHTTPRequestHandler, HTTPServer
    time.sleep(float(sys.argv[2]))
    INFO_STATUS = int(sys.argv[3])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status = 204 if self.path == "/_health" else INFO_STATUS if self.path.startswith("/api/conformance/info") else 404
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
""")


def _target(delay: float, info_status: int) -> ProcessTarget:
    port = free_port()
    return ProcessTarget([sys.executable, "-c", SERVER, str(port), str(delay), str(info_status)],
                         f"http://127.0.0.1:{port}", timeout_s=30)


def test_a_server_that_comes_up_late_is_waited_for_and_discovered() -> None:
    target = _target(0.3, 404)
    info = target.start()
    try:
        assert info.black_box and info.capabilities == {"content-types"}
        assert target.http.get("/_health").status_code == 204
        proc = target.proc
    finally:
        target.stop()
    assert proc is not None and proc.poll() is not None


def test_a_process_that_exits_before_it_is_ready_is_a_target_error_with_its_log() -> None:
    target = ProcessTarget([sys.executable, "-c", "print('no database'); raise SystemExit(3)"],
                           f"http://127.0.0.1:{free_port()}", timeout_s=30)
    with pytest.raises(TargetError) as caught:
        target.start()
    first, *rest = str(caught.value).splitlines()
    assert first == "process exited with code 3 before it was ready"
    assert rest[-1] == "no database"


def test_a_ready_process_whose_info_route_fails_is_refused_and_stopped() -> None:
    target = _target(0.0, 500)
    with pytest.raises(TargetError, match="/api/conformance/info answered 500"):
        target.start()
    assert target.proc is None  # stopped by its own PID


@pytest.mark.parametrize("env", ["CONFORMANCE_REQUEST_TIMEOUT_S", "CONFORMANCE_MAX_RESPONSE_BYTES"])
def test_a_bad_limit_is_refused_before_the_process_starts(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env, "soon")
    target = _target(0.0, 404)
    with pytest.raises(TargetError, match=f"^{env}='soon': expected a positive number"):
        target.start()
    assert target.proc is None  # nothing launched, so nothing left running
