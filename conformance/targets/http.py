"""Any base URL: the target is already running somewhere; capabilities come from discovery.

Every request to a target goes through ``GuardedTransport``: a target is not trusted (see
conformance/PROTOCOL.md, section 8). A body over ``CONFORMANCE_MAX_RESPONSE_BYTES`` (10 MiB) is cut
as it streams in, a trace header that is not a list of markers is refused, redirects are never
followed (httpx's default: the scenario sees the 3xx), a target that timed out on
``HANG_LIMIT`` requests in a row is not waited for again, and a launched target that died is not
asked again: each of these fails the scenario at once with the reason.

Discovery reads ``GET /api/conformance/info`` (conformance/PROTOCOL.md, section 2). Only a 404 means
"no fixture": the target is black-box, with the capabilities the user declares (default
``content-types``). Any other answer that is not a valid document stops the run: a 500 there must
not quietly turn a full target into a black-box one whose instrumented scenarios are all skipped.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from ..fixture.facts import PROTOCOL_VERSION
from ..trace import TRACE_HEADER
from .base import Target, TargetError, TargetInfo, make_client

INFO_PATH = "/api/conformance/info"
IDLE_PATH = "/api/conformance/webhooks/idle"
IDLE_CAPABILITY = "webhooks-idle"
BLACK_BOX_DEFAULT = frozenset({"content-types"})
MAX_BODY_ENV = "CONFORMANCE_MAX_RESPONSE_BYTES"
DEFAULT_MAX_BODY = 10 * 1024 * 1024
# A launched target that dies writes why into this file (conformance/targets/process.py); every
# process of the run reads it before each request.
DEATH_ENV = "CONFORMANCE_TARGET_DEATH_FILE"
HANG_LIMIT = 3
MAX_TRACE_CHARS = 64 * 1024
_MARKER = re.compile(r"[^\s:]+:[^\s:]+:\S+")


class TargetMisbehaved(httpx.RequestError):
    """The target answered in a way no request should accept (too large, garbage protocol header),
    or can no longer answer (died, hung): the request fails with this reason."""


def max_body_bytes() -> int:
    raw = os.environ.get(MAX_BODY_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BODY
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise TargetError(f"{MAX_BODY_ENV}={raw!r}: expected a positive number of bytes")
    return value


def death_reason() -> str | None:
    """Why the run's launched target died, once it has (None while it lives)."""
    path = os.environ.get(DEATH_ENV)
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace") or None
    except OSError:
        return None


class _CappedStream(httpx.SyncByteStream):
    """The response body, cut as soon as it passes ``cap`` bytes (nothing more is read)."""

    def __init__(self, inner: httpx.SyncByteStream, cap: int, request: httpx.Request) -> None:
        self.inner = inner
        self.cap = cap
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self.inner:
            seen += len(chunk)
            if seen > self.cap:
                self.inner.close()
                raise TargetMisbehaved(f"the response body passed the {self.cap}-byte cap ({MAX_BODY_ENV}); "
                                       f"stopped reading at {seen} bytes", request=self.request)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class GuardedTransport(httpx.BaseTransport):
    """httpx's transport, with the limits a run keeps toward an untrusted target."""

    def __init__(self, inner: httpx.BaseTransport, max_body: int) -> None:
        self.inner = inner
        self.max_body = max_body
        self.timeouts_in_a_row = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        died = death_reason()
        if died:
            raise TargetMisbehaved(died, request=request)
        if self.timeouts_in_a_row >= HANG_LIMIT:
            raise TargetMisbehaved(f"the target stopped answering: {self.timeouts_in_a_row} requests in a row "
                                   "timed out, it is not asked again", request=request)
        try:
            response = self.inner.handle_request(request)
        except httpx.TimeoutException:
            self.timeouts_in_a_row += 1
            raise
        except httpx.TransportError:
            died = death_reason()  # refused because it just died: say so, not "connection refused"
            if died:
                raise TargetMisbehaved(died, request=request) from None
            raise
        self.timeouts_in_a_row = 0
        problem = self._check_headers(response)
        if problem:
            response.close()
            raise TargetMisbehaved(problem, request=request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_CappedStream(response.stream, self.max_body, request),
                              extensions=response.extensions)

    def _check_headers(self, response: httpx.Response) -> str | None:
        length = response.headers.get("content-length")
        if length is not None and length.strip().isdigit() and int(length) > self.max_body:
            return (f"the response body is {int(length)} bytes, over the {self.max_body}-byte cap "
                    f"({MAX_BODY_ENV}); not read")
        trace = response.headers.get(TRACE_HEADER)
        if trace is not None:
            if len(trace) > MAX_TRACE_CHARS:
                return f"the {TRACE_HEADER} header is {len(trace)} characters long (at most {MAX_TRACE_CHARS})"
            bad = next((m for m in trace.split() if not _MARKER.fullmatch(m) or not m.isprintable()), None)
            if bad is not None:
                return (f"the {TRACE_HEADER} header is not a list of stage:name:phase markers "
                        f"(conformance/PROTOCOL.md, section 4): {bad[:80]!r} in {trace[:160]!r}")
        return None

    def close(self) -> None:
        self.inner.close()


