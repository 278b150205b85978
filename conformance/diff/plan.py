"""The plan: request sequences drawn once from a seed, replayed unchanged on every target.

Two kinds of sequence alternate:

- ``stateless``: a sequence creates its own author, tag and article, then sends cases schemathesis
  draws from the harness' OpenAPI document (conformance/openapi.py: valid and invalid bodies,
  bracket-syntax queries), in positive and negative generation modes, for every operation. Valid
  cases on ``/{id}`` mostly name the sequence's own documents, and their relations point at them.
- ``stateful``: create → read → update → relation writes (connect, disconnect, set, positions) →
  publish → delete → read, with the queries and bad bodies a new user tries (filters, sorts,
  populate, pagination edges, a wrong type in a field, a relation to a document that does not exist).

Every write carries the sequence's ``batch`` and every list read filters on it, so a sequence sees
only its own documents: a divergence in one sequence never spills into another, and the oracle can
be replayed in a second namespace of the same server. Values a target generates are placeholders
(normalise.py): ``zzref003zz`` is "the documentId step 3 created", ``zzbatchzz`` the batch.

Drawing is the slow part (schemathesis and hypothesis, about 10 ms a case), so a plan is kept in the
user's cache, keyed by everything that decides it; cases are drawn in fixed chunks per operation and
mode, so a plan of N cases is the start of a plan of more cases with the same seed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import qs_codec

from .normalise import BATCH_TOKEN, MISSING_DOCUMENT, ref_token

PLAN_FORMAT = 4  # bump when a change alters the plans drawn from a seed
CHUNK = 4  # cases drawn at once per operation and mode (prefix-stable: chunk i has its own seed)
STATELESS_STEPS = 8  # drawn cases per stateless sequence (after its three creates)
NO_TOKEN_SHARE = 0.05  # drawn cases sent without a token (Public role)
PLAN_BASE = "http://plan.invalid"


@dataclass
class Step:
    operation: str  # the OpenAPI operation: "PUT /api/articles/{id}"
    method: str
    path: str  # URL-encoded, placeholders inside
    query: str = ""  # the raw query string, placeholders inside
    body: str | None = None  # text (placeholders inside); None: no body
    body_b64: str | None = None  # a body that is not UTF-8 (negative cases)
    content_type: str | None = None
    auth: str = "full-access"  # or "none": the Public role
    origin: str = "stateful"  # stateful | setup | positive | negative

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v != ""}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        return cls(**data)

    def body_bytes(self, resolve: Any) -> bytes | None:
        if self.body_b64 is not None:
            return base64.b64decode(self.body_b64)
        return None if self.body is None else resolve(self.body).encode("utf-8")

    def line(self) -> str:
        """``POST /api/articles?status=draft {"data": …}``: the step for people."""
        target = self.path + (f"?{self.query}" if self.query else "")
        body = self.body if self.body is not None else ("<binary>" if self.body_b64 else "")
        auth = "" if self.auth == "full-access" else " (no token)"
        return f"{self.method} {target}{auth} {body[:400]}".rstrip()


@dataclass
class Sequence:
    kind: str
    steps: list[Step] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "steps": [s.as_json() for s in self.steps]}


@dataclass
class Plan:
    seed: int
    cases: int
    sequences: list[Sequence]

    @property
    def total(self) -> int:
        return sum(len(s.steps) for s in self.sequences)

    def as_json(self) -> dict[str, Any]:
        return {"format": PLAN_FORMAT, "seed": self.seed, "cases": self.cases,
                "sequences": [s.as_json() for s in self.sequences]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        seqs = [Sequence(s["kind"], [Step.from_json(x) for x in s["steps"]]) for s in data["sequences"]]
        return cls(int(data["seed"]), int(data["cases"]), seqs)


def _query(params: dict[str, Any]) -> str:
    return qs_codec.encode(params, qs_codec.EncodeOptions(encode_values_only=True))


def _json_step(operation: str, method: str, path: str, params: dict[str, Any] | None = None,
               body: Any = None, origin: str = "stateful") -> Step:
    text = None if body is None else json.dumps(body, ensure_ascii=False)
    return Step(operation, method, path, _query(params or {}), text, None,
                "application/json" if body is not None else None, "full-access", origin)


# -- drawn cases -----------------------------------------------------------------------------------

COLLECTIONS = {"/api/articles": "article", "/api/authors": "author", "/api/tags": "tag"}
# Relation fields of the fixture's types: field -> (the sequence's document kind, to many).
RELATIONS = {"/api/articles": {"author": ("author", False), "tags": ("tag", True)},
             "/api/authors": {"articles": ("article", True)}}


class Drawer:
    """Schemathesis cases per operation and mode, drawn in seeded chunks and handed out in order."""

    def __init__(self, document: dict[str, Any], seed: int) -> None:
        from ..fuzz.command import load_schema

        self.schema = load_schema(document)
        self.operations = {op.label: op for op in (r.ok() for r in self.schema.get_all_operations())}
        self.seed = seed
        self._pools: dict[tuple[str, str], list[Any]] = {}
        self._cursor: dict[tuple[str, str], int] = {}
        self._chunks: dict[tuple[str, str], int] = {}

    def _draw_chunk(self, label: str, mode: str) -> list[Any]:
        import hypothesis
        from schemathesis import GenerationMode

        from ..fuzz.runner import SUPPRESSED_HEALTH_CHECKS

        key = (label, mode)
        index = self._chunks.get(key, 0)
        self._chunks[key] = index + 1
        digest = hashlib.sha256(f"{self.seed}|{label}|{mode}|{index}".encode()).digest()
        got: list[Any] = []
        strategy = self.operations[label].as_strategy(generation_mode=GenerationMode(mode))

        @hypothesis.given(case=strategy)
        @hypothesis.settings(max_examples=CHUNK, deadline=None, database=None, derandomize=False,
                             suppress_health_check=SUPPRESSED_HEALTH_CHECKS, print_blob=False,
                             phases=[hypothesis.Phase.generate])
        @hypothesis.seed(int.from_bytes(digest[:8], "big"))
        def collect(case: Any) -> None:
            got.append(case)

        try:
            collect()
        except hypothesis.errors.Unsatisfiable:
            pass
        return got

    def next(self, label: str, mode: str) -> Any | None:
        key = (label, mode)
        pool = self._pools.setdefault(key, [])
        cursor = self._cursor.get(key, 0)
        if cursor >= len(pool):
            fresh = self._draw_chunk(label, mode)
            if not fresh:
                return None
            pool.extend(fresh)
        self._cursor[key] = cursor + 1
        return pool[cursor]


def _merge_batch_filter(query: dict[str, Any]) -> dict[str, Any]:
    filters = query.get("filters")
    if filters is None:
        filters = {}
    if isinstance(filters, dict):
        query = {**query, "filters": {**filters, "batch": {"$eq": BATCH_TOKEN}}}
    return query


@functools.cache
def batched_collections() -> frozenset[str]:
    """The fixture's collection paths whose type has ``batch``: their lists are confined to a sequence."""
    from ..openapi import load_content_types

    return frozenset(f"/api/{ct.plural}" for ct in load_content_types() if not ct.single and "batch" in ct.attributes)


