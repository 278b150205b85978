"""Concurrency without loss: N concurrent mixed writes against the reference over real HTTP.

Serves the conformance fixture project with ``python -m reference_impl serve`` (uvicorn, a real
loopback socket, the webhook pointed at a local receiver), seeds the documents the writes act on,
then sends every write at once: creates, updates, publishes, unpublishes, deletes and relation
connects (each on its own document, so that each outcome can be checked). Then it checks, from the
answers, the database and the webhook receiver:

- every acknowledged write (2xx) is in the database exactly once, and nothing refused or
  unanswered is half-written (a document has all of its rows or none, one draft and at most one
  published row, a link at most once);
- the lifecycle hooks each answer's trace shows, and the webhooks delivered for each document, are
  those of its write as a single write of the same kind showed them before the burst (a calibration
  run), and nothing for a refused write;
- documentIds are unique; no answer is a 5xx except ``503`` with ``Retry-After`` and the error
  envelope (the reference's admission limit, ``--max-in-flight``), and such a write wrote nothing.

Runs on SQLite and on PostgreSQL (a private throwaway server, ``benchmarks/pg_server.py``, or
``--postgres URL``), each with the default admission limit, with none (``--max-in-flight 0``: every
write must be acknowledged, so all of them are checked, whatever the machine's load) and with a small
one (``overload``) that refuses most of the burst. Figures go to ``reports/bench/concurrency.json``.

    python benchmarks/concurrency.py [--writes 1000] [--postgres private|none|URL] [--overload-limit 16]

``tests/test_concurrency.py`` runs the same checks on 100 writes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from conformance.fixture.facts import TRACE_HEADER

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "reports" / "bench" / "concurrency.json"
# Shares of the burst, in this order; creates take what rounding leaves.
MIX = (("update", 0.2), ("publish", 0.15), ("unpublish", 0.15), ("delete", 0.1), ("connect", 0.1))
KINDS = ("create",) + tuple(kind for kind, _ in MIX)
SEED_CONCURRENCY = 16
SETTLE_S = 1.5
SETTLE_MAX_S = 120.0


@dataclass
class Op:
    kind: str
    doc: str | None  # the document it acts on (a create's: from its answer)
    marker: str  # the title a create or an update writes
    tag: str | None = None  # a connect's tag (its documentId)
    status: int | None = None
    error: str | None = None
    retry_after: str | None = None
    body: Any = None
    lifecycle: Counter[str] = field(default_factory=Counter)
    latency_s: float = 0.0

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def refused(self) -> bool:
        return self.status is not None and not self.acknowledged


def plan(writes: int) -> dict[str, int]:
    counts = {kind: int(writes * share) for kind, share in MIX}
    counts = {"create": writes - sum(counts.values()), **counts}
    return counts


class Client:
    """The writes, as a client of the fixture sends them (the full-access token)."""

    def __init__(self, base_url: str, token: str, connections: int) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.http = httpx.AsyncClient(base_url=base_url, timeout=120.0, limits=limits, trust_env=False,
                                      headers={"Authorization": f"Bearer {token}"})

    async def create(self, batch: str, title: str, draft: bool = False) -> httpx.Response:
        query = "?status=draft" if draft else ""
        return await self.http.post(f"/api/articles{query}", json={"data": {"title": title, "batch": batch}})

    async def setup(self, method: str, path: str, body: Any) -> Any:
        """A set-up write, retried while the admission limit answers 503 (as a polite client does)."""
        for _ in range(200):
            r = await self.http.request(method, path, json=body)
            if r.status_code != 503:
                r.raise_for_status()
                return r.json()
            await asyncio.sleep(0.05)
        raise RuntimeError(f"{method} {path}: still 503 after 200 tries")

    async def send(self, op: Op, batch: str) -> httpx.Response:
        if op.kind == "create":
            return await self.create(batch, op.marker)
        if op.kind == "update":
            return await self.http.put(f"/api/articles/{op.doc}", json={"data": {"title": op.marker}})
        if op.kind == "connect":
            return await self.http.put(f"/api/articles/{op.doc}", json={"data": {"tags": {"connect": [op.tag]}}})
        if op.kind == "delete":
            return await self.http.delete(f"/api/articles/{op.doc}")
        return await self.http.post("/api/conformance/documents", json={
            "uid": "api::article.article", "action": op.kind, "params": {"documentId": op.doc}})

    async def run(self, op: Op, batch: str) -> Op:
        started = time.perf_counter()
        try:
            response = await self.send(op, batch)
        except httpx.HTTPError as exc:
            op.error = f"{type(exc).__name__}: {exc}"
            op.latency_s = time.perf_counter() - started
            return op
        op.latency_s = time.perf_counter() - started
        op.status = response.status_code
        op.retry_after = response.headers.get("retry-after")
        try:
            op.body = response.json()
        except ValueError:
            op.body = response.text[:200]
        trace = response.headers.get(TRACE_HEADER, "").split()
        op.lifecycle = Counter(m for m in trace if m.startswith("lifecycle:"))
        if op.kind == "create" and op.acknowledged:
            op.doc = op.body["data"]["documentId"]
        return op

    async def aclose(self) -> None:
        await self.http.aclose()


def _doc_of(delivery: dict[str, Any]) -> str | None:
    body = delivery.get("body")
    entry = body.get("entry") if isinstance(body, dict) else None
    return entry.get("documentId") if isinstance(entry, dict) else None


def settle(events_url: str, after: int = 0) -> list[dict[str, Any]]:
    """The deliveries from ``after`` on, once none arrived for SETTLE_S (at most SETTLE_MAX_S)."""
    from conformance.webhooks import feed

    deadline = time.monotonic() + SETTLE_MAX_S
    found = feed(events_url).after(after)
    while time.monotonic() < deadline:
        more = feed(events_url).after(after + len(found), wait_s=SETTLE_S)
        if not more:
            break
        found += more
    return found


async def _seed(client: Client, batch: str, count: int, draft: bool) -> list[str]:
    gate = asyncio.Semaphore(SEED_CONCURRENCY)

    async def one(i: int) -> str:
        async with gate:
            body = await client.setup("POST", "/api/articles" + ("?status=draft" if draft else ""),
                                      {"data": {"title": f"seed-{'d' if draft else 'p'}-{i}", "batch": batch}})
            return str(body["data"]["documentId"])

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _tags(client: Client, batch: str, count: int) -> list[str]:
    out = []
    for i in range(count):
        body = await client.setup("POST", "/api/tags", {"data": {"label": f"t{i}", "batch": batch}})
        out.append(str(body["data"]["documentId"]))
    return out


@dataclass
class Calibration:
    """What one write of each kind shows when it runs alone: its lifecycle markers and webhooks."""

    lifecycle: dict[str, Counter[str]]
    webhooks: dict[str, Counter[str]]


async def calibrate(client: Client, batch: str, events_url: str, tag: str) -> Calibration:
    drafts = await _seed(client, batch, 1, draft=True)
    published = await _seed(client, batch, 4, draft=False)
    mark = len(settle(events_url))
    ops = [Op("create", None, f"calib-create-{batch}"), Op("update", published[0], "calib-update"),
           Op("publish", drafts[0], ""), Op("unpublish", published[1], ""), Op("delete", published[2], ""),
           Op("connect", published[3], "", tag=tag)]
    for op in ops:
        while (await client.run(op, batch)).status == 503:
            await asyncio.sleep(0.05)
        if not op.acknowledged:
            raise RuntimeError(f"calibration: {op.kind} answered {op.status} {op.error or ''} {op.body}")
    deliveries = settle(events_url, mark)
    by_doc: dict[str, Counter[str]] = {}
    for d in deliveries:
        by_doc.setdefault(str(_doc_of(d)), Counter())[d["body"]["event"]] += 1
    return Calibration({op.kind: op.lifecycle for op in ops}, {op.kind: by_doc.get(str(op.doc), Counter()) for op in ops})


def _rows(database_url: str, batch: str) -> tuple[dict[str, list[dict[str, Any]]], Counter[tuple[int, str]]]:
    """Per documentId, its article rows; per (article row id, tag documentId), its link rows."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        meta = sa.MetaData()
        articles = sa.Table("articles", meta, autoload_with=engine)
        tags = sa.Table("tags", meta, autoload_with=engine)
        links = sa.Table("articles_tags_lnk", meta, autoload_with=engine)
        with engine.connect() as conn:
            rows: dict[str, list[dict[str, Any]]] = {}
            for row in conn.execute(sa.select(articles.c.id, articles.c.document_id, articles.c.title,
                                              articles.c.published_at).where(articles.c.batch == batch)):
                rows.setdefault(row.document_id, []).append(dict(row._mapping))
            joined = sa.select(links.c.article_id, tags.c.document_id).join(tags, tags.c.id == links.c.tag_id)
            linked = Counter((r.article_id, r.document_id) for r in conn.execute(joined.where(tags.c.batch == batch)))
    finally:
        engine.dispose()
    return rows, linked


