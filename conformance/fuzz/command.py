"""``conformance fuzz``: start the target, load the document, run the phases, write the reports.

Exit codes as for ``conformance run``: 0 clean, 1 when a check failed, 2 when the fuzzer could not
run (bad options, unreachable target, no usable document), with a one-line reason.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from ..targets.base import Target, TargetError, TargetInfo
from .corpus import Corpus, default_directory
from .hostile import HOSTILE, run_phases
from .options import DEFAULT_MAX_EXAMPLES, DEFAULT_SEED, SERVED_PATH, add_fuzz_options  # noqa: F401 (re-exported)
from .runner import PHASES, WEBHOOKS, FuzzOptions, FuzzResult, Runner

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
# Where ``python -m reference_impl serve PROJECT`` listens by default: the replay address of cases
# sent in process.
REFERENCE_REPLAY_URL = "http://127.0.0.1:1337"
# How long the webhook check waits for the target's deliveries to finish (the fixture caps it at 30 s).
WEBHOOK_IDLE_WAIT_S = 20


class FuzzError(Exception):
    """The fuzzer cannot run: a one-line reason (exit 2)."""


def parse_phases(text: str) -> tuple[str, ...]:
    phases = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in phases if p not in (*PHASES, HOSTILE)]
    if unknown or not phases:
        raise FuzzError(f"--phases: unknown phase {unknown[0] if unknown else '(none)'!r}; "
                        f"choose from {', '.join((*PHASES, HOSTILE))}")
    return phases


def load_document(source: str, client: httpx.Client) -> dict[str, Any]:
    if source == "harness":
        from ..openapi import fixture_document

        return fixture_document()
    if source == "served":
        try:
            response = client.get(SERVED_PATH)
        except httpx.TransportError as exc:
            raise FuzzError(f"cannot read {SERVED_PATH}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise FuzzError(f"the target serves no document at {SERVED_PATH} (status {response.status_code})")
        try:
            document = response.json()
        except ValueError as exc:
            raise FuzzError(f"{SERVED_PATH} is not JSON") from exc
    else:
        path = Path(source)
        if not path.is_file():
            raise FuzzError(f"--openapi: {source} is neither 'harness', 'served' nor a file")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FuzzError(f"--openapi: cannot read {source}: {exc}") from exc
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise FuzzError(f"--openapi {source}: not an OpenAPI 3 document")
    return document


def load_schema(document: dict[str, Any]) -> Any:
    import schemathesis
    from schemathesis.core.result import Err

    from .runner import checks_config

    try:
        # Replays must carry the real token and relation values: no redaction in curl commands.
        # No NUL in drawn strings: the reference refuses NUL text with 400 (PostgreSQL can neither
        # store nor compare it), so a "valid" case carrying one is not valid; the hostile phase sends
        # NUL on purpose. (Changing this changes the cases: bump corpus.CORPUS_FORMAT.)
        config = schemathesis.Config.from_dict({"output": {"sanitization": {"enabled": False}},
                                                "generation": {"allow-x00": False},
                                                **checks_config(document)})
        schema = schemathesis.openapi.from_dict(document, config=config)
        failed = [r.err() for r in schema.get_all_operations() if isinstance(r, Err)]
    except Exception as exc:  # schemathesis rejects the document: one line, exit 2
        raise FuzzError(f"schemathesis cannot load the document: {type(exc).__name__}: {exc}") from exc
    if failed:
        raise FuzzError(f"schemathesis cannot load {len(failed)} operation(s) of the document: {failed[0]}")
    return schema


@contextmanager
def started_target(args: Any) -> Iterator[tuple[Target, TargetInfo, str, str, str, str | None]]:
    """(target, info, report name, base URL for the client, base URL for replay lines, the webhook
    receiver's events URL or None when the target sends its webhooks to none)."""
    from dataclasses import replace

    from ..targets.launch import launch
    from ..targets.registry import TargetOptions, parse
    from ..webhooks import ReceiverProcess

    ref = parse(args.target)
    if ref.kind.in_process:  # driven directly; its webhooks go to a receiver in a process of its own
        receiver = ReceiverProcess() if ref.kind.webhooks else None
        try:
            options = TargetOptions.from_args(args)
            if receiver is not None:
                options = replace(options, webhook_url=receiver.hook_url)
            target: Target = ref.build(options)
            info = target.start()
            try:
                yield (target, info, ref.report_name(options), "http://reference.invalid", REFERENCE_REPLAY_URL,
                       receiver.events_url if receiver is not None else None)
            finally:
                target.stop()
        finally:
            if receiver is not None:
                receiver.stop()
        return
    try:
        launched = launch(args)
    except ImportError as exc:  # a target adapter this checkout does not have (yet)
        raise TargetError(f"target {args.target!r} is not available here: {exc}") from exc
    try:
        if launched.target is None:
            raise TargetError(f"target {args.target!r} cannot be fuzzed")
        info = launched.target.info
        url = info.url or ""
        yield launched.target, info, launched.report_name, url, url, _events_url(launched.pytest_options)
    finally:
        launched.stop()


def _events_url(pytest_options: list[str]) -> str | None:
    """The receiver the launcher started for the target, as it tells the scenarios (--webhook-events)."""
    if "--webhook-events" in pytest_options:
        return pytest_options[pytest_options.index("--webhook-events") + 1]
    return None


def check_webhooks(runner: Runner, events_url: str) -> None:
    """Once the phases are over: wait until the target has delivered the webhooks its writes caused
    (its fixture's idle route), then check every payload the receiver got for private attributes."""
    from ..targets.http import IDLE_PATH
    from ..webhooks import fetch_deliveries
    from .checks import webhook_leaks

    idle: Any = None
    try:
        # A plain URL, no options: the in-process client hands it to the app on the loop its
        # deliveries run on.
        answer = runner.client.request("GET", f"{runner.base_url}{IDLE_PATH}?wait={WEBHOOK_IDLE_WAIT_S}")
        idle = answer.json().get("idle") if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        pass  # a target that cannot tell: what arrived so far is checked
    try:
        deliveries = fetch_deliveries(events_url)
    except (httpx.HTTPError, ValueError) as exc:
        raise FuzzError(f"cannot read the webhook receiver: {type(exc).__name__}: {exc}") from exc
    runner.result.webhooks = {"deliveries": len(deliveries), "idle": idle if isinstance(idle, bool) else None}
    for title, message in webhook_leaks(deliveries):
        runner.record(WEBHOOKS, "webhooks", "private_attribute_leak", title, message, None, None, "")


def fuzz_client(target: Target) -> httpx.Client:
    """The target's client; for the in-process reference implementation, one that hands each case to
    the app directly (send.AppClient: no socket, no thread switch, no httpx request machinery)."""
    from .send import direct_client

    return direct_client(target, timeout=30.0)


@contextmanager
def _captured_reference_log(directory: Path) -> Iterator[None]:
    """The in-process reference implementation logs its 500s, and the multipart parser it uses its
    complaints about hostile bodies: into the report folder, not the console."""
    loggers = [logging.getLogger(name) for name in ("reference_impl", "python_multipart")]
    directory.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(directory / "target.log", mode="w", encoding="utf-8")
    old = [logger.propagate for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, propagate in zip(loggers, old, strict=True):
            logger.removeHandler(handler)
            logger.propagate = propagate
        handler.close()


def command_line(args: Any) -> str:
    parts = ["conformance", "fuzz", "--target", args.target, "--seed", str(args.seed),
             "--max-examples", str(args.max_examples)]
    if args.phases != ",".join(PHASES):
        parts += ["--phases", args.phases]
    if args.openapi != "harness":
        parts += ["--openapi", args.openapi]
    if getattr(args, "strapi_version", None):
        parts += ["--strapi-version", args.strapi_version]
    return " ".join(shlex.quote(p) for p in parts)


def run_fuzz(args: Any, repo_root: Path) -> int:
    from .report import RunInfo, write_reports

    try:
        phases = parse_phases(args.phases)
        if args.max_examples < 1:
            raise FuzzError("--max-examples must be at least 1")
        with started_target(args) as (target, info, report_name, base_url, replay_url, events_url):
            folder = "fuzz" if args.openapi == "harness" else "fuzz-served" if args.openapi == "served" else "fuzz-file"
            report_dir = Path(args.report_dir) if args.report_dir else repo_root / "reports" / report_name / folder
            with fuzz_client(target) as client:
                document = load_document(args.openapi, client)
                schema = load_schema(document)
                token = info.tokens.get("full-access")
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                corpus = None
                if not getattr(args, "no_corpus", False):
                    directory = Path(args.corpus_dir) if getattr(args, "corpus_dir", None) else default_directory()
                    corpus = Corpus(directory, document, args.seed, args.max_examples)
                options = FuzzOptions(seed=args.seed, max_examples=args.max_examples,
                                      phases=tuple(p for p in phases if p != HOSTILE), corpus=corpus)
                runner = Runner(schema, client, base_url, headers, options, replay_url)
                if target.in_process:
                    with _captured_reference_log(report_dir):
                        result = run_phases(runner, phases)
                        if events_url is not None:
                            check_webhooks(runner, events_url)
                else:
                    result = run_phases(runner, phases)
                    if events_url is not None:
                        check_webhooks(runner, events_url)
            run = RunInfo(target={**info.as_json(), "report_name": report_name}, document=args.openapi,
                          seed=args.seed, max_examples=args.max_examples, phases=phases, command=command_line(args))
            data = write_reports(result, run, report_dir)
    except (TargetError, FuzzError) as exc:
        print(f"conformance: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print_summary(result, data, report_dir)
    if result.errors:
        print(f"conformance: {len(result.errors)} operation(s) could not be generated: {result.errors[0]}",
              file=sys.stderr)
        return EXIT_ERROR
    if result.unreached:
        # Never --record-only: an operation no case reached was not fuzzed at all, whoever's bug it is.
        print(f"conformance: {len(result.unreached)} operation(s) never reached (no case got the documented "
              f"success status): {', '.join(result.unreached)}", file=sys.stderr)
        return EXIT_FAIL
    if result.failures and getattr(args, "record_only", False):
        print(f"conformance: {len(result.failures)} finding(s) recorded in {report_dir} (--record-only)")
        return EXIT_OK
    return EXIT_FAIL if result.failures else EXIT_OK


def print_summary(result: FuzzResult, data: dict[str, Any], report_dir: Path) -> None:
    ops = data["operations"]
    print(f"fuzz {data['target']['report_name']}: {ops['covered']}/{ops['total']} operations, "
          f"{data['cases']['total']} cases in {data['duration_s']:.1f}s ({data['cases_per_second']} cases/s), "
          f"{data['failures']['total']} failure(s), corpus {data['corpus']}{_webhooks_note(data)}   "
          f"reports: {report_dir}")
    for failure in result.failures:
        print(f"  {failure.replay()}")


def _webhooks_note(data: dict[str, Any]) -> str:
    webhooks = data.get("webhooks")
    if not webhooks:
        return ""
    # Not idle: the target still had deliveries out when the wait ended; those were not checked.
    unsettled = " (the target had not delivered them all)" if webhooks["idle"] is False else ""
    return f", {webhooks['deliveries']} webhook payload(s) checked{unsettled}"
