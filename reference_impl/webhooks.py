"""Events and webhooks: ``entry.*`` events from the Document Service, posted to every enabled
webhook subscribed to them, with Strapi's payload ``{event, createdAt, model, uid, entry}`` and the
``X-Strapi-Event`` header.

Deliveries run as background tasks after the commit, so they never delay the response. They run
concurrently, as Strapi's runner does (a worker queue, 5 at a time): up to ``concurrency`` at once
per webhook URL, so one slow receiver neither delays another nor holds a queue of every other
delivery behind it. Deliveries of the same document to the same URL keep their order (a receiver
sees ``entry.create`` before the ``entry.publish`` that follows it). The backlog is bounded: past
``max_pending`` deliveries not yet finished, a new one is dropped and logged (Strapi's queue has no
bound; an unbounded one grows without end behind a receiver that never answers). Failures are
logged, not retried.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import select
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import h11
import httpx

log = logging.getLogger("reference_impl.webhooks")
WEBHOOK_EVENTS = ("entry.create", "entry.update", "entry.delete", "entry.publish", "entry.unpublish", "entry.draft-discard")


class EventHub:
    """``strapi.eventHub``: synchronous listeners per event name, plus catch-all subscribers."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Callable[[dict[str, Any]], Any]]] = {}
        self._subscribers: list[Callable[[str, dict[str, Any]], Any]] = []

    def on(self, event: str, listener: Callable[[dict[str, Any]], Any]) -> None:
        self._listeners.setdefault(event, []).append(listener)

    def subscribe(self, subscriber: Callable[[str, dict[str, Any]], Any]) -> None:
        self._subscribers.append(subscriber)

    def emit(self, event: str, info: dict[str, Any]) -> None:
        for subscriber in self._subscribers:
            subscriber(event, info)
        for listener in self._listeners.get(event, []):
            listener(info)


@dataclass
class Webhook:
    name: str
    url: str
    events: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    is_enabled: bool = True


MAX_PENDING_ENV = "REFERENCE_WEBHOOK_MAX_PENDING"
DEFAULT_MAX_PENDING = 10_000
DEFAULT_CONCURRENCY = 8
SHUTDOWN_GRACE_S = 3.0
SHUTDOWN_GRACE_ENV = "REFERENCE_WEBHOOK_SHUTDOWN_GRACE_S"  # tests set it lower: stopping waits less


def _shutdown_grace_s() -> float:
    raw = os.environ.get(SHUTDOWN_GRACE_ENV, "")
    try:
        value = float(raw) if raw.strip() else SHUTDOWN_GRACE_S
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        log.warning("%s=%r is not a number of seconds: using %s", SHUTDOWN_GRACE_ENV, raw, SHUTDOWN_GRACE_S)
        return SHUTDOWN_GRACE_S
    return value


def _max_pending() -> int:
    raw = os.environ.get(MAX_PENDING_ENV, "")
    try:
        return max(1, int(raw)) if raw.strip() else DEFAULT_MAX_PENDING
    except ValueError:
        log.warning("%s=%r is not an integer: using %d", MAX_PENDING_ENV, raw, DEFAULT_MAX_PENDING)
        return DEFAULT_MAX_PENDING


@dataclass
class DeliveryStats:
    """What happened to the deliveries since start-up (read by tests and benchmarks)."""

    queued: int = 0
    delivered: int = 0  # the receiver answered (any status)
    failed: int = 0  # no answer: refused, timed out, reset
    rejected: int = 0  # answered with a status >= 400
    dropped: int = 0  # not queued: the backlog was full
    max_pending: int = 0  # the largest backlog seen


class _StaleConnection(ConnectionError):
    """A reused connection the receiver had closed: it ended before one byte of an answer."""


