"""Starting the target named on the command line, before pytest runs (shared servers, the webhook
receiver) and stopping it afterwards."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..webhooks import WebhookReceiver
from .base import Target, TargetError


@dataclass
class Launched:
    report_name: str
    pytest_options: list[str]
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    # The started shared target (None for the in-process reference, started per pytest worker).
    target: Target | None = None

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception:  # noqa: BLE001 (stopping: report nothing, stop the rest)
                pass
        self.stoppers = []


def _shared(target: Target, receiver: WebhookReceiver | None, report_name: str) -> Launched:
    """Start ``target`` and prove its capabilities here, once, for every pytest process of the run."""
    from ..probes import encode, verify

    launched = Launched(report_name, [])
    if receiver is not None:
        launched.stoppers.append(receiver.stop)
    launched.stoppers.append(target.stop)
    try:
        info = target.start()
        verify(target.http, info, receiver.events_url if receiver is not None else None)
    except TargetError:
        launched.stop()
        raise
    launched.target = target
    assert info.url is not None
    launched.pytest_options = ["--target", info.url, "--target-name", info.name, "--target-kind", info.kind,
                               f"--probed={encode(info)}"]
    if receiver is not None:
        launched.pytest_options += ["--webhook-events", receiver.events_url]
    # The discovered capabilities are not passed on as --capability: that option is the user's
    # explicit choice of a reduced profile. The plugin discovers (and verifies) them itself.
    return launched


def _probe_reference(args: Any) -> str:
    """Prove the in-process reference's capabilities here before pytest-xdist starts its workers.

    Each worker starts and probes its own instance, but a worker that stops the session is reported
    by xdist as a crash, without the reason: a target that cannot prove a capability must stop the
    run with one line (exit 2), so it is found out here first.
    """
    from ..probes import encode, verify
    from .reference import ReferenceTarget

    receiver = WebhookReceiver().start()
    target = ReferenceTarget(webhook_url=receiver.hook_url, database_url=args.database)
    try:
        info = target.start()
        if args.capability:
            info.capabilities = info.capabilities & frozenset(args.capability)
        verify(target.http, info, receiver.events_url)
    finally:
        target.stop()
        receiver.stop()
    # The workers' instances are the same code on the same fixture: what was proven here holds for
    # them, and they skip probing again (a quarter of a second each).
    return f"--probed={encode(info)}"


def launch(args: Any) -> Launched:
    from ..steps.webhooks import window_floor_s

    window_floor_s()  # a bad CONFORMANCE_WEBHOOK_WINDOW_FLOOR_S stops the run before anything starts
    launched = _launch(args)
    if args.target != "reference":
        for cap in args.capability or []:
            launched.pytest_options += ["--capability", cap]
    return launched


def _launch(args: Any) -> Launched:
    spec: str = args.target
    if spec == "reference":
        options = ["--target", "reference"]
        if str(getattr(args, "workers", None) or "1") not in ("0", "1"):
            options.append(_probe_reference(args))
        if args.database:
            options += ["--database-url", args.database]
        for cap in args.capability or []:
            options += ["--capability", cap]
        return Launched("reference", options)
    if spec == "reference-http":
        from .reference import reference_http_target

        receiver = WebhookReceiver().start()
        return _shared(reference_http_target(receiver.hook_url, args.database), receiver, "reference-http")
    if spec == "strapi":
        from .strapi import StrapiTarget

        receiver = WebhookReceiver().start()
        strapi = StrapiTarget(version=args.strapi_version, webhook_url=receiver.hook_url)
        return _shared(strapi, receiver, f"strapi-{args.strapi_version}")
    if spec == "process":
        if not args.process_command or not args.ready_url:
            raise TargetError("--target process needs --command and --ready-url")
        from .process import ProcessTarget

        receiver = WebhookReceiver().start()
        caps = frozenset(args.capability) if args.capability else None
        target = ProcessTarget(shlex.split(args.process_command), args.ready_url, name="process",
                               env={"CONFORMANCE_WEBHOOK_URL": receiver.hook_url}, capabilities=caps)
        return _shared(target, receiver, "process")
    if re.match(r"^https?://", spec):
        from .http import HttpTarget

        caps = frozenset(args.capability) if args.capability else None
        name = re.sub(r"[^A-Za-z0-9.-]+", "-", spec.split("://", 1)[1]).strip("-")
        return _shared(HttpTarget(spec, name, caps), None, name)
    raise TargetError(f"unknown target {spec!r}: use reference, reference-http, strapi, process or a base URL")
