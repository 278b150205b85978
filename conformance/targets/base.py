"""Targets: what the suite runs against, behind one interface (the shape of httpx's transports).

A target is started once per test session (per xdist worker for in-process targets, once by the
controlling process for shared servers), hands out an ``httpx.Client`` for its base URL, and says
which capabilities it has (see conformance/PROTOCOL.md, section 2).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

import httpx


class TargetError(Exception):
    """The target cannot be used (cannot start, unreachable, wrong protocol): a one-line reason."""


@dataclass
class TargetInfo:
    """What the report says about a target."""

    name: str
    kind: str  # reference | reference-http | http | process | strapi
    version: str | None = None
    url: str | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)
    tokens: dict[str, str] = field(default_factory=dict)
    user: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "version": self.version,
            "url": self.url,
            "capabilities": sorted(self.capabilities),
        }


class Target(abc.ABC):
    """Start, give clients, stop. Subclasses set ``info`` in ``start()``."""

    info: TargetInfo

    @abc.abstractmethod
    def start(self) -> TargetInfo: ...

    @abc.abstractmethod
    def client(self, timeout: float = 10.0) -> httpx.Client: ...

    def stop(self) -> None:  # noqa: B027 (optional hook)
        return None

    def __enter__(self) -> Target:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
