"""The HTTP target and the scenario client against misbehaving servers (respx)."""

from __future__ import annotations

import httpx
import pytest
import respx

from conformance.assertions import ConformanceFailure
from conformance.steps.trace import trace_contains
from conformance.targets.base import TargetError, make_client
from conformance.targets.http import HttpTarget
from conformance.world import HarnessError, World

BASE = "http://target.test"
INFO = f"{BASE}/api/conformance/info"


@respx.mock
def test_discovery_reads_capabilities_and_tokens() -> None:
    respx.get(INFO).respond(200, json={"protocol": "1", "capabilities": ["trace", "control"],
                                       "tokens": {"full-access": "k"}, "implementation": {"version": "9"}})
    info = HttpTarget(BASE).start()
    assert info.capabilities == {"trace", "control"}
    assert info.tokens == {"full-access": "k"} and info.version == "9"


@respx.mock
def test_a_target_without_the_fixture_is_black_box() -> None:
    respx.get(INFO).respond(404, json={"data": None, "error": {"status": 404}})
    info = HttpTarget(BASE).start()
    assert info.capabilities == {"content-types"} and info.black_box


@pytest.mark.parametrize("status", [500, 401, 403, 302, 503])
@respx.mock
def test_an_info_route_answering_neither_200_nor_404_is_a_target_error(status: int) -> None:
    respx.get(INFO).respond(status, json={"error": {"status": status, "name": "Boom"}})
    with pytest.raises(TargetError) as caught:
        HttpTarget(BASE).start()
    message = str(caught.value)
    assert message.startswith(f"/api/conformance/info answered {status} (") and "Boom" in message
    assert "\n" not in message


@pytest.mark.parametrize(("document", "reason"), [
    ({"protocol": "1"}, "capabilities must be a list of strings"),
    ({"protocol": "1", "capabilities": "trace"}, "capabilities must be a list of strings"),
    ({"protocol": "1", "capabilities": ["trace", 3]}, "capabilities must be a list of strings"),
    ({"protocol": "1", "capabilities": [], "tokens": ["k"]}, "tokens must be an object of strings"),
    ({"protocol": "1", "capabilities": [], "user": {"password": 7}}, "user must be an object of strings"),
    ({"protocol": "1", "capabilities": [], "implementation": "x"}, "implementation must be an object"),
])
@respx.mock
def test_a_malformed_info_document_is_a_target_error(document: dict[str, object], reason: str) -> None:
    respx.get(INFO).respond(200, json=document)
    with pytest.raises(TargetError, match=reason):
        HttpTarget(BASE).start()


def test_the_target_keeps_one_client_and_closes_it_on_stop() -> None:
    target = HttpTarget(BASE)
    client = target.http
    assert target.http is client
    target.stop()
    assert client.is_closed


def test_plain_http_and_in_process_clients_load_no_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a CA bundle was loaded")

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", refuse)
    make_client("http://127.0.0.1:1").close()
    make_client("http://reference.invalid", transport=httpx.MockTransport(lambda r: httpx.Response(200))).close()
    with pytest.raises(AssertionError, match="CA bundle"):
        make_client("https://example.test")  # TLS targets are still verified


@respx.mock
def test_refused_connection_is_a_target_error() -> None:
    respx.get(INFO).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TargetError, match="unreachable"):
        HttpTarget(BASE).start()


@respx.mock
def test_timeout_is_a_target_error() -> None:
    respx.get(INFO).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TargetError, match="unreachable: ReadTimeout"):
        HttpTarget(BASE).start()


@respx.mock
def test_info_that_is_not_json_is_a_target_error() -> None:
    respx.get(INFO).respond(200, text="<html>hello</html>")
    with pytest.raises(TargetError, match="not JSON"):
        HttpTarget(BASE).start()


@respx.mock
def test_unknown_protocol_version_is_a_target_error() -> None:
    respx.get(INFO).respond(200, json={"protocol": "7"})
    with pytest.raises(TargetError, match="protocol '7'"):
        HttpTarget(BASE).start()


def _world() -> tuple[World, httpx.Client]:
    from conformance.targets.base import TargetInfo

    client = httpx.Client(base_url=BASE, timeout=1.0)
    return World(client, TargetInfo("t", "http"), None), client


@respx.mock
def test_a_body_that_is_not_json_fails_comparisons_readably() -> None:
    respx.get(f"{BASE}/api/articles").respond(200, text="oops")
    world, client = _world()
    with client:
        world.request("GET", "/api/articles")
        assert "not JSON" in repr(world.json())


@respx.mock
def test_missing_trace_header_fails_trace_assertions_with_the_exchange() -> None:
    respx.get(f"{BASE}/api/articles").respond(200, json={"data": []})
    world, client = _world()
    with client:
        world.request("GET", "/api/articles")
        with pytest.raises(ConformanceFailure) as failure:
            trace_contains(world, "gmw:first:in")
    text = str(failure.value)
    assert "(the trace is empty)" in text and "> GET /api/articles" in text


@respx.mock
def test_timeouts_during_a_scenario_are_harness_errors_naming_the_request() -> None:
    respx.get(f"{BASE}/api/articles").mock(side_effect=httpx.ReadTimeout("slow"))
    world, client = _world()
    with client, pytest.raises(HarnessError, match="GET /api/articles failed: ReadTimeout"):
        world.request("GET", "/api/articles")
