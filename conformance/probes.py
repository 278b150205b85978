"""Capabilities are proven, not believed: one cheap probe per declared capability, before any scenario.

A target's ``/api/conformance/info`` only *declares* what it has. A fixture that says ``trace`` but
writes no trace header would otherwise pass every scenario that asserts an absence in the trace;
one that says ``webhooks`` but never delivers would make "no webhook is received" pass. So, once per
run, each declared capability is exercised with a request whose answer only a working capability
can give (conformance/PROTOCOL.md, section 7). A capability whose probe fails stops the run (a
TargetError: exit 2) with what the probe saw.

The webhooks probe also measures the delivery latency (write → delivery at the receiver), from
which the webhook steps derive how long to wait before saying that nothing (more) was delivered.

Probe data carries a fresh ``batch`` value, so no scenario ever sees it.

The probes prove that a capability *exists*, and ask as little as possible of the implementation's
correctness: the scenarios judge that, with a failure message per scenario. So the trace and control
probes use the fixture's own info route, credentials only need to be recognised, and any delivery
for the probe article proves the webhook. Otherwise a bug in, say, pagination would turn into
"the target cannot do draft and publish" (exit 2) instead of failing the scenarios about pagination.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from . import trace as trace_mod
from .fixture.facts import CONTROL_HEADER, WEBHOOKS_OFF_CAPABILITY, WEBHOOKS_OFF_HEADER
from .targets.base import TargetError, TargetInfo
from .webhooks import feed

# Probed and recorded, never fatal: a target whose content types are broken fails the scenarios,
# and a target without the fixture has this one only because the harness assumes it.
ASSUMED = frozenset({"content-types"})
WEBHOOK_TIMEOUT_S = 10.0
# The outermost instrumented middleware's entry marker: an "out" marker would also depend on the
# chain unwinding in the documented order, which the scenarios judge.
TRACE_MARKERS = ("gmw:first:in",)
PROBE_PATH = "/api/conformance/info"
CONTROL_STATUS = 299


class ProbeFailed(Exception):
    """What the probe saw, in one line."""


@dataclass
class _Probe:
    client: httpx.Client
    info: TargetInfo
    events_url: str | None
    batch: str
    webhook_timeout_s: float
    # An in-process target tells when it has nothing left to do (conformance/targets/reference.py):
    # every delivery it will send has then been received, so a missing one is missing, not late.
    quiesce: Callable[[float], bool] | None = None
    article: dict[str, Any] | None = None
    created_at: float = 0.0
    deleted_at: float = 0.0

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ProbeFailed(f"{method} {path} failed: {type(exc).__name__}: {exc}") from exc


def _seen(response: httpx.Response, limit: int = 160) -> str:
    """``<status> <body>``, clipped: the evidence in a failure message."""
    text = " ".join(response.text.split())
    return f"{response.status_code} {text[:limit] + '…' if len(text) > limit else text}".strip()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


# -- the probes: each returns what it saw (evidence) or raises ProbeFailed -------------------------------


def _content_types(p: _Probe) -> str:
    path = f"/api/articles?filters[batch][$eq]={p.batch}"
    response = p.send("GET", path)
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ProbeFailed(f"GET /api/articles answered {_seen(response)}, not 200 with a data list")
    return "GET /api/articles answered 200 with a data list"


def _trace(p: _Probe) -> str:
    # Global middlewares run on every route: the fixture's own info route involves the least else.
    response = p.send("GET", PROBE_PATH)
    header = response.headers.get(trace_mod.TRACE_HEADER)
    markers = trace_mod.parse(header)
    missing = [m for m in TRACE_MARKERS if m not in markers]
    if missing:
        saw = f"the header {header!r}" if header is not None else "no X-Conformance-Trace header"
        raise ProbeFailed(f"GET {PROBE_PATH} answered {response.status_code} with {saw}: "
                          f"{', '.join(missing)} missing")
    return f"GET {PROBE_PATH} traced {' '.join(markers)}"


def _control(p: _Probe) -> str:
    nonce = uuid.uuid4().hex[:12]
    directive = {"gmw:first": {"do": "respond", "status": CONTROL_STATUS, "body": {"probe": nonce}}}
    response = p.send("GET", PROBE_PATH, headers={CONTROL_HEADER: json.dumps(directive)})
    if response.status_code != CONTROL_STATUS or _json(response) != {"probe": nonce}:
        raise ProbeFailed(f"a respond directive to gmw:first asked for {CONTROL_STATUS} "
                          f'{{"probe": "{nonce}"}}; GET {PROBE_PATH} answered {_seen(response)}')
    return f"gmw:first obeyed a respond directive ({CONTROL_STATUS})"


def _api_tokens(p: _Probe) -> str:
    missing = [k for k in ("full-access", "read-only") if not p.info.tokens.get(k)]
    if missing:
        raise ProbeFailed(f"{' and '.join(missing)} token missing from /api/conformance/info")
    # Recognised is enough here (200, or 403 when authenticated but not allowed); what a token may
    # do is for the scenarios to judge.
    response = p.send("GET", "/api/conformance/whoami",
                      headers={"Authorization": f"Bearer {p.info.tokens['full-access']}"})
    if response.status_code not in (200, 403):
        raise ProbeFailed(f"GET /api/conformance/whoami with the full-access token answered {_seen(response)}, "
                          f"not 200 (or 403)")
    body = _json(response)
    seen = f" as {body.get('credentials')!r}" if isinstance(body, dict) and "credentials" in body else ""
    return f"the full-access token was recognised (whoami answered {response.status_code}{seen})"


def _users(p: _Probe) -> str:
    user = p.info.user
    if not user.get("identifier") or not user.get("password"):
        raise ProbeFailed("/api/conformance/info reports no user identifier and password")
    response = p.send("POST", "/api/auth/local", json={"identifier": user["identifier"], "password": user["password"]})
    body = _json(response)
    jwt = body.get("jwt") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(jwt, str) or not jwt:
        raise ProbeFailed(f"POST /api/auth/local answered {_seen(response)}, not 200 with a jwt")
    return "the fixture user logged in (POST /api/auth/local answered a jwt)"


def _single_types(p: _Probe) -> str:
    # A PUT without "data" is refused by the single type's controller before anything is written
    # (400); a target without the route answers 404 or 405. Other answers are for the scenarios.
    response = p.send("PUT", "/api/homepage", json={})
    if response.status_code in (404, 405):
        raise ProbeFailed(f"PUT /api/homepage answered {_seen(response)}: no single type route")
    return f"PUT /api/homepage reached the single type's route ({response.status_code})"


def _create_article(p: _Probe) -> None:
    """The probe article (any 2xx will do: the answer's shape is for the scenarios to judge)."""
    if p.article is None:
        p.created_at = time.time()
        response = p.send("POST", "/api/articles", json={"data": {"title": "conformance probe", "batch": p.batch}})
        if not 200 <= response.status_code < 300:
            raise ProbeFailed(f"creating the probe article: POST /api/articles answered {_seen(response)}")
        body = _json(response)
        data = body.get("data") if isinstance(body, dict) else None
        p.article = data if isinstance(data, dict) else {}


def _draft_and_publish(p: _Probe) -> str:
    # Weak on purpose (PROTOCOL.md, section 7): Strapi accepts status on every type. Asking for the
    # draft's publishedAt: null would make draft-and-publish bugs stop the run instead of failing
    # the scenarios that describe them.
    response = p.send("GET", f"/api/articles?status=draft&filters[batch][$eq]={p.batch}")
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ProbeFailed(f"GET /api/articles?status=draft answered {_seen(response)}, not 200 with a data list")
    return "GET /api/articles?status=draft answered 200 with a data list"


def _i18n(p: _Probe) -> str:
    # A version created in the second locale says so; what locales do beyond that, the scenarios judge.
    response = p.send("POST", "/api/guides?locale=fr", json={"data": {"title": "conformance probe", "batch": p.batch}})
    body = _json(response)
    data = body.get("data") if isinstance(body, dict) else None
    if response.status_code != 201 or not isinstance(data, dict) or data.get("locale") != "fr":
        raise ProbeFailed(f"POST /api/guides?locale=fr answered {_seen(response)}, not 201 with data.locale \"fr\"")
    if isinstance(data.get("documentId"), str):
        p.send("DELETE", f"/api/guides/{data['documentId']}?locale=fr")
    return "POST /api/guides?locale=fr created a version in the locale fr"


def _documents_endpoint(p: _Probe) -> str:
    response = p.send("POST", "/api/conformance/documents",
                      json={"uid": "api::article.article", "action": "findMany",
                            "params": {"filters": {"batch": p.batch}}})
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("result"), list):
        raise ProbeFailed(f"POST /api/conformance/documents (findMany) answered {_seen(response)}, "
                          f'not 200 with a "result" list')
    return "POST /api/conformance/documents answered a findMany result"


