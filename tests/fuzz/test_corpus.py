"""The stateless corpus: a second run sends exactly the cases the first one drew, and any change to
what decides the draws draws afresh."""

from __future__ import annotations

import json
import os
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


_REPLAY = """
import json, sys
from pathlib import Path
from conformance.fuzz.command import load_schema
from conformance.fuzz.corpus import Corpus
from conformance.fuzz.runner import FuzzOptions, Runner
from conformance.openapi import ContentTypeSchema, build_document
import httpx

THING = ContentTypeSchema({"kind": "collectionType", "info": {"singularName": "thing", "pluralName": "things"},
                           "attributes": {"name": {"type": "string"}, "size": {"type": "integer"}}}, "thing")
document = build_document([THING], ["api::thing.thing.find", "api::thing.thing.create"])
schema = load_schema(document)
corpus = Corpus(Path(sys.argv[1]), document, 3, 3)
if sys.argv[2] == "draw":
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)), base_url="http://x.invalid")
    Runner(schema, client, "http://x.invalid", {}, FuzzOptions(seed=3, max_examples=3, phases=("stateless",),
                                                               corpus=corpus)).run()
else:
    out = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in ("positive", "negative"):
            for case in corpus.load(operation, mode) or []:
                meta = case.meta  # what the runner reads: revalidated if the case looks modified
                out.append([operation.label, mode, meta.generation.mode.value, sorted(map(str, meta._dirty))])
    print(json.dumps(out))
"""


def test_a_case_replayed_in_another_process_keeps_its_metadata(tmp_path: Path) -> None:
    """Change tracking in a case's metadata uses ``hash()``, which differs per process: replayed
    as stored, every component looked modified, was revalidated, and positive cases turned
    negative (the runner then left their relations unpointed: 3 operations never reached)."""
    import subprocess
    import sys

    def run(step: str, hash_seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", _REPLAY, str(tmp_path), step], env=env,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run("draw", "1")
    replayed = json.loads(run("load", "2"))
    assert len(replayed) >= 10
    assert [r for r in replayed if r[1] != r[2] or r[3]] == []
