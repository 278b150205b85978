"""Any base URL: the target is already running somewhere; capabilities come from discovery.

Discovery reads ``GET /api/conformance/info`` (conformance/PROTOCOL.md, section 2). Only a 404 means
"no fixture": the target is black-box, with the capabilities the user declares (default
``content-types``). Any other answer that is not a valid document stops the run: a 500 there must
not quietly turn a full target into a black-box one whose instrumented scenarios are all skipped.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ..fixture.facts import PROTOCOL_VERSION
from .base import Target, TargetError, TargetInfo, make_client

INFO_PATH = "/api/conformance/info"
BLACK_BOX_DEFAULT = frozenset({"content-types"})


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
        return make_client(self.base_url, timeout=timeout)
