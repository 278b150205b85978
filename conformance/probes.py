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
from .targets.base import TargetError, TargetInfo
from .webhooks import feed

CONTROL_HEADER = "X-Conformance-Control"
# Capabilities the harness assumes for a target without the fixture: not a claim of the target.
ASSUMED = frozenset({"content-types"})
WEBHOOK_TIMEOUT_S = 10.0
TRACE_MARKERS = ("gmw:first:in", "gmw:first:out")
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
    response = p.send("GET", f"/api/articles?filters[batch][$eq]={p.batch}")
    header = response.headers.get(trace_mod.TRACE_HEADER)
    markers = trace_mod.parse(header)
    missing = [m for m in TRACE_MARKERS if m not in markers]
    if missing:
        saw = f"the header {header!r}" if header is not None else "no X-Conformance-Trace header"
        raise ProbeFailed(f"GET /api/articles answered {response.status_code} with {saw}: "
                          f"{', '.join(missing)} missing")
    return f"GET /api/articles traced {len(markers)} markers"


def _control(p: _Probe) -> str:
    nonce = uuid.uuid4().hex[:12]
    directive = {"gmw:first": {"do": "respond", "status": CONTROL_STATUS, "body": {"probe": nonce}}}
    response = p.send("GET", "/api/articles", headers={CONTROL_HEADER: json.dumps(directive)})
    if response.status_code != CONTROL_STATUS or _json(response) != {"probe": nonce}:
        raise ProbeFailed(f"a respond directive to gmw:first asked for {CONTROL_STATUS} "
                          f'{{"probe": "{nonce}"}}; GET /api/articles answered {_seen(response)}')
    return f"gmw:first obeyed a respond directive ({CONTROL_STATUS})"


def _whoami(p: _Probe, bearer: str, expected: str, what: str) -> None:
    response = p.send("GET", "/api/conformance/whoami", headers={"Authorization": f"Bearer {bearer}"})
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict) or body.get("credentials") != expected \
            or body.get("isAuthenticated") is not True:
        raise ProbeFailed(f"{what}: GET /api/conformance/whoami answered {_seen(response)}, "
                          f'not 200 with "isAuthenticated": true, "credentials": "{expected}"')


def _api_tokens(p: _Probe) -> str:
    missing = [k for k in ("full-access", "read-only") if not p.info.tokens.get(k)]
    if missing:
        raise ProbeFailed(f"{' and '.join(missing)} token missing from /api/conformance/info")
    _whoami(p, p.info.tokens["full-access"], "token", "with the full-access token")
    return "the full-access token authenticated as a token"


def _users(p: _Probe) -> str:
    user = p.info.user
    if not user.get("identifier") or not user.get("password"):
        raise ProbeFailed("/api/conformance/info reports no user identifier and password")
    response = p.send("POST", "/api/auth/local", json={"identifier": user["identifier"], "password": user["password"]})
    body = _json(response)
    jwt = body.get("jwt") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(jwt, str) or not jwt:
        raise ProbeFailed(f"POST /api/auth/local answered {_seen(response)}, not 200 with a jwt")
    _whoami(p, jwt, "user", "with the user's jwt")
    return "the fixture user logged in and authenticated as a user"


def _single_types(p: _Probe) -> str:
    # A PUT without "data" is refused by the single type's controller before anything is written.
    response = p.send("PUT", "/api/homepage", json={})
    body = _json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code != 400 or not isinstance(error, dict) or error.get("name") != "ValidationError":
        raise ProbeFailed(f"PUT /api/homepage without data answered {_seen(response)}, "
                          f"not the single type's 400 ValidationError")
    return "PUT /api/homepage reached the single type's controller (400 ValidationError)"


def _create_article(p: _Probe) -> dict[str, Any]:
    if p.article is None:
        p.created_at = time.time()
        response = p.send("POST", "/api/articles", json={"data": {"title": "conformance probe", "batch": p.batch}})
        body = _json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if response.status_code != 201 or not isinstance(data, dict) or not data.get("documentId"):
            raise ProbeFailed(f"creating the probe article: POST /api/articles answered {_seen(response)}")
        p.article = data
    return p.article