class _Connection:
    """One HTTP/1.1 connection: h11 speaks the protocol, asyncio streams carry the bytes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)

    @property
    def reusable(self) -> bool:
        """Not closed by the receiver while it sat idle. An idle connection has nothing to read: a
        readable one holds an EOF (or garbage) the loop may not have seen yet (httpcore checks the
        same before reusing a connection)."""
        if self.writer.is_closing() or self.reader.at_eof():
            return False
        sock = self.writer.get_extra_info("socket")
        if sock is None or not hasattr(select, "poll"):
            return sock is not None
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        return not poller.poll(0)

    async def post(self, target: str, headers: list[tuple[str, str]], body: bytes) -> int:
        """Sends one request and reads the whole answer; returns its status."""
        conn = self.h11
        data = conn.send(h11.Request(method="POST", target=target, headers=headers))
        data += conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage())  # type: ignore[operator]
        self.writer.write(data)
        await self.writer.drain()
        status = 0
        answered = False
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await self.reader.read(65536)
                if not data and not answered:
                    raise _StaleConnection("closed before any answer")
                answered = True
                conn.receive_data(data)  # b"" (closed mid-answer) ends in a RemoteProtocolError
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.EndOfMessage):
                return status

    def keep(self) -> bool:
        """Ready for the next request (both sides done and keep-alive): True; otherwise closes it."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            return True
        self.close()
        return False

    def close(self) -> None:
        self.writer.close()


class _PlainHTTP:
    """Keep-alive connections to plain-HTTP webhook URLs, reused from one delivery to the next.

    A delivery through httpx's client costs about 0.7 ms of CPU on top of the socket work (request
    and URL models, the connection pool's locks, auth and redirect handling), several times what
    writing the request and reading a 204 take. Webhooks need none of that: one POST, the status,
    a timeout. URLs an HTTP proxy applies to still go through httpx (``WebhookRunner._post``)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = host if port == 80 else f"{host}:{port}"
        if ":" in host:  # IPv6 literal
            netloc = f"[{host}]" if port == 80 else f"[{host}]:{port}"
        request_headers = [("Host", netloc), *headers.items(), ("Content-Length", str(len(body)))]
        idle = self._idle.setdefault((host, port), [])
        async with asyncio.timeout(self.timeout_s):
            conn = None
            while idle and conn is None:
                candidate = idle.pop()
                if candidate.reusable:
                    conn = candidate
                else:
                    candidate.close()
            reused = conn is not None
            if conn is None:
                conn = _Connection(*await asyncio.open_connection(host, port))
            try:
                status = await conn.post(target, request_headers, body)
            except (_StaleConnection, ConnectionResetError, BrokenPipeError):
                conn.close()
                if not reused:
                    raise
                # The receiver closed the idle connection as this request went out (the FIN was
                # still on its way): it read nothing, so the request is sent once more on a new
                # connection, as HTTP clients do with stale keep-alive connections.
                conn = _Connection(*await asyncio.open_connection(host, port))
                try:
                    status = await conn.post(target, request_headers, body)
                except BaseException:
                    conn.close()
                    raise
            except BaseException:
                conn.close()
                raise
        if conn.keep():
            idle.append(conn)
        return status

    def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()


def _proxied(url: str) -> bool:
    """Whether the environment's HTTP proxy settings (as httpx reads them) apply to ``url``."""
    host = urlsplit(url).hostname or ""
    proxies = urllib.request.getproxies()
    return bool(proxies.get("http") or proxies.get("all")) and not urllib.request.proxy_bypass(host)


