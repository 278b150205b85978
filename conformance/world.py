"""One scenario's state: its batch, its control directives and credentials, the entries it made and
every HTTP exchange it had (kept to explain failures)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import trace as trace_mod
from .fixture.facts import CONTROL_HEADER, WEBHOOKS_OFF_HEADER
from .targets.base import TargetInfo
from .webhooks import feed

_PLACEHOLDER = re.compile(r"\{(batch|[A-Z][A-Za-z0-9_]*)(?:\.([A-Za-z]+))?\}")
BODY_LIMIT = 2000


class HarnessError(Exception):
    """The harness itself could not do what a step asked (not a conformance failure)."""


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str | None = None
    duration_s: float = 0.0
    started_at: float = 0.0  # wall-clock time the request was sent (webhook windows start there)

    @property
    def trace(self) -> list[str]:
        return trace_mod.parse(self.response_headers.get(trace_mod.TRACE_HEADER))

    def render(self) -> str:
        shown = {k: v for k, v in self.request_headers.items()
                 if k.lower() in ("authorization", "content-type", CONTROL_HEADER.lower())}
        lines = [f"> {self.method} {self.url}"] + [f"> {k}: {_redact(k, v)}" for k, v in shown.items()]
        if self.request_body:
            lines.append("> " + _clip(self.request_body))
        if self.error:
            lines.append(f"< (no response: {self.error})")
            return "\n".join(lines)
        lines.append(f"< {self.status}")
        for key in ("content-type", "x-powered-by", "allow", "location"):
            if key in self.response_headers:
                lines.append(f"< {key}: {self.response_headers[key]}")
        if self.response_body:
            lines.append("< " + _clip(self.response_body))
        if self.trace:
            lines.append("< trace: " + " ".join(self.trace))
        return "\n".join(lines)


def _clip(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"… ({len(text)} characters)"


def _redact(key: str, value: str) -> str:
    if key.lower() == "authorization" and len(value) > 24:
        return value[:20] + "…"
    return value


class World:
    """Created fresh for every scenario."""

    def __init__(self, client: httpx.Client, target: TargetInfo, events_url: str | None,
                 quiesce: Callable[[float], bool] | None = None) -> None:
        self.client = client
        # Waits until the target has nothing left to do (True) or the time is up (False); only an
        # in-process target can tell (conformance/targets/reference.py).
        self.quiesce = quiesce
        self.scenario: str | None = None  # its id, set by steps whose messages may name it later
        self.target = target
        self.events_url = events_url
        self.batch = "b" + uuid.uuid4().hex[:16]
        self.control: dict[str, list[dict[str, Any]]] = {}
        self.authorization: str | None = None
        self.aliases: dict[str, dict[str, Any]] = {}
        self.exchanges: list[Exchange] = []
        self.last: Exchange | None = None
        self.response: httpx.Response | None = None
        self.selected_delivery: dict[str, Any] | None = None
        # Webhook deliveries read by the steps (conformance/steps/webhooks.py); the receiver's
        # deliveries before ``events_from`` were all read before this scenario began.
        self.webhooks: Any = None
        self.events_from = feed(events_url).seen if events_url else 0
        # Set for a scenario that reads no webhook, on a target with webhooks-off: every request
        # asks that its writes cause no delivery (conformance/PROTOCOL.md, section 2).
        self.webhooks_off = False

    # -- placeholders ---------------------------------------------------------------------------
    def substitute(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            name, attr = m.group(1), m.group(2)
            if name == "batch":
                return self.batch
            entry = self.aliases.get(name)
            if entry is None:
                raise HarnessError(f"no entry named {name!r} was created in this scenario")
            value = entry.get(attr or "documentId")
            return str(value)

        return _PLACEHOLDER.sub(repl, text)

    def substitute_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.substitute(value)
        if isinstance(value, list):
            return [self.substitute_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute_json(v) for k, v in value.items()}
        return value

    # -- control --------------------------------------------------------------------------------
    def direct(self, address: str, directive: dict[str, Any]) -> None:
        self.control.setdefault(address, []).append(self.substitute_json(directive))

    # -- HTTP -----------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json_body: Any = None, content: bytes | str | None = None,
                headers: dict[str, str] | None = None, main: bool = True,
                authorization: str | None = None) -> httpx.Response:
        """Send a request; ``main`` requests carry the scenario's control header and credentials and
        become ``self.response``; set-up requests (``main=False``) carry neither directive nor trace."""
        url = self.substitute(path)
        send_headers: dict[str, str] = dict(headers or {})
        auth = authorization if authorization is not None else (self.authorization if main else None)
        if auth:
            send_headers["Authorization"] = auth
        if main and self.control:
            send_headers[CONTROL_HEADER] = json.dumps(self.control, separators=(",", ":"))
        if self.webhooks_off:
            send_headers[WEBHOOKS_OFF_HEADER] = "off"
        body_text = ""
        if json_body is not None:
            content = json.dumps(json_body)
            send_headers.setdefault("Content-Type", "application/json")
        if isinstance(content, str):
            content = content.encode()
        if content is not None:
            body_text = content[:BODY_LIMIT * 2].decode("utf-8", "replace")
        exchange = Exchange(method, url, send_headers, body_text, started_at=time.time())
        started = time.perf_counter()
        try:
            response = self.client.request(method, url, content=content, headers=send_headers)
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            self.exchanges.append(exchange)
            if main:
                self.last = exchange
            raise HarnessError(f"{method} {url} failed: {exchange.error}") from exc
        exchange.duration_s = time.perf_counter() - started
        exchange.status = response.status_code
        exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}
        exchange.response_body = response.text
        self.exchanges.append(exchange)
        if main:
            self.last = exchange
            self.response = response
        return response

    def require_response(self) -> httpx.Response:
        if self.response is None:
            raise HarnessError("no request has been sent yet in this scenario")
        return self.response

    def json(self) -> Any:
        response = self.require_response()
        try:
            return response.json()
        except ValueError:
            return _NotJson(response.text)

    @property
    def trace(self) -> list[str]:
        return self.last.trace if self.last else []

    def explain(self) -> str:
        """The last main exchange, for failure messages."""
        if self.last is None:
            return "(no request was sent)"
        return "--- HTTP exchange ---\n" + self.last.render()


class _NotJson:
    """Stands for a body that is not JSON, so that comparisons fail with a readable message."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"<not JSON: {self.text[:200]!r}>"