def _seed(p: _Probe) -> str:
    # Two authors in one request, each read back by its documentId (findOne: a filter or sort bug is
    # for the scenarios to judge, not a reason to stop the run).
    names = ["conformance probe 1", "conformance probe 2"]
    response = p.send("POST", "/api/conformance/seed", json={
        "uid": "api::author.author", "entries": [{"data": {"name": n, "batch": p.batch}} for n in names]})
    body = _json(response)
    results = body.get("results") if isinstance(body, dict) else None
    if (response.status_code != 200 or not isinstance(results, list) or len(results) != len(names)
            or not all(isinstance(r, dict) and isinstance(r.get("documentId"), str) for r in results)):
        raise ProbeFailed(f"POST /api/conformance/seed (2 authors) answered {_seen(response)}, not 200 with "
                          "2 results with a documentId")
    try:
        for result, name in zip(results, names, strict=True):
            read = p.send("GET", f"/api/authors/{result['documentId']}")
            answer = _json(read)
            data = answer.get("data") if isinstance(answer, dict) else None
            if read.status_code != 200 or not isinstance(data, dict) or data.get("name") != name:
                raise ProbeFailed(f"after POST /api/conformance/seed, GET /api/authors/{result['documentId']} "
                                  f"answered {_seen(read)}, not the author {name!r}")
    finally:
        for result in results:
            p.send("DELETE", f"/api/authors/{result['documentId']}")
    return "2 authors created in one request, each read back"


