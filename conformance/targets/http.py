"""Any base URL: the target is already running somewhere; capabilities come from discovery.

Discovery reads ``GET /api/conformance/info`` (conformance/PROTOCOL.md, section 2); a target without
it is black-box, with the capabilities the user declares (default ``content-types``).
"""

from __future__ import annotations

import httpx

from ..fixture.fixture import PROTOCOL_VERSION
from .base import Target, TargetError, TargetInfo

INFO_PATH = "/api/conformance/info"


def discover(client: httpx.Client, name: str, kind: str, url: str | None,
             declared: frozenset[str] | None = None) -> TargetInfo:
    """Ask the target what it is; a target that does not answer at all is a TargetError."""
    try:
        response = client.get(INFO_PATH)
    except httpx.TransportError as exc:
        raise TargetError(f"target {url or name} is unreachable: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        caps = declared if declared is not None else frozenset({"content-types"})
        return TargetInfo(name, kind, None, url, caps)
    try:
        info = response.json()
    except ValueError as exc:
        raise TargetError(f"{INFO_PATH} answered 200 with a body that is not JSON") from exc
    if not isinstance(info, dict):
        raise TargetError(f"{INFO_PATH} answered JSON that is not an object")
    protocol = str(info.get("protocol", ""))
    if protocol.split(".")[0] != PROTOCOL_VERSION:
        raise TargetError(f"target speaks conformance protocol {protocol!r}; this suite knows {PROTOCOL_VERSION!r}")
    caps = frozenset(info.get("capabilities") or [])
    if declared is not None:
        caps = caps & declared
    impl = info.get("implementation") or {}
    return TargetInfo(
        name, kind, impl.get("version"), url, caps,
        tokens={k: v for k, v in (info.get("tokens") or {}).items() if isinstance(v, str)},
        user=info.get("user") or {},
    )


class HttpTarget(Target):
    """A live server at ``base_url``."""

    def __init__(self, base_url: str, name: str | None = None, capabilities: frozenset[str] | None = None,
                 kind: str = "http") -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name or self.base_url
        self.declared = capabilities
        self.kind = kind

    def start(self) -> TargetInfo:
        with self.client(timeout=10.0) as client:
            self.info = discover(client, self.name, self.kind, self.base_url, self.declared)
        return self.info

    def client(self, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=timeout)
