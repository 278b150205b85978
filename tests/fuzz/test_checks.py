"""The fuzzer can fail: each check it runs is shown failing on a reference implementation broken for it.

Each test wraps the in-process reference implementation in a transport that breaks one behaviour,
runs ``conformance fuzz`` on it and expects exit 1 with the check and the operation named; the
unbroken reference runs clean (tests/fuzz/test_cli.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck

from conformance.cli import main
from conformance.fixture.facts import FIXTURE_TOKENS
from conformance.fuzz import command, corpus
from conformance.fuzz.runner import SUPPRESSED_HEALTH_CHECKS, FuzzOptions, Runner
from conformance.fuzz.send import InProcessTransport
from conformance.openapi import ContentTypeSchema, build_document
from conformance.targets.base import Target
from conformance.targets.reference import ReferenceTarget

from .conftest import SHARED_EXAMPLES, shares_corpus

FULL = f"Bearer {FIXTURE_TOKENS['full-access']}"
Rewrite = Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]], httpx.Response]


class Broken(httpx.BaseTransport):
    """The reference implementation, with ``rewrite`` deciding what to answer instead."""

    def __init__(self, app: Any, rewrite: Rewrite) -> None:
        self._inner = InProcessTransport(app)
        self._rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._rewrite(request, self._inner.handle_request)

    def close(self) -> None:
        self._inner.close()


def _error(status: int, name: str, request: httpx.Request) -> httpx.Response:
    body = {"data": None, "error": {"status": status, "name": name, "message": name, "details": {}}}
    return httpx.Response(status, json=body, request=request)


def _fuzz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rewrite: Rewrite, *options: str) -> dict[str, Any]:
    # The corpus is the session's (tests/fuzz/conftest.py): every test here draws the same cases, so
    # they are drawn once; what a broken reference answers to them is each test's own.
    def broken_client(target: Target) -> httpx.Client:
        assert isinstance(target, ReferenceTarget)
        app = target.app
        return httpx.Client(transport=Broken(app, rewrite), base_url="http://reference.invalid")

    monkeypatch.setattr(command, "fuzz_client", broken_client)
    code = main(["fuzz", "--report-dir", str(tmp_path / "fuzz"), "--corpus-dir", str(corpus.default_directory()),
                 "--max-examples", SHARED_EXAMPLES, *options])
    summary = json.loads((tmp_path / "fuzz" / "summary.json").read_text())
    failures = json.loads((tmp_path / "fuzz" / "failures.json").read_text())
    return {"code": code, "summary": summary, "failures": {(f["check"], f["operation"]) for f in failures}}


@shares_corpus
def test_valid_create_answered_403_with_the_full_access_token_fails(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def forbid_creates(request: httpx.Request, send: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
        response = send(request)
        if request.method == "POST" and request.url.path == "/api/articles" and response.status_code == 201:
            return _error(403, "ForbiddenError", request)
        return response

    run = _fuzz(tmp_path, monkeypatch, forbid_creates, "--phases", "stateless")
    assert run["code"] == 1
    assert ("positive_data_acceptance", "POST /api/articles") in run["failures"]
    assert "POST /api/articles" in run["summary"]["operations"]["unreached"]


@shares_corpus
def test_an_operation_never_reached_fails_the_run_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    def no_find_one(request: httpx.Request, send: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
        if request.method == "GET" and request.url.path.startswith("/api/tags/"):
            return _error(404, "NotFoundError", request)  # the route is gone: every id is "not found"
        return send(request)

    run = _fuzz(tmp_path, monkeypatch, no_find_one, "--phases", "stateless,stateful", "--record-only")
    assert run["code"] == 1  # even with --record-only: the operation was not fuzzed at all
    assert run["summary"]["operations"]["unreached"] == ["GET /api/tags/{id}"]
    assert run["failures"] == set()  # 404 is documented: no check fails, only reachability
    err = capsys.readouterr().err
    assert "never reached" in err and "GET /api/tags/{id}" in err
    junit = (tmp_path / "fuzz" / "junit.xml").read_text()
    assert 'name="fuzz.reachability"' in junit and 'failures="1"' in junit


@shares_corpus
def test_a_route_that_needs_a_token_but_takes_none_fails_ignored_auth(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def anyone_writes_tags(request: httpx.Request, send: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
        if request.url.path.startswith("/api/tags") and request.headers.get("authorization") != FULL:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
            request = httpx.Request(request.method, request.url, headers={**headers, "Authorization": FULL},
                                    content=request.read())
        return send(request)

    run = _fuzz(tmp_path, monkeypatch, anyone_writes_tags, "--phases", "stateless")
    assert run["code"] == 1
    assert {("ignored_auth", "POST /api/tags"), ("ignored_auth", "PUT /api/tags/{id}")} <= run["failures"]
    # Article and author actions are public: nothing to enforce there.
    assert not any(check == "ignored_auth" and "tags" not in op for check, op in run["failures"])


@shares_corpus
def test_invalid_bodies_accepted_fail_negative_data_rejection(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def lenient(request: httpx.Request, send: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
        response = send(request)
        if request.method == "POST" and request.url.path == "/api/authors" and response.status_code == 400:
            # Store nothing of what was sent: a valid empty author, as if the body had been accepted.
            return send(httpx.Request("POST", request.url.copy_with(query=None), json={"data": {}},
                                      headers={"Authorization": FULL}))
        return response

    run = _fuzz(tmp_path, monkeypatch, lenient, "--phases", "stateless")
    assert run["code"] == 1
    assert ("negative_data_rejection", "POST /api/authors") in run["failures"]


@pytest.mark.parametrize("phase", ["stateless", "stateful"])
@shares_corpus
def test_a_private_attribute_in_any_answer_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         phase: str) -> None:
    def leaky(request: httpx.Request, send: Callable[[httpx.Request], httpx.Response]) -> httpx.Response:
        # Every entry answered carries a populated relation with the private ``secret``, as a
        # sanitizer that forgot populated relations would: deep in data, never at its top.
        response = send(request)
        if response.status_code >= 300 or not response.content:
            return response
        body = response.json()
        entries = body["data"] if isinstance(body.get("data"), list) else [body.get("data")]
        for entry in entries:
            if isinstance(entry, dict):
                entry["leaky"] = [{"id": 1, "documentId": "x", "secret": "s"}]
        return httpx.Response(response.status_code, json=body, request=request)

    run = _fuzz(tmp_path, monkeypatch, leaky, "--phases", phase)
    assert run["code"] == 1
    found = json.loads((tmp_path / "fuzz" / "failures.json").read_text())
    leaks = [f for f in found if f["check"] == "private_attribute_leak"]
    assert {f["phase"] for f in leaks} == {phase}
    # Stateless: every operation is sent and reached, so each that answers entries is caught; the
    # stateful phase's few scenarios (4 examples) create and read some types.
    operations = {f["operation"] for f in leaks}
    if phase == "stateless":
        assert {"POST /api/articles", "GET /api/articles", "GET /api/authors/{id}", "PUT /api/homepage",
                "PUT /api/tags/{id}"} <= operations, operations
    else:
        assert len([op for op in operations if op.startswith("POST ")]) >= 3, operations
    assert all(".leaky[0].secret is a private attribute" in f["message"] for f in leaks)


@shares_corpus
def test_a_private_attribute_in_a_webhook_payload_fails_the_run(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from reference_impl.webhooks import WebhookRunner

    deliver = WebhookRunner.__call__

    def leaky(self: WebhookRunner, event: str, info: dict[str, Any]) -> None:
        entry = info.get("entry")
        if info.get("model") == "article" and isinstance(entry, dict):
            info = {**info, "entry": {**entry, "secret": "s"}}
        deliver(self, event, info)

    monkeypatch.setattr(WebhookRunner, "__call__", leaky)
    run = _fuzz(tmp_path, monkeypatch, lambda request, send: send(request), "--phases", "stateless")
    assert run["code"] == 1
    assert run["failures"] == {("private_attribute_leak", "webhooks")}
    assert run["summary"]["webhooks"]["deliveries"] > 0 and run["summary"]["webhooks"]["idle"] is True
    found = json.loads((tmp_path / "fuzz" / "failures.json").read_text())
    assert {f["title"] for f in found} >= {"Private attribute secret in entry.create of article"}
    junit = (tmp_path / "fuzz" / "junit.xml").read_text()
    assert 'name="fuzz.webhooks"' in junit and "entry.secret is a private attribute" in junit


def test_documented_statuses_have_no_500_and_valid_creates_expect_201_only() -> None:
    from conformance.fuzz.runner import checks_config
    from conformance.openapi import fixture_document

    document = fixture_document()
    for path, item in document["paths"].items():
        for method, op in item.items():
            assert "500" not in op["responses"], f"{method} {path}"
    assert "InternalServerError" not in document["components"]["responses"]
    config = {entry["include-name"]: entry["checks"] for entry in checks_config(document)["operations"]}
    assert config["POST /api/articles"]["positive_data_acceptance"]["expected-statuses"] == ["201"]
    assert config["GET /api/articles/{id}"]["positive_data_acceptance"]["expected-statuses"] == ["200", "404"]
    assert "403" in config["POST /api/tags"]["negative_data_rejection"]["expected-statuses"]
    assert "403" not in config["POST /api/articles"]["negative_data_rejection"]["expected-statuses"]


def test_only_too_slow_is_suppressed_and_other_health_checks_surface() -> None:
    assert [HealthCheck.too_slow] == SUPPRESSED_HEALTH_CHECKS
    # A query parameter hypothesis can only draw through a filter that rejects nearly everything:
    # filter_too_much (or Unsatisfiable) is reported as a generation error, not swallowed.
    thing = ContentTypeSchema({"kind": "collectionType", "info": {"singularName": "thing", "pluralName": "things"},
                               "attributes": {"name": {"type": "string"}}}, "thing")
    document = build_document([thing], ["api::thing.thing.find"])
    find = document["paths"]["/api/things"]["get"]
    find["parameters"] = [{"name": "q", "in": "query", "required": True,
                           "schema": {"type": "string", "pattern": "^[a-z]{40}$", "not": {"pattern": "[a-y]"}}}]
    schema = command.load_schema(document)
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"data": []})),
                          base_url="http://x.invalid")
    runner = Runner(schema, client, "http://x.invalid", {}, FuzzOptions(seed=1, max_examples=5,
                                                                        phases=("stateless",)))
    runner.run()
    assert any(e.startswith("GET /api/things (positive)") for e in runner.result.errors), runner.result.errors