def guarded_client(base_url: str, timeout: float = 10.0) -> httpx.Client:
    """A client for an untrusted target: ``GuardedTransport`` under ``make_client``'s settings."""
    inner = httpx.HTTPTransport(verify=base_url.startswith("https://"))
    return make_client(base_url, timeout=timeout, transport=GuardedTransport(inner, max_body_bytes()))


def webhooks_idle(client: httpx.Client, timeout_s: float) -> dict[str, Any] | None:
    """``GET /api/conformance/webhooks/idle?wait=S``: the target's answer once every webhook delivery
    its writes so far cause has been answered (``idle`` true), or ``timeout_s`` passed (``idle``
    false); None when it gave no such answer (the caller then waits a window instead)."""
    try:
        response = client.get(IDLE_PATH, params={"wait": f"{timeout_s:.3f}"}, timeout=timeout_s + 5.0)
    except httpx.HTTPError:
        return None
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("idle"), bool):
        return None
    return body


def _snippet(response: httpx.Response, limit: int = 120) -> str:
    text = " ".join(response.text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _strings(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TargetError(f"{INFO_PATH}: {what} must be an object of strings, got {json.dumps(value)[:80]}")
    return dict(value)


def discover(client: httpx.Client, name: str, kind: str, url: str | None,
             declared: frozenset[str] | None = None) -> TargetInfo:
    """Ask the target what it is; ``declared`` (the user's ``--capability``) caps what it may claim.

    An unreachable target, and an info route answering anything but 404 or a valid 200 document,
    is a TargetError with the reason.
    """
    try:
        response = client.get(INFO_PATH)
    except TargetMisbehaved as exc:
        raise TargetError(f"target {url or name}: GET {INFO_PATH}: {exc}") from exc
    except httpx.TransportError as exc:
        raise TargetError(f"target {url or name} is unreachable: {type(exc).__name__}: {exc}") from exc
    if response.status_code == 404:
        return TargetInfo(name, kind, None, url, declared if declared is not None else BLACK_BOX_DEFAULT,
                          black_box=True)
    if response.status_code != 200:
        raise TargetError(f"{INFO_PATH} answered {response.status_code} ({_snippet(response) or 'no body'}): "
                          f"a target with the fixture answers 200, one without it 404")
    try:
        info = response.json()
    except ValueError as exc:
        raise TargetError(f"{INFO_PATH} answered 200 with a body that is not JSON: {_snippet(response)!r}") from exc
    if not isinstance(info, dict):
        raise TargetError(f"{INFO_PATH} answered JSON that is not an object")
    protocol = str(info.get("protocol", ""))
    if protocol.split(".")[0] != PROTOCOL_VERSION:
        raise TargetError(f"target speaks conformance protocol {protocol!r}; this suite knows {PROTOCOL_VERSION!r}")
    raw_caps = info.get("capabilities")
    if not isinstance(raw_caps, list) or not all(isinstance(c, str) for c in raw_caps):
        raise TargetError(f"{INFO_PATH}: capabilities must be a list of strings, got {json.dumps(raw_caps)[:80]}")
    caps = frozenset(raw_caps)
    if declared is not None:
        caps = caps & declared
    impl = info.get("implementation") or {}
    if not isinstance(impl, dict):
        raise TargetError(f"{INFO_PATH}: implementation must be an object")
    return TargetInfo(name, kind, impl.get("version"), url, caps,
                      tokens=_strings(info.get("tokens"), "tokens"), user=_strings(info.get("user"), "user"))


class HttpTarget(Target):
    """A live server at ``base_url``."""

    def __init__(self, base_url: str, name: str | None = None, capabilities: frozenset[str] | None = None,
                 kind: str = "http") -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name or self.base_url
        self.declared = capabilities
        self.kind = kind

    def start(self) -> TargetInfo:
        self.info = discover(self.http, self.name, self.kind, self.base_url, self.declared)
        return self.info

    def client(self, timeout: float = 10.0) -> httpx.Client:
        return guarded_client(self.base_url, timeout=timeout)

    def quiesce(self, timeout_s: float) -> bool:
        """True once the target says every webhook delivery its writes so far cause has been answered
        by the receiver (its ``webhooks-idle`` capability, proven by a probe); False when it cannot
        say so: then the webhook steps wait a window after the write instead."""
        if IDLE_CAPABILITY not in self.info.capabilities:
            return False
        answer = webhooks_idle(self.http, timeout_s)
        return answer is not None and answer["idle"] is True
