"""Any base URL: the target is already running somewhere; capabilities come from discovery.

Every request to a target goes through ``GuardedTransport``: a target is not trusted (see
conformance/PROTOCOL.md, section 8). A body over ``CONFORMANCE_MAX_RESPONSE_BYTES`` (10 MiB) is cut
as it streams in, a trace header that is not a list of markers is refused, redirects are never
followed (httpx's default: the scenario sees the 3xx), a request gets
``CONFORMANCE_REQUEST_TIMEOUT_S`` (10 s) of wall-clock time for its whole answer, headers and body
(httpx's own timeout is per read: a target sending a byte now and then would never meet it), a
target that timed out on ``HANG_LIMIT`` requests in a row is not waited for again, and a launched
target that died is not asked again: each of these fails the scenario at once with the reason.

Discovery reads ``GET /api/conformance/info`` (conformance/PROTOCOL.md, section 2). Only a 404 means
"no fixture": the target is black-box, with the capabilities the user declares (default
``content-types``). Any other answer that is not a valid document stops the run: a 500 there must
not quietly turn a full target into a black-box one whose instrumented scenarios are all skipped.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpcore
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
TIMEOUT_ENV = "CONFORMANCE_REQUEST_TIMEOUT_S"
DEFAULT_TIMEOUT_S = 10.0
# A launched target that dies writes why into this file (conformance/targets/process.py); every
# process of the run reads it before each request.
DEATH_ENV = "CONFORMANCE_TARGET_DEATH_FILE"
DEATH_GRACE_S = 0.5
HANG_LIMIT = 3
# How a request refused after HANG_LIMIT timeouts begins its message: `conformance run` finds the
# scenarios cut so in report.json and ends with exit 2 (they were not checked), not 1.
STOPPED_ANSWERING = "the target stopped answering"
MAX_TRACE_CHARS = 64 * 1024
_MARKER = re.compile(r"[^\s:]+:[^\s:]+:\S+")


# Timeouts in a row per target (scheme, host, port), for the whole process: the controlling process's
# discovery and probes and the suite's own client count together, so that a run waits on a target
# that stopped answering HANG_LIMIT times per process, not HANG_LIMIT times per client it makes.
_timeouts_in_a_row: dict[tuple[str, str, int | None], int] = {}
_timeouts_lock = threading.Lock()


def _origin(request: httpx.Request) -> tuple[str, str, int | None]:
    return request.url.scheme, request.url.host, request.url.port


def forget_timeouts() -> None:
    """Start every target's count of timeouts in a row again (tests whose servers may reuse a port)."""
    with _timeouts_lock:
        _timeouts_in_a_row.clear()


class TargetMisbehaved(httpx.RequestError):
    """The target answered in a way no request should accept (too large, garbage protocol header),
    or can no longer answer (died, hung): the request fails with this reason."""


def _positive_env(name: str, default: float, parse: Callable[[str], float], unit: str) -> float:
    """A positive finite number from the environment variable ``name`` (``default`` when unset); any
    other value is a TargetError naming the variable (exit 2)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = parse(raw)
        valid = value > 0 and math.isfinite(value)
    except (ValueError, OverflowError):  # not a number; an integer past a float's range
        valid = False
    if not valid:
        raise TargetError(f"{name}={raw!r}: expected a positive number of {unit}")
    return value


def max_body_bytes() -> int:
    return int(_positive_env(MAX_BODY_ENV, DEFAULT_MAX_BODY, int, "bytes"))


def request_timeout() -> float:
    """Seconds a request to a target may take, answer and body included (``CONFORMANCE_REQUEST_TIMEOUT_S``)."""
    return _positive_env(TIMEOUT_ENV, DEFAULT_TIMEOUT_S, float, "seconds")


def check_limits() -> None:
    """Read the run's limits once before a target is launched: a bad value is a TargetError (exit 2)
    before any process is started, not after."""
    max_body_bytes()
    request_timeout()


def death_reason() -> str | None:
    """Why the run's launched target died, once it has (None while it lives)."""
    path = os.environ.get(DEATH_ENV)
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace") or None
    except OSError:
        return None