def check(ops: list[Op], seeds: dict[str, str], calib: Calibration, deliveries: list[dict[str, Any]],
          database_url: str, batch: str) -> list[str]:
    """Every broken promise, one line each (empty: nothing lost, nothing half-written)."""
    problems: list[str] = []
    rows, linked = _rows(database_url, batch)
    by_title: dict[str, list[dict[str, Any]]] = {}
    for doc_rows in rows.values():
        for row in doc_rows:
            by_title.setdefault(row["title"], []).append(row)

    # documentIds: one draft and at most one published row each; creates answered distinct ids.
    for doc, doc_rows in rows.items():
        drafts = sum(1 for r in doc_rows if r["published_at"] is None)
        if drafts != 1 or len(doc_rows) - drafts > 1:
            problems.append(f"document {doc}: {drafts} draft and {len(doc_rows) - drafts} published rows")
    created = [op.doc for op in ops if op.kind == "create" and op.acknowledged]
    if len(set(created)) != len(created):
        problems.append(f"creates answered {len(created) - len(set(created))} duplicate documentIds")

    for op in ops:
        what = f"{op.kind} {op.doc or op.marker} ({op.status or op.error})"
        if op.status is not None and op.status >= 500 and not (op.status == 503 and op.retry_after):
            problems.append(f"{what}: a {op.status} (only 503 with Retry-After may answer an overload)")
        if op.status == 503 and not (isinstance(op.body, dict) and op.body.get("data") is None
                                     and isinstance(op.body.get("error"), dict) and op.body["error"].get("status") == 503):
            problems.append(f"{what}: a 503 without the error envelope: {str(op.body)[:120]}")
        if op.refused and op.status != 503:
            problems.append(f"{what}: refused: {str(op.body)[:160]}")
        if op.acknowledged and op.lifecycle != calib.lifecycle[op.kind]:
            problems.append(f"{what}: lifecycle hooks {dict(op.lifecycle)}, alone it ran {dict(calib.lifecycle[op.kind])}")
        if op.refused and op.lifecycle:
            problems.append(f"{what}: refused, yet its lifecycle hooks ran: {dict(op.lifecycle)}")
        problems += _check_rows(op, what, rows, by_title, linked)

    # Webhooks: per document, the events of its write as calibrated; none for a refused one.
    got: dict[str, Counter[str]] = {}
    for d in deliveries:
        got.setdefault(str(_doc_of(d)), Counter())[d["body"]["event"]] += 1
    by_doc = {op.doc: op for op in ops if op.doc}
    for doc, events in got.items():
        if doc not in by_doc:
            problems.append(f"webhooks for document {doc}, which no write of the burst touched: {dict(events)}")
    for doc, op in by_doc.items():
        events = got.get(doc, Counter())
        expected = calib.webhooks[op.kind]
        allowed = [expected] if op.acknowledged else [Counter()] if op.refused else [expected, Counter()]
        if events not in allowed:
            problems.append(f"{op.kind} {doc} ({op.status or op.error}): webhooks {dict(events)}, expected {dict(expected) if op.acknowledged else '{}'}")
    return problems


