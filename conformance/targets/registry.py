"""The target registry: a target is named ``kind[:spec]`` and each kind registers its adapter here once.

``reference``, ``reference-http``, ``strapi:5.54.0``, ``process:node server.js``, ``url:http://host:1337``
(a bare ``http(s)://`` base URL is the ``url`` kind too). The command line (``--target``), the pytest
plugin, ``conformance fuzz``, ``conformance stability`` and the benchmarks all resolve a name here; a
kind's factory gets its spec and the ``TargetOptions`` and returns an unstarted ``Target``.

A new kind is one ``@kind(...)`` function below (its adapter imported inside it, so that ``--help``
stays cheap). Options a kind needs beyond these are new ``TargetOptions`` fields read in ``from_args``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import Target, TargetError

if TYPE_CHECKING:
    from .strapi import StrapiTarget

URL_RE = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class TargetOptions:
    """What the command line says about a target besides its name; each kind takes what it needs."""

    database: str | None = None  # reference kinds: SQLAlchemy URL (default: a fresh SQLite file)
    capabilities: frozenset[str] | None = None  # the user's reduced profile (--capability)
    strapi_version: str | None = None  # the version of a bare ``strapi`` (--strapi-version)
    process_command: str | None = None  # ``process`` without a spec: --command
    ready_url: str | None = None  # ``process``: the base URL to wait for (--ready-url)
    webhook_url: str | None = None  # set by whoever starts the webhook receiver
    name: str | None = None  # ``url``: the name in reports (the launcher passes the started target's)
    reported_kind: str | None = None  # ``url``: the kind in reports (likewise)
    project: str | None = None  # ``strapi``: the user's own Strapi project to copy and start (--project)

    @classmethod
    def from_args(cls, args: Any) -> TargetOptions:
        """From an argparse namespace (or any object): absent attributes are the defaults."""
        caps = getattr(args, "capability", None)
        return cls(database=getattr(args, "database", None), capabilities=frozenset(caps) if caps else None,
                   strapi_version=getattr(args, "strapi_version", None),
                   process_command=getattr(args, "process_command", None), ready_url=getattr(args, "ready_url", None),
                   project=getattr(args, "project", None))


Factory = Callable[[str | None, TargetOptions], Target]


@dataclass(frozen=True)
class TargetKind:
    name: str
    help: str
    factory: Factory
    spec: str | None = None  # what the spec is (shown in help: ``strapi[:VERSION]``); None: takes none
    # Started inside each pytest process (no server for the controlling process to start and share).
    in_process: bool = False
    # Whoever starts it also starts a webhook receiver and passes its URL (``TargetOptions.webhook_url``).
    webhooks: bool = True
    report_name: Callable[[str | None, TargetOptions], str] | None = None  # default: the kind's name
    project: bool = False  # takes --project
    # Each build is a fresh, independent server: a second instance can run beside the first (diff
    # runs its oracle twice on two of them).
    repeatable: bool = False
    # The spec's form, checked as the name is parsed (before anything is read or started).
    check_spec: Callable[[str], None] | None = None
    spec_required: bool = False  # the name must carry its spec (``url``)
    spec_option: str | None = None  # the option that stands for a missing spec (``process``: --command)

    @property
    def usage(self) -> str:
        if self.spec and self.spec_required:
            return f"{self.name}:{self.spec}"
        return f"{self.name}[:{self.spec}]" if self.spec else self.name


KINDS: dict[str, TargetKind] = {}


def kind(name: str, help: str, *, spec: str | None = None, in_process: bool = False, webhooks: bool = True,
         report_name: Callable[[str | None, TargetOptions], str] | None = None,
         project: bool = False, repeatable: bool = False, check_spec: Callable[[str], None] | None = None,
         spec_required: bool = False, spec_option: str | None = None) -> Callable[[Factory], Factory]:
    """Register the decorated factory as the adapter of target kind ``name``."""

    def register(factory: Factory) -> Factory:
        if name in KINDS:
            raise ValueError(f"target kind {name!r} is registered twice")
        KINDS[name] = TargetKind(name, help, factory, spec, in_process, webhooks, report_name, project,
                                 repeatable, check_spec, spec_required, spec_option)
        return factory

    return register


@dataclass(frozen=True)
class TargetRef:
    """A resolved target name: its kind and spec (``None`` when the name has none)."""

    kind: TargetKind
    spec: str | None = None

    def build(self, options: TargetOptions) -> Target:
        self.check(options)
        return self.kind.factory(self.spec, options)

    def report_name(self, options: TargetOptions) -> str:
        """The name of the target's report folder and default expectation manifest."""
        self.check(options)
        return self.kind.report_name(self.spec, options) if self.kind.report_name else self.kind.name

    def check(self, options: TargetOptions) -> None:
        """Options this kind does not take are refused rather than ignored."""
        if options.project and not self.kind.project:
            takers = " or ".join(f"--target {k.name}" for k in KINDS.values() if k.project)
            raise TargetError(f"--project goes with {takers} (a copy of your Strapi project is started)")


