"""Targets by name, ``kind[:spec]`` as the harness' target registry knows them: ``reference``,
``reference-http``, ``strapi`` (5.54.0), ``strapi:5.30.1``, ``process:COMMAND`` (with ``--ready-url``),
``url:http://…`` or a bare base URL.  ``diff`` checks a name whole before anything starts (it starts
several instances), and builds every target through the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..targets.base import Target, TargetError
from ..targets.registry import TargetOptions, TargetRef, parse


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
    def repeatable(self) -> bool:
        """A second, independent instance can be started (the oracle then runs twice on two fresh servers)."""
        return self.ref.kind.repeatable

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
    """A target name checked whole (kind, spec, version) by the registry: a one-line TargetError otherwise.
    ``diff`` has no option standing for a spec (``--command``): such a kind's name must carry it."""
    ref = parse(name.strip())
    if ref.spec is None and ref.kind.spec_option is not None:
        raise TargetError(f"target {ref.kind.name} needs its spec in the name here: {ref.kind.name}:{ref.kind.spec} "
                          f"(diff takes no {ref.kind.spec_option})")
    return TargetName(ref)


def build_target(name: TargetName, *, ready_url: str | None = None, database: str | None = None) -> Target:
    """An unstarted target for ``name`` (each call a new instance where the kind allows it)."""
    return name.ref.build(replace(name.options, database=database, ready_url=ready_url))
