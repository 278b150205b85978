"""Targets: what the suite runs against, behind one interface (the shape of httpx's transports).

A target is started once per test session (per xdist worker for in-process targets, once by the
controlling process for shared servers), keeps one ``httpx.Client`` for its base URL (``http``),
and says which capabilities it declares and which the harness proved (see conformance/PROTOCOL.md,
sections 2 and 7).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

import httpx


class TargetError(Exception):
    """The target cannot be used (cannot start, unreachable, wrong protocol): a one-line reason."""


def make_client(base_url: str, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None,
                trust_env: bool = True) -> httpx.Client:
    """An httpx client that sets up TLS only when it will speak TLS.

    httpx loads the CA bundle for every client built with the default ``verify=True`` (about 30 ms):
    plain HTTP and in-process transports never use it, so they get ``verify=False``, which builds no
    certificate store.
    """
    verify = transport is None and base_url.startswith("https://")
    return httpx.Client(base_url=base_url, timeout=timeout, transport=transport, verify=verify,
                        trust_env=trust_env)


@dataclass
class TargetInfo:
    """What the report says about a target.

    ``capabilities`` is the verified set: what the target declared (``declared``) and the harness
    proved with a probe (conformance/probes.py). Scenarios are gated on it.
    """

    name: str
    kind: str  # reference | reference-http | http | process | strapi (what the report calls it)
    version: str | None = None
    url: str | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)
    tokens: dict[str, str] = field(default_factory=dict)
    user: dict[str, str] = field(default_factory=dict)
    # No /api/conformance/info (404): the capabilities are the user's or the harness's assumption.
    black_box: bool = False
    # None until the probes ran: then what the target (or the user, for a black-box target) declared.
    declared: frozenset[str] | None = None
    # Seconds from a write to its webhook delivery, measured by the webhooks probe.
    webhook_latency_s: float | None = None
    # Per declared capability, what its probe saw (evidence for the report).
    probes: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        declared = self.capabilities if self.declared is None else self.declared
        return {
            "name": self.name,
            "kind": self.kind,
            "version": self.version,
            "url": self.url,
            "capabilities": {"declared": sorted(declared), "verified": sorted(self.capabilities)},
            "black_box": self.black_box,
            "webhook_latency_s": self.webhook_latency_s,
            "probes": dict(sorted(self.probes.items())),
        }


class Target(abc.ABC):
    """Start, give clients, stop. Subclasses set ``info`` in ``start()`` and call ``close_http()`` in
    ``stop()``."""

    info: TargetInfo
    _http: httpx.Client | None = None
    # Runs inside this process (its log is this process's; no server to share between processes).
    in_process: bool = False

    @property
    def pid(self) -> int | None:
        """The server process's id, when the target started one (for CPU figures in benchmarks)."""
        return None

    @abc.abstractmethod
    def start(self) -> TargetInfo: ...

    @abc.abstractmethod
    def client(self, timeout: float = 10.0) -> httpx.Client:
        """A new client owned by the caller (fuzzing, tools); the suite itself uses ``http``."""

    @property
    def http(self) -> httpx.Client:
        """The target's one shared client: discovery, probes and every scenario go through it."""
        if self._http is None:
            self._http = self.client()
        return self._http

    def close_http(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def stop(self) -> None:
        self.close_http()

    def __enter__(self) -> Target:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