def _delete_article(p: _Probe) -> None:
    """Best effort: the probe article carries its own batch, so a leftover disturbs no scenario."""
    if p.article and isinstance(p.article.get("documentId"), str) and not p.deleted_at:
        p.deleted_at = time.time()
        p.send("DELETE", f"/api/articles/{p.article['documentId']}")


def _webhooks(p: _Probe) -> str:
    if not p.events_url:
        raise _Unverifiable("no webhook receiver in this run: the target was started outside the harness")
    _create_article(p)
    events = feed(p.events_url)
    index = events.seen
    read = 0
    deadline = time.monotonic() + p.webhook_timeout_s
    # The first delivery for the probe article (entry.create, normally) proves the webhook and gives
    # the latency; which events a write sends, and how many, is for the scenarios to judge.
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProbeFailed(f"no delivery for the probe article reached the receiver within "
                              f"{p.webhook_timeout_s:.0f} s of creating it ({read} other deliveries read)")
        idle = p.quiesce is not None and p.quiesce(remaining)
        for delivery in events.after(index, wait_s=0.0 if idle else remaining):
            index = max(index, int(delivery.get("index", index)) + 1)
            read += 1
            body = delivery.get("body")
            body = body if isinstance(body, dict) else {}
            entry = body.get("entry")
            # The probe article's own delivery: other probes' writes carry the probe batch too, and
            # were made before the article (their deliveries would give a latency of zero).
            if isinstance(entry, dict) and entry.get("batch") == p.batch and (
                    entry.get("documentId") == p.article.get("documentId") if p.article else True):
                latency = max(0.0, float(delivery.get("received_at") or time.time()) - p.created_at)
                p.info.webhook_latency_s = latency
                return (f"the probe article's {body.get('event')} delivery arrived "
                        f"{latency * 1000:.0f} ms after the write")
        if idle:
            raise ProbeFailed(f"no delivery for the probe article reached the receiver: the target has "
                              f"nothing left to do ({read} other deliveries read)")


@dataclass
class _IdleWrite:
    """An author written between two idle answers (``before``, ``after``: each said idle), with the
    deliveries of the probe's batch that had reached the receiver by the second."""

    before: dict[str, Any]
    after: dict[str, Any]
    waited_s: float
    arrived: list[dict[str, Any]]
    document: Any


