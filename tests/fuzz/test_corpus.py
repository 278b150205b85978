"""The stateless corpus: a second run sends exactly the cases the first one drew, and any change to
what decides the draws draws afresh."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from conformance.fuzz.command import load_schema
from conformance.fuzz.corpus import Corpus
from conformance.fuzz.runner import FuzzOptions, Runner
from conformance.openapi import ContentTypeSchema, build_document

THING = ContentTypeSchema({"kind": "collectionType", "info": {"singularName": "thing", "pluralName": "things"},
                           "attributes": {"name": {"type": "string"}, "size": {"type": "integer"}}}, "thing")


def _run(directory: Path, seed: int = 1, document: dict | None = None) -> tuple[list[str], str]:
    document = document or build_document([THING], ["api::thing.thing.find"])
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url} {request.content.decode()}")
        return httpx.Response(400, json={"data": None, "error": {"status": 400, "name": "ValidationError",
                                                                  "message": "x", "details": {}}})

    client = httpx.Client(transport=httpx.MockTransport(answer), base_url="http://x.invalid")
    options = FuzzOptions(seed=seed, max_examples=5, phases=("stateless",),
                          corpus=Corpus(directory, document, seed, 5))
    runner = Runner(load_schema(document), client, "http://x.invalid", {}, options)
    result = runner.run()
    return sent, result.corpus


def test_second_run_sends_the_same_cases_without_drawing(tmp_path: Path) -> None:
    first, how = _run(tmp_path)
    assert how == "drawn" and len(first) >= 10
    second, how = _run(tmp_path)
    assert how == "reused"
    assert second == first


def test_another_seed_or_document_draws_afresh(tmp_path: Path) -> None:
    _run(tmp_path)
    assert _run(tmp_path, seed=2)[1] == "drawn"
    document = build_document([THING], [])
    document["info"]["description"] = json.dumps("changed")
    assert _run(tmp_path, document=document)[1] == "drawn"