def _check_rows(op: Op, what: str, rows: dict[str, list[dict[str, Any]]],
                by_title: dict[str, list[dict[str, Any]]], linked: Counter[tuple[int, str]]) -> list[str]:
    done, refused = op.acknowledged, op.refused
    if op.kind == "create":
        mine = by_title.get(op.marker, [])
        if done and (len(mine) != 2 or {r["document_id"] for r in mine} != {op.doc}):
            return [f"{what}: acknowledged, yet {len(mine)} rows carry its title"]
        if refused and mine:
            return [f"{what}: refused, yet {len(mine)} rows carry its title"]
        if not done and not refused and len(mine) not in (0, 2):
            return [f"{what}: unanswered and half-written ({len(mine)} rows)"]
        return []
    doc_rows = rows.get(str(op.doc), [])
    published = [r for r in doc_rows if r["published_at"] is not None]
    if op.kind == "delete":
        state = "gone" if not doc_rows else "kept" if len(doc_rows) == 2 else "half"
    elif op.kind == "publish":
        state = "gone" if not doc_rows else "kept" if not published else "half" if len(doc_rows) != 2 else "done"
    elif op.kind == "unpublish":
        state = "gone" if not doc_rows else "kept" if published else "done"
    elif op.kind == "update":
        titles = {r["title"] for r in doc_rows}
        state = "done" if titles == {op.marker} else "kept" if op.marker not in titles else "half"
    else:  # connect
        counts = [linked.get((r["id"], str(op.tag)), 0) for r in doc_rows]
        state = "done" if counts and all(c == 1 for c in counts) else "kept" if not any(counts) else "half"
    if op.kind == "delete":
        state = {"gone": "done", "kept": "kept"}.get(state, "half")
    if state in ("half", "gone") or (done and state != "done") or (refused and state != "kept"):
        return [f"{what}: the database shows it {state}"]
    return []


