"""Events and webhooks: ``entry.*`` events from the Document Service, posted to every enabled
webhook subscribed to them, with Strapi's payload ``{event, createdAt, model, uid, entry}`` and the
``X-Strapi-Event`` header.  Deliveries run as background tasks after the commit, so they never
delay the response, one after the other in the order of their events (a receiver sees
``entry.create`` before the ``entry.publish`` that follows it); failures are logged, not retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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


class WebhookRunner:
    """Posts events to webhooks; ``default_headers`` come from the server config."""

    def __init__(self, default_headers: dict[str, str] | None = None, timeout_s: float = 10.0) -> None:
        self.default_headers = default_headers or {}
        self.webhooks: list[Webhook] = []
        self.timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None
        self._plain: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: asyncio.Task[None] | None = None

    def create_webhook(self, name: str, url: str, events: list[str], headers: dict[str, str] | None = None,
                       is_enabled: bool = True) -> Webhook:
        for event in events:
            if event not in WEBHOOK_EVENTS:
                from .errors import ValidationError

                raise ValidationError(f"Webhook event {event} is not supported")
        hook = Webhook(name, url, list(events), headers or {}, is_enabled)
        self.webhooks.append(hook)
        return hook

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
        for hook in targets:
            headers = {**self.default_headers, **hook.headers, "X-Strapi-Event": event, "Content-Type": "application/json"}
            task = loop.create_task(self._post_after(self._last, hook.url, body, headers))
            self._last = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _post_after(self, previous: asyncio.Task[None] | None, url: str, body: str,
                          headers: dict[str, str]) -> None:
        # Concurrent posts could reach a receiver in any order: wait for the previous delivery.
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        await self._post(url, body, headers)

    async def _post(self, url: str, body: str, headers: dict[str, str]) -> None:
        if url.startswith("https://"):
            if self._client is None:
                self._client = httpx.AsyncClient(timeout=self.timeout_s)
            client = self._client
        else:  # plain HTTP: no TLS context (loading the CA bundle took 0.1-0.7 s before the first delivery)
            if self._plain is None:
                self._plain = httpx.AsyncClient(timeout=self.timeout_s, verify=False)
            client = self._plain
        try:
            await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("webhook %s failed: %s", url, exc)

    async def aclose(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for client in (self._client, self._plain):
            if client is not None:
                await client.aclose()
        self._client = self._plain = None
        self._last = None