def _write_between_idles(p: _Probe, name: str, headers: dict[str, str] | None,
                         check: Callable[[_IdleWrite], None]) -> _IdleWrite:
    """Idle, create an author (``headers`` added), idle again, then ``check`` what was seen; the
    author is deleted afterwards (with the same headers)."""
    from .targets.http import IDLE_PATH, webhooks_idle

    before = webhooks_idle(p.client, p.webhook_timeout_s)  # the earlier probes' deliveries first
    if before is None or before.get("idle") is not True or not isinstance(before.get("sent"), int):
        raise ProbeFailed(f"GET {IDLE_PATH} did not answer 200 with idle true and a count sent: {before}")
    assert p.events_url is not None
    events = feed(p.events_url)
    index = events.seen
    for earlier in events.after(index):
        index = max(index, int(earlier.get("index", index)) + 1)
    started = time.monotonic()
    response = p.send("POST", "/api/authors", json={"data": {"name": name, "batch": p.batch}}, headers=headers)
    answer = _json(response)
    created = answer.get("data") if isinstance(answer, dict) else None
    if not 200 <= response.status_code < 300 or not isinstance(created, dict):
        raise ProbeFailed(f"creating an author: POST /api/authors answered {_seen(response)}")
    document = created.get("documentId")
    try:
        after = webhooks_idle(p.client, p.webhook_timeout_s)
        waited = time.monotonic() - started
        if after is None or after.get("idle") is not True:
            raise ProbeFailed(f"GET {IDLE_PATH} after a write did not answer idle within "
                              f"{p.webhook_timeout_s:.0f} s: {after}")
        arrived = [d for d in events.after(index)
                   if isinstance(d.get("body"), dict) and isinstance(d["body"].get("entry"), dict)
                   and d["body"]["entry"].get("batch") == p.batch]
        seen = _IdleWrite(before, after, waited, arrived, document)
        check(seen)
    finally:
        if isinstance(document, str):
            p.send("DELETE", f"/api/authors/{document}", headers=headers)
    return seen


def _webhooks_idle(p: _Probe) -> str:
    """A write, then the idle endpoint: once it says idle, the write's delivery must already be at the
    receiver (read without waiting), and the count of deliveries sent must have grown. The write is
    an author's create, the plainest there is (no draft and publish, no relation set)."""
    from .targets.http import IDLE_PATH

    if not p.events_url:
        raise _Unverifiable("no webhook receiver in this run: the target was started outside the harness")

    def check(seen: _IdleWrite) -> None:
        if not [d for d in seen.arrived if d["body"]["entry"].get("documentId") == seen.document]:
            raise ProbeFailed(f"GET {IDLE_PATH} answered idle but the probe author's delivery had not reached "
                              "the receiver")
        sent = seen.after.get("sent")
        if not isinstance(sent, int) or sent <= seen.before["sent"]:
            raise ProbeFailed(f"GET {IDLE_PATH} counted {seen.before['sent']} deliveries sent before the write and "
                              f"{sent} after")

    seen = _write_between_idles(p, "conformance probe (idle)", None, check)
    mine = [d for d in seen.arrived if d["body"]["entry"].get("documentId") == seen.document]
    return (f"idle {seen.waited_s * 1000:.0f} ms after a write, its {mine[0]['body'].get('event')} delivery "
            f"already at the receiver ({seen.after['sent'] - seen.before['sent']} sent meanwhile)")


def _webhooks_off(p: _Probe) -> str:
    """A write asking for no deliveries (the off header), then the idle endpoint: once it says idle,
    no delivery of that write is at the receiver and the count sent has not grown. That the same
    write without the header is delivered is the webhooks probe's proof."""
    from .targets.http import IDLE_CAPABILITY

    if not p.events_url:
        raise _Unverifiable("no webhook receiver in this run: the target was started outside the harness")
    if IDLE_CAPABILITY not in p.info.capabilities:
        raise _Unverifiable(f"an absence of deliveries is only seen through {IDLE_CAPABILITY}, not declared")

    def check(seen: _IdleWrite) -> None:
        if seen.arrived or seen.after.get("sent") != seen.before["sent"]:
            raise ProbeFailed(f"a write with {WEBHOOKS_OFF_HEADER}: off was delivered ({len(seen.arrived)} at the "
                              f"receiver, {seen.before['sent']} sent before, {seen.after.get('sent')} after)")

    seen = _write_between_idles(p, "conformance probe (off)", {WEBHOOKS_OFF_HEADER: "off"}, check)
    return f"a write with {WEBHOOKS_OFF_HEADER}: off caused no delivery ({seen.before['sent']} sent before and after)"


