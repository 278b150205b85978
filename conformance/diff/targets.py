"""Targets by name, ``kind[:spec]`` as the harness' target registry knows them: ``reference``,
``reference-http``, ``strapi`` (5.54.0), ``strapi:5.30.1``, ``process:COMMAND`` (with ``--ready-url``),
``url:http://…`` or a bare base URL.  ``diff`` checks a name whole before anything starts (it starts
several instances), and builds every target through the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..targets.base import Target, TargetError
from ..targets.registry import URL_RE, TargetOptions, TargetRef, parse

DEFAULT_STRAPI = "5.54.0"
# Kinds a second instance can be started of: the oracle then runs twice on two fresh servers.
REPEATABLE = {"reference", "reference-http", "strapi"}


@dataclass(frozen=True)
class TargetName:
    ref: TargetRef
    # What the side is built with beyond its name: ``--project`` (a copy of your Strapi project).
    options: TargetOptions = field(default_factory=TargetOptions)

    @property
    def kind(self) -> str:
        return self.ref.kind.name

    @property
    def spec(self) -> str | None:
        return self.ref.spec

    @property
    def report_name(self) -> str:
        return self.ref.report_name(self.options)

    @property
    def cli(self) -> str:
        """The name as the command line takes it back (replay lines)."""
        if self.kind == "url":
            return self.spec or ""
        return f"{self.kind}:{self.spec}" if self.spec else self.kind


def parse_name(name: str) -> TargetName:
    """A target name checked whole (kind, spec, version): a one-line TargetError otherwise."""
    ref = parse(name.strip())
    kind, spec = ref.kind.name, ref.spec
    if kind == "strapi" and spec:
        from ..targets.strapi.installer import parse_version

        parse_version(spec)
    if kind == "url" and not (spec and URL_RE.match(spec)):
        raise TargetError(f"target {name!r}: write url:http(s)://host[:port]")
    if kind == "process" and not spec:
        raise TargetError("target process needs its command: process:COMMAND (and --ready-url)")
    return TargetName(ref)


def build_target(name: TargetName, *, ready_url: str | None = None, database: str | None = None) -> Target:
    """An unstarted target for ``name`` (each call a new instance where the kind allows it)."""
    return name.ref.build(replace(name.options, database=database, ready_url=ready_url))