async def burst(base_url: str, token: str, events_url: str, database_url: str, writes: int) -> dict[str, Any]:
    """Seed, calibrate, send ``writes`` writes at once and check them; the figures and problems."""
    batch = "cc" + uuid.uuid4().hex[:12]
    counts = plan(writes)
    client = Client(base_url, token, max(writes, SEED_CONCURRENCY))
    try:
        tags = await _tags(client, batch, 5)
        calib = await calibrate(client, batch, events_url, tags[0])
        drafts = await _seed(client, batch, counts["publish"], draft=True)
        published = await _seed(client, batch, writes - counts["create"] - counts["publish"], draft=False)
        mark = len(settle(events_url))
        ops: list[Op] = [Op("create", None, f"c-{batch}-{i}") for i in range(counts["create"])]
        ops += [Op("publish", doc, "") for doc in drafts]
        pool = iter(published)
        for kind in ("update", "unpublish", "delete", "connect"):
            for i in range(counts[kind]):
                ops.append(Op(kind, next(pool), f"u-{batch}-{i}" if kind == "update" else "", tag=tags[i % len(tags)]))
        # Interleave the kinds, so that every kind runs against every other at once.
        ops.sort(key=lambda op: uuid.uuid5(uuid.NAMESPACE_OID, op.kind + str(op.doc) + op.marker).hex)
        # A fresh client: a connection kept alive since the seeding may be closed by the server's
        # keep-alive timeout just as the burst reuses it (an unanswered write for the client's sake).
        await client.aclose()
        client = Client(base_url, token, writes)
        started = time.perf_counter()
        await asyncio.gather(*(client.run(op, batch) for op in ops))
        wall = time.perf_counter() - started
    finally:
        await client.aclose()
    deliveries = settle(events_url, mark)
    problems = check(ops, {}, calib, deliveries, database_url, batch)
    latencies = sorted(op.latency_s for op in ops)
    statuses = Counter(str(op.status) if op.status is not None else "no answer" for op in ops)
    return {
        "writes": len(ops),
        "by_kind": dict(Counter(op.kind for op in ops)),
        "statuses": dict(sorted(statuses.items())),
        "acknowledged": sum(op.acknowledged for op in ops),
        "no_answer": dict(Counter(str(op.error).split(":")[0] for op in ops if op.error)),
        "refused_503": sum(op.status == 503 for op in ops),
        "wall_s": round(wall, 3),
        "acknowledged_per_s": round(sum(op.acknowledged for op in ops) / wall, 1) if wall else None,
        "latency_ms": {"p50": _ms(latencies, 0.5), "p95": _ms(latencies, 0.95), "p99": _ms(latencies, 0.99),
                       "max": round(latencies[-1] * 1000, 1)},
        "webhooks_delivered": len(deliveries),
        "webhooks_expected": sum(sum(calib.webhooks[op.kind].values()) for op in ops if op.acknowledged),
        "lifecycle_markers": sum(sum(op.lifecycle.values()) for op in ops),
        "problems": problems,
    }


