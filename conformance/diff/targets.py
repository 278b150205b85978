"""Targets by name, ``kind[:spec]``: ``reference``, ``reference-http``, ``strapi`` (5.54.0),
``strapi:5.30.1``, ``process:COMMAND`` (with ``--ready-url``), ``url:http://…`` or a bare base URL.

``build_target`` is the one place that turns a name into an unstarted target; when the harness' target
registry lands, it becomes a call to that registry.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..targets.base import Target, TargetError

URL_RE = re.compile(r"^https?://", re.IGNORECASE)
DEFAULT_STRAPI = "5.54.0"
# Kinds a second instance can be started of: the oracle then runs twice on two fresh servers.
REPEATABLE = {"reference", "reference-http", "strapi"}


@dataclass(frozen=True)
class TargetName:
    kind: str
    spec: str | None

    @property
    def report_name(self) -> str:
        if self.kind == "strapi":
            return f"strapi-{self.spec or DEFAULT_STRAPI}"
        if self.kind == "url":
            return re.sub(r"[^A-Za-z0-9.-]+", "-", (self.spec or "").split("://", 1)[-1]).strip("-")
        return self.kind

    @property
    def cli(self) -> str:
        """The name as the command line takes it back (replay lines)."""
        if self.kind == "url":
            return self.spec or ""
        return f"{self.kind}:{self.spec}" if self.spec else self.kind


def parse_name(name: str) -> TargetName:
    name = name.strip()
    if URL_RE.match(name):
        return TargetName("url", name)
    kind, sep, spec = name.partition(":")
    if kind not in ("reference", "reference-http", "strapi", "process", "url"):
        raise TargetError(f"unknown target {name!r}: use reference, reference-http, strapi[:VERSION], "
                          "process:COMMAND, url:URL or a base URL")
    if sep and not spec:
        raise TargetError(f"target {name!r}: nothing after ':'")
    if sep and kind in ("reference", "reference-http"):
        raise TargetError(f"target kind {kind!r} takes no ':' part (got {name!r})")
    if kind == "strapi" and spec:
        from ..targets.strapi.installer import parse_version

        parse_version(spec)
    if kind == "url" and not (spec and URL_RE.match(spec)):
        raise TargetError(f"target {name!r}: write url:http(s)://host[:port]")
    if kind == "process" and not spec:
        raise TargetError("target process needs its command: process:COMMAND (and --ready-url)")
    return TargetName(kind, spec or None)


def build_target(name: TargetName, *, ready_url: str | None = None, database: str | None = None) -> Target:
    """An unstarted target for ``name`` (each call a new instance where the kind allows it)."""
    if name.kind == "reference":
        from ..targets.reference import ReferenceTarget

        return ReferenceTarget(database_url=database)
    if name.kind == "reference-http":
        from ..targets.reference import reference_http_target

        return reference_http_target(None, database)
    if name.kind == "strapi":
        from ..targets.strapi import StrapiTarget

        return StrapiTarget(version=name.spec or DEFAULT_STRAPI)
    if name.kind == "process":
        if not ready_url:
            raise TargetError("target process needs --ready-url")
        from ..targets.process import ProcessTarget

        return ProcessTarget(shlex.split(name.spec or ""), ready_url, name="process")
    from ..targets.http import HttpTarget

    return HttpTarget(name.spec or "", name.report_name)