def _flat_batch_filter(query: dict[str, Any]) -> dict[str, Any]:
    """The batch filter in a drawn query, whose deep parameters arrive flattened to bracket keys
    (``filters[title][$eq]``). A drawn ``filters`` that is not an object is left as drawn."""
    if "filters" in query:
        return query
    kept = {k: v for k, v in query.items() if not k.startswith("filters[batch]")}
    return {**kept, "filters[batch][$eq]": BATCH_TOKEN}


def case_step(case: Any, origin: str, docs: dict[str, int], rng: random.Random) -> Step:
    """A drawn case as a planned step: the sequence's documents and batch put in, then rendered."""
    from ..fuzz.send import prepare

    path = case.operation.path
    collection = path.removesuffix("/{id}")
    positive = origin == "positive"
    if "id" in (case.path_parameters or {}) and positive and collection in COLLECTIONS and rng.random() < 0.75:
        case.path_parameters = {**case.path_parameters, "id": ref_token(docs[COLLECTIONS[collection]])}
    if case.method.upper() == "GET" and not path.endswith("/{id}") and collection in batched_collections():
        case.query = _flat_batch_filter(dict(case.query or {}))
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        data = dict(body["data"])
        if (collection in batched_collections() or collection == "/api/homepage") and \
                ("batch" not in data or isinstance(data["batch"], str)):
            data["batch"] = BATCH_TOKEN
        for name, (kind, many) in RELATIONS.get(collection, {}).items():
            if positive and name in data and data[name] is not None:
                data[name] = [ref_token(docs[kind])] if many else ref_token(docs[kind])
        case.body = {**body, "data": data}
    prepared = prepare(case, PLAN_BASE, {})
    url = urlsplit(str(prepared.url))
    body_out = prepared.body  # str or bytes for the bodies schemathesis draws (no streams, no files)
    raw = body_out.encode("utf-8") if isinstance(body_out, str) else body_out if isinstance(body_out, bytes) else None
    text = b64 = None
    if raw is not None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            b64 = base64.b64encode(raw).decode("ascii")
    content_type = prepared.headers.get("Content-Type") if raw is not None else None
    auth = "none" if rng.random() < NO_TOKEN_SHARE else "full-access"
    return Step(case.operation.label, str(prepared.method), url.path, url.query, text, b64,
                content_type if isinstance(content_type, str) else None, auth, origin)