class WebhookRunner:
    """Posts events to webhooks; ``default_headers`` come from the server config."""

    def __init__(self, default_headers: dict[str, str] | None = None, timeout_s: float = 10.0,
                 max_pending: int | None = None, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.default_headers = default_headers or {}
        self.webhooks: list[Webhook] = []
        self.timeout_s = timeout_s
        self.max_pending = max_pending if max_pending is not None else _max_pending()
        self.concurrency = concurrency
        self.stats = DeliveryStats()
        self._client: httpx.AsyncClient | None = None
        self._plain: _PlainHTTP | None = None
        self._direct: dict[str, bool] = {}  # url -> posted without httpx (plain HTTP, no proxy)
        self._tasks: set[asyncio.Task[None]] = set()
        # (url, documentId) -> the latest delivery for it: the next one waits for it.
        self._last: dict[tuple[str, Any], asyncio.Task[None]] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}

    def create_webhook(self, name: str, url: str, events: list[str], headers: dict[str, str] | None = None,
                       is_enabled: bool = True) -> Webhook:
        for event in events:
            if event not in WEBHOOK_EVENTS:
                from .errors import ValidationError

                raise ValidationError(f"Webhook event {event} is not supported")
        hook = Webhook(name, url, list(events), headers or {}, is_enabled)
        self.webhooks.append(hook)
        return hook

    @property
    def pending(self) -> int:
        return len(self._tasks)

    @property
    def sent(self) -> int:
        """Deliveries finished: answered by their receiver (any status) or failed."""
        return self.stats.delivered + self.stats.failed

    async def wait_idle(self, timeout_s: float) -> bool:
        """True once no delivery is pending (events are turned into deliveries at commit, so every
        delivery the writes so far cause has then finished); False if some still are after ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=remaining)
        return True

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        targets = [w for w in self.webhooks if w.is_enabled and event in w.events]
        if not targets:
            return
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        body = json.dumps({"event": event, "createdAt": created, **info}, default=str)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        entry = info.get("entry")
        document = entry.get("documentId") if isinstance(entry, dict) else None
        for hook in targets:
            if len(self._tasks) >= self.max_pending:
                self.stats.dropped += 1
                log.warning("webhook backlog full (%d deliveries pending): %s to %s dropped",
                            len(self._tasks), event, hook.url)
                continue
            headers = {**self.default_headers, **hook.headers, "X-Strapi-Event": event, "Content-Type": "application/json"}
            key = (hook.url, document)
            task = loop.create_task(self._deliver(self._last.get(key), hook.url, event, body, headers))
            self._last[key] = task
            self._tasks.add(task)
            self.stats.queued += 1
            self.stats.max_pending = max(self.stats.max_pending, len(self._tasks))
            task.add_done_callback(functools.partial(self._done, key=key))

    def _done(self, task: asyncio.Task[None], *, key: tuple[str, Any]) -> None:
        self._tasks.discard(task)
        if self._last.get(key) is task:
            del self._last[key]

    async def _deliver(self, previous: asyncio.Task[None] | None, url: str, event: str, body: str,
                       headers: dict[str, str]) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])  # the same document's earlier event goes first
        slots = self._slots.get(url)
        if slots is None:
            slots = self._slots[url] = asyncio.Semaphore(self.concurrency)
        async with slots:
            await self._post(url, event, body, headers)

    async def _post(self, url: str, event: str, body: str, headers: dict[str, str]) -> None:
        try:
            direct = self._direct.get(url)
            if direct is None:
                direct = self._direct[url] = url.startswith("http://") and not _proxied(url)
            if direct:
                if self._plain is None:
                    self._plain = _PlainHTTP(self.timeout_s)
                status = await self._plain.post(url, body.encode(), headers)
            else:  # https (its TLS context is only built here) or through a proxy
                if self._client is None:
                    self._client = httpx.AsyncClient(timeout=self.timeout_s,
                                                     limits=httpx.Limits(max_connections=None, max_keepalive_connections=32))
                status = (await self._client.post(url, content=body, headers=headers)).status_code
        except (httpx.HTTPError, h11.ProtocolError, OSError, TimeoutError) as exc:
            self.stats.failed += 1
            log.warning("webhook %s to %s failed: %s: %s", event, url, type(exc).__name__, exc)
            return
        self.stats.delivered += 1
        if status >= 400:
            self.stats.rejected += 1
            log.warning("webhook %s to %s answered %d", event, url, status)

    async def aclose(self) -> None:
        # Deliveries in flight get SHUTDOWN_GRACE_S (or the environment's) to finish; what is left then (a receiver that never
        # answers, a long backlog) is cancelled and counted as dropped, so that stopping is bounded.
        if self._tasks:
            _, left = await asyncio.wait(set(self._tasks), timeout=min(self.timeout_s, _shutdown_grace_s()))
            for task in left:
                task.cancel()
            if left:
                self.stats.dropped += len(left)
                log.warning("webhooks: %d deliveries still pending at shutdown were dropped", len(left))
                await asyncio.gather(*left, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
        if self._plain is not None:
            self._plain.close()
        self._client = self._plain = None
        self._last.clear()
        self._slots.clear()