def _draft_and_publish(p: _Probe) -> str:
    article = _create_article(p)
    if not isinstance(article.get("publishedAt"), str):
        raise ProbeFailed(f"POST /api/articles answered publishedAt {article.get('publishedAt')!r}, "
                          f"not the date of a published version")
    path = f"/api/articles?status=draft&filters[batch][$eq]={p.batch}"
    response = p.send("GET", path)
    body = _json(response)
    data = body.get("data") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(data, list) or len(data) != 1 \
            or not isinstance(data[0], dict) or data[0].get("publishedAt") is not None:
        raise ProbeFailed(f"GET /api/articles?status=draft answered {_seen(response)}, "
                          f"not the probe article's draft (publishedAt null)")
    return "a created article has a published and a draft version"


def _documents_endpoint(p: _Probe) -> str:
    response = p.send("POST", "/api/conformance/documents",
                      json={"uid": "api::article.article", "action": "findMany",
                            "params": {"filters": {"batch": p.batch}}})
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("result"), list):
        raise ProbeFailed(f"POST /api/conformance/documents (findMany) answered {_seen(response)}, "
                          f'not 200 with a "result" list')
    return "POST /api/conformance/documents answered a findMany result"


def _delete_article(p: _Probe) -> None:
    if p.article is not None and not p.deleted_at:
        p.deleted_at = time.time()
        response = p.send("DELETE", f"/api/articles/{p.article['documentId']}")
        if response.status_code not in (200, 204):
            raise ProbeFailed(f"deleting the probe article answered {_seen(response)}")


def _webhooks(p: _Probe) -> str:
    if not p.events_url:
        raise _Unverifiable("no webhook receiver in this run: the target was started outside the harness")
    _create_article(p)
    _delete_article(p)
    want = {"entry.create": p.created_at, "entry.delete": p.deleted_at}
    arrived: dict[str, float] = {}
    events = feed(p.events_url)
    index = events.seen
    deadline = time.monotonic() + p.webhook_timeout_s
    while set(arrived) != set(want):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            missing = sorted(set(want) - set(arrived))
            raise ProbeFailed(f"no {' or '.join(missing)} delivery for the probe article reached the receiver "
                              f"within {p.webhook_timeout_s:.0f} s of the write")
        for delivery in events.after(index, wait_s=remaining):
            index = max(index, int(delivery.get("index", index)) + 1)
            body = delivery.get("body")
            entry = body.get("entry") if isinstance(body, dict) else None
            event = body.get("event") if isinstance(body, dict) else None
            if isinstance(entry, dict) and entry.get("batch") == p.batch and event in want and event not in arrived:
                arrived[str(event)] = float(delivery.get("received_at") or time.time())
    latency = max(arrived[e] - want[e] for e in want)
    p.info.webhook_latency_s = max(0.0, latency)
    return f"the probe article's entry.create and entry.delete arrived, latency {latency * 1000:.0f} ms"


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
    "webhooks": _webhooks,  # last: it waits for the deliveries the earlier writes caused
}


def verify(client: httpx.Client, info: TargetInfo, events_url: str | None,
           webhook_timeout_s: float = WEBHOOK_TIMEOUT_S) -> TargetInfo:
    """Probe every declared capability of ``info`` (its ``capabilities`` as discovered); on success
    ``info.declared`` keeps that set and ``info.capabilities`` becomes the verified one.

    A declared capability whose probe fails is a TargetError naming it and what the probe saw. A
    capability the harness cannot check here (webhooks without a receiver) is left unverified, and
    so is ``content-types`` on a target without the fixture, where only the harness assumed it.
    """
    declared = info.capabilities
    p = _Probe(client, info, events_url, "probe" + uuid.uuid4().hex[:12], webhook_timeout_s)
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
                if not (info.black_box and capability in ASSUMED):
                    failures.append(f"{capability} ({exc})")
        for capability in sorted(declared - set(PROBES)):
            info.probes[capability] = "not verified: this suite has no probe for it"
    finally:
        try:
            _delete_article(p)
        except ProbeFailed as exc:
            failures.append(f"clean-up ({exc})")
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