class _Deadline(threading.local):
    """The wall-clock instant (``time.monotonic()``) by which the request this thread is reading must
    be answered; every socket wait is cut to what is left of it."""

    until: float | None = None

    def bound(self, timeout: float | None, late: type[Exception]) -> float | None:
        if self.until is None:
            return timeout
        left = self.until - time.monotonic()
        if left <= 0:
            raise late("the request's deadline passed")
        return left if timeout is None else min(timeout, left)

    @contextmanager
    def holding(self, until: float | None) -> Iterator[None]:
        previous, self.until = self.until, until
        try:
            yield
        finally:
            self.until = previous


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self.inner = inner
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self.inner.start_tls(ssl_context, server_hostname, self.deadline.bound(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner, self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own socket backend, each of whose waits stops at the current request's deadline."""

    def __init__(self, deadline: _Deadline) -> None:
        self.inner = httpcore.SyncBackend()
        self.deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self.inner.connect_tcp(host, port, self.deadline.bound(timeout, httpcore.ConnectTimeout),
                                        local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self.inner.connect_unix_socket(path, self.deadline.bound(timeout, httpcore.ConnectTimeout),
                                                socket_options)
        return _DeadlineStream(stream, self.deadline)

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over ``_DeadlineBackend``."""

    def __init__(self, verify: bool, deadline: _Deadline) -> None:
        super().__init__(verify=False)
        # httpx takes no network backend: its pool is rebuilt with one, with httpx's default limits
        # (httpx keeps mapping httpcore's errors and streams to its own).
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(deadline))


def _death_after_error() -> str | None:
    """After a connection error from a launched target: why it died, once its watcher (another
    thread, maybe another process) has written it down, which can lag the dead socket by a few
    milliseconds; None at once for a target the harness did not launch, or after DEATH_GRACE_S."""
    if not os.environ.get(DEATH_ENV):
        return None
    give_up = time.monotonic() + DEATH_GRACE_S
    while True:
        died = death_reason()
        if died or time.monotonic() > give_up:
            return died
        time.sleep(0.01)


class _CappedStream(httpx.SyncByteStream):
    """The response body, cut as soon as it passes ``cap`` bytes (nothing more is read), or once
    the request's deadline passes; a timeout here counts toward the hang limit like any other."""

    def __init__(self, inner: httpx.SyncByteStream, transport: GuardedTransport, request: httpx.Request,
                 until: float | None) -> None:
        self.inner = inner
        self.transport = transport
        self.request = request
        self.until = until

    def __iter__(self) -> Iterator[bytes]:
        seen, cap = 0, self.transport.max_body
        chunks = iter(self.inner)
        while True:
            try:
                with self.transport.deadline.holding(self.until):
                    chunk = next(chunks, None)
            except httpx.TimeoutException as exc:
                raise self.transport.timed_out(exc, self.request) from None
            if chunk is None:
                with _timeouts_lock:  # a whole answer: the target answers again
                    _timeouts_in_a_row.pop(_origin(self.request), None)
                return
            seen += len(chunk)
            if seen > cap:
                self.inner.close()
                raise TargetMisbehaved(f"the response body passed the {cap}-byte cap ({MAX_BODY_ENV}); "
                                       f"stopped reading at {seen} bytes", request=self.request)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class GuardedTransport(httpx.BaseTransport):
    """httpx's transport, with the limits a run keeps toward an untrusted target."""

    def __init__(self, max_body: int, verify: bool = False) -> None:
        self.deadline = _Deadline()
        self.inner = _DeadlineTransport(verify, self.deadline)
        self.max_body = max_body

    def timed_out(self, exc: httpx.TimeoutException, request: httpx.Request) -> httpx.TimeoutException:
        """Count a timeout (headers or body) toward ``HANG_LIMIT``; the same error, saying which limit."""
        with _timeouts_lock:
            key = _origin(request)
            _timeouts_in_a_row[key] = _timeouts_in_a_row.get(key, 0) + 1
        limit = _whole_request_s(request)
        within = f" within {limit:g} s ({TIMEOUT_ENV})" if limit is not None else ""
        return type(exc)(f"no whole answer{within}: {exc or 'timed out'}", request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        died = death_reason()
        if died:
            raise TargetMisbehaved(died, request=request)
        timeouts = _timeouts_in_a_row.get(_origin(request), 0)
        if timeouts >= HANG_LIMIT:
            raise TargetMisbehaved(f"{STOPPED_ANSWERING}: {timeouts} requests in a row "
                                   "timed out, it is not asked again", request=request)
        limit = _whole_request_s(request)
        until = time.monotonic() + limit if limit is not None else None
        try:
            with self.deadline.holding(until):
                response = self.inner.handle_request(request)
        except httpx.TimeoutException as exc:
            raise self.timed_out(exc, request) from None
        except httpx.TransportError:
            died = _death_after_error()  # refused because it just died: say so, not "connection refused"
            if died:
                raise TargetMisbehaved(died, request=request) from None
            raise
        problem = self._check_headers(response)
        if problem:
            response.close()
            raise TargetMisbehaved(problem, request=request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        # The count of timeouts starts again once a whole answer, body included, came in.
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_CappedStream(response.stream, self, request, until),
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


def _whole_request_s(request: httpx.Request) -> float | None:
    """The request's timeout (the client's, or the one passed with the request), taken as the
    wall-clock time its whole answer may take."""
    timeouts = request.extensions.get("timeout", {})
    value = timeouts.get("read")
    return float(value) if value is not None else None


def guarded_client(base_url: str, timeout: float | None = None, trust_env: bool = True) -> httpx.Client:
    """A client for an untrusted target: ``GuardedTransport`` under ``make_client``'s settings;
    ``timeout`` None is the run's (``CONFORMANCE_REQUEST_TIMEOUT_S``, 10 s)."""
    transport = GuardedTransport(max_body_bytes(), verify=base_url.startswith("https://"))
    return make_client(base_url, timeout=request_timeout() if timeout is None else timeout, transport=transport,
                       trust_env=trust_env)


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

    def client(self, timeout: float | None = None) -> httpx.Client:
        return guarded_client(self.base_url, timeout=timeout)

    def quiesce(self, timeout_s: float) -> bool:
        """True once the target says every webhook delivery its writes so far cause has been answered
        by the receiver (its ``webhooks-idle`` capability, proven by a probe); False when it cannot
        say so: then the webhook steps wait a window after the write instead."""
        if IDLE_CAPABILITY not in self.info.capabilities:
            return False
        answer = webhooks_idle(self.http, timeout_s)
        return answer is not None and answer["idle"] is True