# -- sequences -------------------------------------------------------------------------------------

WORDS = ("alpha", "Beta", "gamma", "Delta", "epsilon", "zeta", "Eta", "theta", "iota", "kappa")


def _article_data(rng: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = {"title": f"{rng.choice(WORDS)} {rng.randrange(1000)}", "batch": BATCH_TOKEN}
    for name, value in (("views", rng.randrange(0, 500)), ("rating", round(rng.uniform(0, 5), 2)),
                        ("featured", rng.random() < 0.5), ("category", rng.choice(["news", "tech", "life"])),
                        ("body", " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6)))),
                        ("publishDate", f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T10:00:00.000Z"),
                        ("meta", {"k": rng.randrange(10)}), ("secret", "s3cret")):
        if rng.random() < 0.6:
            data[name] = value
    return data


def _creates(rng: random.Random, origin: str) -> list[Step]:
    """An author (step 0), a tag (step 1) and an article linked to both (step 2)."""
    author = {"name": f"{rng.choice(WORDS)} Writer", "email": f"w{rng.randrange(10**6)}@example.com",
              "batch": BATCH_TOKEN}
    article = {**_article_data(rng), "author": ref_token(0), "tags": [ref_token(1)]}
    status = rng.choice([None, "draft", "published"])
    return [_json_step("POST /api/authors", "POST", "/api/authors", body={"data": author}, origin=origin),
            _json_step("POST /api/tags", "POST", "/api/tags",
                       body={"data": {"label": rng.choice(WORDS), "batch": BATCH_TOKEN}}, origin=origin),
            _json_step("POST /api/articles", "POST", "/api/articles", {"status": status} if status else {},
                       {"data": article}, origin)]


# What a new user tries on a list: realistic filters, sorts, populate, pagination (edges included).
def _user_list_query(rng: random.Random) -> dict[str, Any]:
    q: dict[str, Any] = {}
    filters: dict[str, Any] = {}
    pick = rng.randrange(8)
    if pick == 0:
        filters["views"] = {rng.choice(["$gt", "$gte", "$lt", "$lte", "$eq", "$ne"]): rng.randrange(500)}
    elif pick == 1:
        filters["title"] = {rng.choice(["$contains", "$containsi", "$startsWith", "$endsWith", "$eq", "$eqi",
                                        "$notContains"]): rng.choice(WORDS)[:3]}
    elif pick == 2:
        filters["category"] = {rng.choice(["$in", "$notIn"]): rng.sample(["news", "tech", "life"], 2)}
    elif pick == 3:
        filters["$or"] = [{"featured": {"$eq": rng.random() < 0.5}}, {"views": {"$lt": rng.randrange(300)}}]
    elif pick == 4:
        filters["author"] = {"name": {"$contains": "Writer"}}
    elif pick == 5:
        filters["publishDate"] = {rng.choice(["$null", "$notNull"]): rng.choice([True, False])}
    elif pick == 6:
        filters["rating"] = {"$between": sorted([round(rng.uniform(0, 5), 1), round(rng.uniform(0, 5), 1)])}
    if filters:
        q["filters"] = filters
    if rng.random() < 0.5:
        q["sort"] = rng.choice(["title:asc", "views:desc", "rating", "createdAt:desc", ["category", "title:desc"],
                                "nosuchfield", "title:sideways"])
    pop = rng.randrange(7)
    q["populate"] = [None, "*", "author", ["author", "tags"], {"tags": {"fields": ["label"]}},
                     {"tags": {"count": True}}, {"author": {"populate": "articles"}}][pop]
    if q["populate"] is None:
        del q["populate"]
    page = rng.randrange(9)
    pagination = [None, {"page": 1, "pageSize": 2}, {"page": 2, "pageSize": 1}, {"start": 0, "limit": 1},
                  {"limit": -1}, {"page": "x"}, {"pageSize": 0}, {"page": 1, "pageSize": 500},
                  {"start": 1, "limit": 2, "withCount": False}][page]
    if pagination is not None:
        q["pagination"] = pagination
    if rng.random() < 0.3:
        q["fields"] = rng.choice([["title"], ["title", "views"], "title", ["nosuchfield"]])
    if rng.random() < 0.3:
        q["status"] = rng.choice(["draft", "published", "unknownstatus"])
    return q


# Bodies a new user gets wrong: a value of the wrong type, data that is not an object, a bad date.
BAD_ARTICLE_DATA: tuple[Any, ...] = (
    {"views": "abc"}, {"featured": "yes"}, {"title": ["a"]}, {"rating": "high"}, {"category": "sports"},
    {"publishDate": "not a date"}, {"views": 1.5}, {"views": 2**40}, {"author": MISSING_DOCUMENT},
    {"tags": [MISSING_DOCUMENT]}, {"tags": {"connect": [MISSING_DOCUMENT]}}, {"nosuchfield": 1},
    {"title": None}, {"meta": "just text"}, {"createdAt": "2020-01-01T00:00:00.000Z"},
)
BAD_BODIES: tuple[Any, ...] = ([{"title": "x"}], "text", None, {"title": "no data wrapper"})


def _relation_write(rng: random.Random, art: int, tag1: int, tag2: int, author: int) -> dict[str, Any]:
    t1, t2, a = ref_token(tag1), ref_token(tag2), ref_token(author)
    return rng.choice([
        {"tags": {"connect": [t2]}},
        {"tags": {"connect": [{"documentId": t2, "position": {"before": t1}}]}},
        {"tags": {"connect": [{"documentId": t2, "position": {"start": True}}]}},
        {"tags": {"connect": [{"documentId": t2, "position": {"end": True}}]}},
        {"tags": {"disconnect": [t1]}},
        {"tags": {"set": [t2, t1]}},
        {"tags": [t2]},
        {"tags": []},
        {"author": {"disconnect": [a]}},
        {"author": {"set": [a]}},
        {"author": None},
        {"author": {"connect": [a]}},
    ])


def stateful_sequence(rng: random.Random) -> Sequence:
    seq = Sequence("stateful", _creates(rng, "stateful"))
    steps = seq.steps
    steps.append(_json_step("POST /api/tags", "POST", "/api/tags",
                            body={"data": {"label": rng.choice(WORDS), "batch": BATCH_TOKEN}}))  # step 3
    art = ref_token(2)
    one = "/api/articles/" + art
    get_one, put_one = "GET /api/articles/{id}", "PUT /api/articles/{id}"
    steps.append(_json_step(get_one, "GET", one, {"status": "draft", "populate": "*"}))
    steps.append(_json_step(get_one, "GET", one, {"populate": ["author", "tags"]}))
    update = {k: v for k, v in _article_data(rng).items() if k != "batch"}
    steps.append(_json_step(put_one, "PUT", one, {"status": "draft"} if rng.random() < 0.5 else {}, {"data": update}))
    for _ in range(rng.randrange(1, 4)):
        steps.append(_json_step(put_one, "PUT", one, {"populate": ["tags", "author"]},
                                {"data": _relation_write(rng, 2, 1, 3, 0)}))
    if rng.random() < 0.6:
        steps.append(_json_step(put_one, "PUT", one, {}, {"data": rng.choice(BAD_ARTICLE_DATA)}))
    if rng.random() < 0.3:
        steps.append(_json_step("POST /api/articles", "POST", "/api/articles", {},
                                rng.choice([{"data": rng.choice(BAD_ARTICLE_DATA)},
                                            {"data": rng.choice(BAD_BODIES)}])))
    steps.append(_json_step(put_one, "PUT", one, {"status": "published"}, {"data": {}}))  # publish
    for _ in range(rng.randrange(1, 4)):
        steps.append(_json_step("GET /api/articles", "GET", "/api/articles",
                                _merge_batch_filter(_user_list_query(rng))))
    steps.append(_json_step("GET /api/authors/{id}", "GET", "/api/authors/" + ref_token(0),
                            {"populate": rng.choice(["articles", "*", {"articles": {"count": True}}])}))
    steps.append(_json_step("GET /api/tags", "GET", "/api/tags",
                            _merge_batch_filter({"sort": "label", "populate": rng.choice([None, "*"])})
                            if rng.random() < 0.5 else _merge_batch_filter({})))
    steps.append(_json_step("DELETE /api/articles/{id}", "DELETE", one))
    steps.append(_json_step(get_one, "GET", one))
    steps.append(_json_step("GET /api/articles", "GET", "/api/articles", _merge_batch_filter({"status": "draft"})))
    return seq


def stateless_sequence(rng: random.Random, drawer: Drawer) -> Sequence:
    seq = Sequence("stateless", _creates(rng, "setup"))
    docs = {"author": 0, "tag": 1, "article": 2}
    labels = sorted(drawer.operations)
    drawn: list[Step] = []
    while len(drawn) < STATELESS_STEPS:
        label = rng.choice(labels)
        mode = "positive" if rng.random() < 0.6 else "negative"
        case = drawer.next(label, mode)
        if case is None:
            continue
        drawn.append(case_step(case, mode, docs, rng))
    if any(s.path.startswith("/api/homepage") for s in drawn):
        # The single type is shared by every sequence: each one that uses it starts from none.
        seq.steps.append(_json_step("DELETE /api/homepage", "DELETE", "/api/homepage", origin="setup"))
    seq.steps.extend(drawn)
    return seq


def generate(document: dict[str, Any], seed: int, cases: int) -> Plan:
    drawer: Drawer | None = None
    sequences: list[Sequence] = []
    total = index = 0
    while total < cases:
        rng = random.Random(f"{seed}:{index}")
        if index % 2 == 0:
            seq = stateful_sequence(rng)
        else:
            drawer = drawer or Drawer(document, seed)
            seq = stateless_sequence(rng, drawer)
        seq.steps = seq.steps[: cases - total]
        sequences.append(seq)
        total += len(seq.steps)
        index += 1
    return Plan(seed, cases, sequences)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "conformance" / "diff-plans"


def load_plan(document: dict[str, Any], seed: int, cases: int, cache: bool = True) -> tuple[Plan, bool]:
    """The plan for (document, seed, cases), from the cache when it was drawn before; (plan, reused)."""
    from importlib.metadata import version  # the drawing libraries' versions, without importing them

    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    key = hashlib.sha256("|".join([str(PLAN_FORMAT), version("schemathesis"), version("hypothesis"), str(seed),
                                   str(cases), text]).encode()).hexdigest()
    path = _cache_dir() / f"{key}.json"
    if cache and path.is_file():
        try:
            return Plan.from_json(json.loads(path.read_text(encoding="utf-8"))), True
        except (OSError, ValueError, KeyError, TypeError):
            pass
    plan = generate(document, seed, cases)
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(plan.as_json()), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass
    return plan, False