def parse(name: str) -> TargetRef:
    """``kind[:spec]`` (or a base URL) to its registered kind; an unknown kind is a one-line TargetError."""
    if URL_RE.match(name):
        return TargetRef(KINDS["url"], name)
    kind_name, sep, spec = name.partition(":")
    found = KINDS.get(kind_name)
    if found is None:
        raise TargetError(f"unknown target kind {kind_name!r} in --target {name!r}: known kinds are "
                          f"{', '.join(KINDS)} (or an http(s):// base URL)")
    if sep and found.spec is None:
        raise TargetError(f"target kind {kind_name!r} takes no ':' part (got {name!r})")
    if (sep and not spec) or (found.spec_required and not spec):
        raise TargetError(f"--target {name!r}: write {found.usage}")
    if spec and found.check_spec is not None:
        found.check_spec(spec)
    return TargetRef(found, spec or None)


def describe() -> str:
    """The ``--target`` help: every registered kind."""
    return "; ".join(f"{k.usage}: {k.help}" for k in KINDS.values())


def url_report_name(url: str) -> str:
    """``http://127.0.0.1:1337/`` -> ``127.0.0.1-1337``: a folder name from a base URL."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", url.split("://", 1)[-1]).strip("-")


# -- the kinds --------------------------------------------------------------------------------------


@kind("reference", "the bundled reference implementation in each test process (the default)", in_process=True,
      repeatable=True)
def _reference(spec: str | None, options: TargetOptions) -> Target:
    from .reference import ReferenceTarget

    return ReferenceTarget(webhook_url=options.webhook_url, database_url=options.database)


@kind("reference-http", "the reference implementation served over real HTTP (uvicorn) on a free port",
      repeatable=True)
def _reference_http(spec: str | None, options: TargetOptions) -> Target:
    from .reference import reference_http_target

    return reference_http_target(options.webhook_url, options.database)


def _strapi_version(spec: str | None, options: TargetOptions) -> str:
    from .strapi.installer import DEFAULT_VERSION

    if spec and options.strapi_version and spec != options.strapi_version:
        raise TargetError(f"--target strapi:{spec} and --strapi-version {options.strapi_version} disagree: "
                          "give the version once")
    return spec or options.strapi_version or DEFAULT_VERSION


def _check_strapi_version(spec: str) -> None:
    from .strapi.installer import parse_version

    parse_version(spec)


def _strapi_target(spec: str | None, options: TargetOptions) -> StrapiTarget:
    from .strapi import StrapiTarget

    project = Path(options.project) if options.project else None
    return StrapiTarget(version=_strapi_version(spec, options), webhook_url=options.webhook_url, project=project)


@kind("strapi", "real Strapi 5 with the conformance fixture, installed (cached), started and stopped here "
                "(bare strapi: --strapi-version, default 5.54.0; --project: a copy of your own project)",
      spec="VERSION", project=True, report_name=lambda spec, options: _strapi_target(spec, options).name,
      repeatable=True, check_spec=_check_strapi_version)
def _strapi(spec: str | None, options: TargetOptions) -> Target:
    return _strapi_target(spec, options)


@kind("process", "a server this command starts (process:COMMAND or --command), ready at --ready-url",
      spec="COMMAND", spec_option="--command")
def _process(spec: str | None, options: TargetOptions) -> Target:
    command = spec or options.process_command
    if not command or not options.ready_url:
        raise TargetError("--target process needs a command (process:COMMAND or --command) and --ready-url")
    from ..fixture.facts import WEBHOOK_URL_ENV
    from .process import ProcessTarget

    env = {WEBHOOK_URL_ENV: options.webhook_url} if options.webhook_url else {}
    return ProcessTarget(shlex.split(command), options.ready_url, name="process", env=env,
                         capabilities=options.capabilities)


def _check_url(spec: str) -> None:
    if not URL_RE.match(spec):
        raise TargetError(f"--target url:{spec}: write url:http(s)://host[:port]")


@kind("url", "a running server at this base URL (a bare http(s)://host:port works too)", spec="URL",
      webhooks=False, report_name=lambda spec, options: url_report_name(spec or ""), spec_required=True,
      check_spec=_check_url)
def _url(spec: str | None, options: TargetOptions) -> Target:
    url = spec or ""
    _check_url(url)
    from .http import HttpTarget

    return HttpTarget(url, options.name or url_report_name(url), options.capabilities,
                      options.reported_kind or "http")