class _Unverifiable(Exception):
    """The harness cannot check this capability in this run; not the target's fault."""


PROBES: dict[str, Callable[[_Probe], str]] = {
    "content-types": _content_types,
    "trace": _trace,
    "control": _control,
    "api-tokens": _api_tokens,
    "users": _users,
    "single-types": _single_types,
    "draft-and-publish": _draft_and_publish,
    "documents-endpoint": _documents_endpoint,
    "i18n": _i18n,
    "seed": _seed,
    "webhooks": _webhooks,  # after the writes: it waits for the deliveries they caused
    "webhooks-idle": _webhooks_idle,
    WEBHOOKS_OFF_CAPABILITY: _webhooks_off,  # after webhooks-idle, which it relies on
}


def verify(client: httpx.Client, info: TargetInfo, events_url: str | None,
           webhook_timeout_s: float = WEBHOOK_TIMEOUT_S,
           quiesce: Callable[[float], bool] | None = None) -> TargetInfo:
    """Probe every declared capability of ``info`` (its ``capabilities`` as discovered); on success
    ``info.declared`` keeps that set and ``info.capabilities`` becomes the verified one.

    A declared capability whose probe fails is a TargetError naming it and what the probe saw. A
    capability the harness cannot check here (webhooks without a receiver) is left unverified, and
    so is ``content-types`` when its probe fails (see ASSUMED).
    """
    declared = info.capabilities
    p = _Probe(client, info, events_url, "probe" + uuid.uuid4().hex[:12], webhook_timeout_s, quiesce)
    verified: set[str] = set()
    failures: list[str] = []
    try:
        for capability, probe in PROBES.items():
            if capability not in declared:
                continue
            try:
                info.probes[capability] = probe(p)
                verified.add(capability)
            except _Unverifiable as exc:
                info.probes[capability] = f"not verified: {exc}"
            except ProbeFailed as exc:
                info.probes[capability] = f"failed: {exc}"
                if capability not in ASSUMED:
                    failures.append(f"{capability} ({exc})")
        for capability in sorted(declared - set(PROBES)):
            info.probes[capability] = "not verified: this suite has no probe for it"
    finally:
        try:
            _delete_article(p)
        except ProbeFailed:
            pass  # best effort: the probe article's batch is its own
    if failures:
        raise TargetError(f"target {info.name} declares capabilities its probes could not prove: "
                          + "; ".join(failures))
    info.declared = declared
    info.capabilities = frozenset(verified)
    return info


def restore(info: TargetInfo, declared: frozenset[str], verified: frozenset[str],
            latency_s: float | None, probes: dict[str, str]) -> TargetInfo:
    """Apply what the controlling process's probes found (``--probed``) to a worker's own discovery."""
    info.declared = declared
    info.capabilities = info.capabilities & verified
    info.webhook_latency_s = latency_s
    info.probes = dict(probes)
    return info


def encode(info: TargetInfo) -> str:
    """The probe results as one JSON command-line value for the pytest processes."""
    return json.dumps({"declared": sorted(info.declared or info.capabilities), "verified": sorted(info.capabilities),
                       "webhook_latency_s": info.webhook_latency_s, "probes": info.probes},
                      separators=(",", ":"))


def decode(text: str) -> tuple[frozenset[str], frozenset[str], float | None, dict[str, str]]:
    try:
        data = json.loads(text)
        latency = data.get("webhook_latency_s")
        return (frozenset(data["declared"]), frozenset(data["verified"]),
                None if latency is None else float(latency), dict(data.get("probes") or {}))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TargetError(f"--probed: not the harness's probe results: {exc}") from exc