def _ms(values: list[float], q: float) -> float:
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def serve_and_burst(database_url: str, writes: int, max_in_flight: int | None = None) -> dict[str, Any]:
    """Start the reference over HTTP on ``database_url`` with a webhook receiver, burst, stop."""
    from conformance.targets.process import ProcessTarget
    from conformance.targets.registry import TargetOptions, parse
    from conformance.webhooks import WebhookReceiver

    receiver = WebhookReceiver().start()
    target = parse("reference-http").build(TargetOptions(webhook_url=receiver.hook_url, database=database_url))
    assert isinstance(target, ProcessTarget)  # a launched process: its command line is extended below
    if max_in_flight is not None:
        target.command += ["--max-in-flight", str(max_in_flight)]
    try:
        info = target.start()
        result = asyncio.run(burst(target.base_url, info.tokens["full-access"], receiver.events_url,
                                   database_url, writes))
    finally:
        target.stop()
        receiver.stop()
    result["max_in_flight"] = "default" if max_in_flight is None else "none" if max_in_flight == 0 else max_in_flight
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--postgres", default="private",
                        help="private (a throwaway server of its own), none, or a SQLAlchemy URL")
    parser.add_argument("--overload-limit", type=int, default=16,
                        help="--max-in-flight of the overload runs (0: skip them)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    if args.writes < 20:
        print("concurrency: --writes must be at least 20", file=sys.stderr)
        return 2
    from benchmarks.pg_server import PrivatePostgres

    runs: list[dict[str, Any]] = []
    pg: PrivatePostgres | None = None
    with tempfile.TemporaryDirectory(prefix="conformance-concurrency-") as tmp:
        databases: list[tuple[str, Callable[[int], str]]] = [
            ("sqlite", lambda i: f"sqlite:///{Path(tmp) / f'run{i}.db'}")]
        try:
            if args.postgres == "private":
                pg = PrivatePostgres()
                pg.start()
                pg_url = pg.url
                databases.append(("postgresql", lambda i: pg_url))
            elif args.postgres != "none":
                given_url: str = args.postgres
                databases.append(("postgresql", lambda i: given_url))
            # The default limit, none (0: every write is let in), then the overload limit.
            limits: list[int | None] = [None, 0] + ([args.overload_limit] if args.overload_limit else [])
            for i, ((name, url_of), limit) in enumerate((d, lim) for d in databases for lim in limits):
                load = os.getloadavg()[0]
                result = serve_and_burst(url_of(i), args.writes, limit)
                result = {"database": name, "load_average": round(load, 2), **result}
                runs.append(result)
                print(f"{name:10} max-in-flight {result['max_in_flight']!s:8} {result['statuses']} "
                      f"{result['wall_s']} s, p99 {result['latency_ms']['p99']} ms, webhooks "
                      f"{result['webhooks_delivered']}/{result['webhooks_expected']}, "
                      f"{len(result['problems'])} problems", flush=True)
                for line in result["problems"][:10]:
                    print("   ", line)
        finally:
            if pg is not None:
                pg.close()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "concurrency",
        "command": "python benchmarks/concurrency.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runs": runs,
        "problems": sum(len(r["problems"]) for r in runs),
    }, indent=2) + "\n", encoding="utf-8")
    print(f"concurrency: {out}")
    return 1 if any(r["problems"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
