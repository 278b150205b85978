"""Starting the target named on the command line, before pytest runs (shared servers, the webhook
receiver) and stopping it afterwards. Which adapter a name means is the registry's business
(conformance/targets/registry.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..webhooks import WebhookReceiver
from .base import Target, TargetError
from .registry import TargetOptions, TargetRef, parse


@dataclass
class Launched:
    report_name: str
    pytest_options: list[str]
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    # The started shared target (None for an in-process kind, started per pytest worker).
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


def _probe_in_process(ref: TargetRef, options: TargetOptions) -> str:
    """Prove an in-process target's capabilities here before pytest-xdist starts its workers.

    Each worker starts and probes its own instance, but a worker that stops the session is reported
    by xdist as a crash, without the reason: a target that cannot prove a capability must stop the
    run with one line (exit 2), so it is found out here first.
    """
    from ..probes import encode, verify

    receiver = WebhookReceiver().start()
    target = ref.build(replace(options, webhook_url=receiver.hook_url))
    try:
        info = target.start()
        if options.capabilities:
            info.capabilities = info.capabilities & options.capabilities
        verify(target.http, info, receiver.events_url, quiesce=getattr(target, "quiesce", None))
    finally:
        target.stop()
        receiver.stop()
    # The workers' instances are the same code on the same fixture: what was proven here holds for
    # them, and they skip probing again (a quarter of a second each).
    return f"--probed={encode(info)}"


def forked_workers(args: Any) -> int:
    """How many forked workers run an in-process target's scenarios (conformance/forked.py); 0 when
    the run is serial, uses pytest-xdist (a shared target, or no os.fork), or ``--workers`` is bad."""
    from .. import forked

    try:
        count = forked.worker_count(getattr(args, "workers", None))
        in_process = parse(args.target).kind.in_process
    except (ValueError, TargetError):
        return 0
    return count if count > 1 and in_process and forked.available() else 0


def launch(args: Any) -> Launched:
    from ..steps.webhooks import window_floor_s

    window_floor_s()  # a bad CONFORMANCE_WEBHOOK_WINDOW_FLOOR_S stops the run before anything starts
    ref = parse(args.target)
    options = TargetOptions.from_args(args)
    name = ref.report_name(options)
    caps = [f"--capability={cap}" for cap in sorted(options.capabilities or ())]
    if ref.kind.in_process:  # each pytest process starts its own: pass the name and options on
        workers = forked_workers(args)
        if workers:  # each forked worker probes its own target, and a failure stops the run as serially
            pytest_options = ["--target", args.target, f"--forked-workers={workers}"]
        elif str(getattr(args, "workers", None) or "1") not in ("0", "1"):  # xdist: see _probe_in_process
            pytest_options = ["--target", args.target, _probe_in_process(ref, options)]
        else:
            pytest_options = ["--target", args.target]
        if options.database:
            pytest_options += ["--database-url", options.database]
        return Launched(name, pytest_options + caps)
    receiver = WebhookReceiver().start() if ref.kind.webhooks else None
    try:
        target = ref.build(replace(options, webhook_url=receiver.hook_url if receiver is not None else None))
    except BaseException:
        if receiver is not None:
            receiver.stop()
        raise
    launched = _shared(target, receiver, name)
    launched.pytest_options += caps
    return launched
