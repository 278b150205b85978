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


class _Store:
    """A target that keeps documents: creates answer 201 with a documentId of its own (``prefix``),
    reads, updates and deletes of a known document 200, of any other 404; everything else 400."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.documents: set[str] = set()
        self.sent: list[str] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.sent.append(f"{request.method} {path}")
        if request.method == "POST" and path == "/api/things":
            document = f"{self.prefix}{len(self.documents) + 1}"
            self.documents.add(document)
            return httpx.Response(201, json={"data": {"id": 1, "documentId": document, "name": "x", "size": 1},
                                             "meta": {}})
        if path.startswith("/api/things/") and request.method in ("GET", "PUT", "DELETE"):
            document = path.rsplit("/", 1)[1]
            if document not in self.documents:
                return httpx.Response(404, json={"data": None, "error": {"status": 404, "name": "NotFoundError",
                                                                          "message": "Not Found", "details": {}}})
            if request.method == "DELETE":
                self.documents.discard(document)
                return httpx.Response(204)
            return httpx.Response(200, json={"data": {"id": 1, "documentId": document, "name": "x", "size": 1},
                                             "meta": {}})
        return httpx.Response(400, json={"data": None, "error": {"status": 400, "name": "ValidationError",
                                                                  "message": "x", "details": {}}})


def _stateful(directory: Path, store: _Store, seed: int = 1) -> str:
    document = build_document([THING], [])
    client = httpx.Client(transport=httpx.MockTransport(store.answer), base_url="http://x.invalid")
    options = FuzzOptions(seed=seed, max_examples=8, phases=("stateful",), corpus=Corpus(directory, document, seed, 8))
    result = Runner(load_schema(document), client, "http://x.invalid", {}, options).run()
    assert not result.errors
    return result.corpus


def _symbolic(sent: list[str], prefix: str) -> list[str]:
    return [line.replace(prefix, "DOC-") for line in sent]


def test_stateful_scenarios_are_replayed_with_the_links_taken_from_the_new_answers(tmp_path: Path) -> None:
    first = _Store("alpha-")
    assert _stateful(tmp_path, first) == "drawn"
    # The scenarios followed links: some step read or changed a document a create made.
    assert any(line.split(" ")[1].startswith("/api/things/alpha-") for line in first.sent)
    second = _Store("beta-")
    assert _stateful(tmp_path, second) == "reused"
    # The same steps, each link filled with the document this target created, never the other's.
    assert _symbolic(second.sent, "beta-") == _symbolic(first.sent, "alpha-")
    assert not any("alpha-" in line for line in second.sent)


def test_stateful_scenarios_of_another_seed_are_drawn_afresh(tmp_path: Path) -> None:
    _stateful(tmp_path, _Store("alpha-"))
    assert _stateful(tmp_path, _Store("alpha-"), seed=2) == "drawn"


class _Undying(_Store):
    """A broken target: DELETE answers 204 but the document stays readable."""

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE" and request.url.path.rsplit("/", 1)[1] in self.documents:
            self.sent.append(f"DELETE {request.url.path}")
            return httpx.Response(204)
        return super().answer(request)


def test_a_replayed_scenario_still_finds_a_use_after_free(tmp_path: Path) -> None:
    def run(store: _Store) -> tuple[str, set[str]]:
        document = build_document([THING], [])
        client = httpx.Client(transport=httpx.MockTransport(store.answer), base_url="http://x.invalid")
        # 10 scenarios: the seed finds the use-after-free from 5 on
        options = FuzzOptions(seed=3, max_examples=10, phases=("stateful",), corpus=Corpus(tmp_path, document, 3, 10))
        result = Runner(load_schema(document), client, "http://x.invalid", {}, options).run()
        return result.corpus, {f.check for f in result.failures}

    drawn, found = run(_Store("alpha-"))
    assert drawn == "drawn" and "use_after_free" not in found
    reused, found = run(_Undying("beta-"))
    assert reused == "reused" and "use_after_free" in found


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
