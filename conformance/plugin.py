"""The pytest plugin: turns feature-file tags into marks, starts the target, gates scenarios on
capabilities, applies the expectation manifest and collects results for the reports.

Load it with ``-p conformance.plugin`` (the ``conformance run`` command does).
"""

from __future__ import annotations

import importlib
import os
import time
import weakref
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from . import __version__
from .fixture.facts import WEBHOOKS_OFF_CAPABILITY
from .manifests import ExpectationError, Manifest
from .report.collector import CATALOGUE_KEY, WORKER_CATALOGUE, ReportCollector, scenario_meta, target_json
from .report.verdict import Profile, make_profile
from .steps import MODULES
from .tags import LEVELS, TagExpressionError, compile_expression
from .targets.base import Target, TargetError, TargetInfo
from .world import HarnessError, World

pytest_plugins = MODULES
META_KEY = "conformance"
_steps_key = pytest.StashKey[list[dict[str, Any]]]()
_world_key = pytest.StashKey[World]()
_started_key = pytest.StashKey[float]()
_manifest_key = pytest.StashKey[Manifest]()
_scenario_key = pytest.StashKey[dict[str, Any]]()
_selector_key = pytest.StashKey[Any]()
_profile_key = pytest.StashKey[Profile]()
# Why the capability gate skipped a scenario: "profile" (not asked for) or "capability" (lacking).
_skip_kind_key = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Strapi conformance suite")
    group.addoption("--target", default="reference",
                    help="kind[:spec] of the target (see `conformance run --help`); `conformance run` passes a "
                         "started server's base URL")
    group.addoption("--target-name", default=None, help="name of the target in reports")
    group.addoption("--target-kind", default=None, help="kind of the target in reports (http, strapi, ...)")
    group.addoption("--capability", action="append", default=None,
                    help="check only scenarios needing these capabilities (repeatable): an explicit reduced profile")
    group.addoption("--profile", default=None, choices=("full", "black-box"),
                    help="full (default: every selected scenario must be checked) or black-box (content types only)")
    group.addoption("--webhook-events", default=None, help="URL of the webhook receiver's event list")
    group.addoption("--report-dir", default=None, help="write report.json, junit.xml and report.html here")
    group.addoption("--expectations", default=None, help="expectation manifest (TOML) for this target")
    group.addoption("--tags", default=None, help="tag expression, e.g. '@must and not @needs:webhooks'")
    group.addoption("--id", action="append", default=None, dest="scenario_ids", help="run only these ids")
    group.addoption("--show-trace", action="store_true", default=False,
                    help="print every scenario's HTTP exchange and trace")
    group.addoption("--database-url", default=None, help="database URL for the in-process reference target")
    group.addoption("--forked-workers", type=int, default=0,
                    help="run the scenarios in this many workers forked after collection (in-process targets; "
                         "set by `conformance run --workers`)")
    group.addoption("--probed", default=None,
                    help="capability probe results of the controlling process (JSON; set by `conformance run`)")
    group.addoption("--probe-only", default=None, metavar="CAPS",
                    help="probe only these declared capabilities (comma-separated); the others are left "
                         "unverified: for runs whose selected scenarios need no more (the meta-tests' runs)")
    group.addoption("--collect-selected", action="store_true", default=False,
                    help="with --id, make test items of the selected scenarios only (the others are not "
                         "reported as deselected): a run of a few scenarios spends a fifth of its time "
                         "making and deselecting the rest (the meta-tests' runs, tests/meta/runner.py)")


# -- speed: pytest-bdd's per-step work, done once -------------------------------------------------------


def _memoise_step_lookup() -> None:
    """pytest-bdd finds the definition of every step of every scenario by asking pytest for each
    registered fixture name in turn (about 180 here), keeping the step definitions visible to the
    test, then trying each one's parser: most of a step's harness time. Which step definitions a
    test sees depends only on where it sits, and they are all registered before the first scenario
    runs: that list is made once per fixture manager (one per pytest session) and place, in
    pytest-bdd's order, and each step is matched against it with pytest-bdd's own filters."""
    # the module, not the ``scenario`` function pytest_bdd exports under the same name
    bdd_scenario = importlib.import_module("pytest_bdd.scenario")
    original = bdd_scenario.find_fixturedefs_for_step
    if getattr(original, "conformance_memo", False):
        return
    names = getattr(bdd_scenario, "get_fixture_names", None)
    lookup = getattr(bdd_scenario, "getfixturedefs", None)
    registry = getattr(bdd_scenario, "step_function_context_registry", None)
    if names is None or lookup is None or registry is None:  # another pytest-bdd: leave it alone
        return
    memo: weakref.WeakKeyDictionary[Any, dict[str, list[tuple[Any, Any]]]] = weakref.WeakKeyDictionary()
    # The same step text recurs across scenarios (about half of a run's steps): its matches in a
    # place are found once, not by trying every step definition's parser again.
    found: weakref.WeakKeyDictionary[Any, dict[tuple[str, str, str], list[Any]]] = weakref.WeakKeyDictionary()

    def find_fixturedefs_for_step(step: Any, fixturemanager: Any, node: Any) -> list[Any]:
        place = node.parent.nodeid if node.parent is not None else ""
        matches = found.setdefault(fixturemanager, {})
        key = (place, step.type, step.name)
        known = matches.get(key)
        if known is not None:
            return list(known)
        table = memo.setdefault(fixturemanager, {})
        candidates = table.get(place)
        if candidates is None:
            candidates = table[place] = [
                (fixturedef, context)
                for fixturename in names(fixturemanager=fixturemanager)
                for fixturedef in lookup(fixturemanager, fixturename, node) or []
                if (context := registry.get(fixturedef.func)) is not None]
        known = matches[key] = [fixturedef for fixturedef, context in candidates
                                if (context.type is None or context.type == step.type)
                                and context.parser.is_matching(step.name)]
        return list(known)

    find_fixturedefs_for_step.conformance_memo = True  # type: ignore[attr-defined]
    bdd_scenario.find_fixturedefs_for_step = find_fixturedefs_for_step  # type: ignore[attr-defined]


def _datatables_without_deepcopy() -> None:
    """pytest-bdd deep-copies every data table of every scenario it runs, to substitute Scenario
    Outline parameters: without parameters there is nothing to substitute, and the steps only read
    the table (they get ``datatable.raw()``, fresh lists)."""
    from pytest_bdd.parser import Step

    original = Step.render_datatable
    if getattr(original, "conformance_memo", False):
        return

    def render_datatable(datatable: Any, context: Any) -> Any:
        return original(datatable, context) if context else datatable

    render_datatable.conformance_memo = True  # type: ignore[attr-defined]
    Step.render_datatable = staticmethod(render_datatable)  # type: ignore[method-assign]


def _memoise_step_signatures() -> None:
    """pytest-bdd reads every step function's signature twice per step it runs (``inspect.signature``,
    once directly and once for its required arguments): a step function's signature never changes,
    so each is read once per process."""
    bdd_scenario = importlib.import_module("pytest_bdd.scenario")
    signature, required = getattr(bdd_scenario, "signature", None), getattr(bdd_scenario, "get_required_args", None)
    if signature is None or required is None or getattr(signature, "conformance_memo", False):
        return
    signatures: dict[Any, Any] = {}
    arguments: dict[Any, list[str]] = {}

    def memo_signature(func: Any) -> Any:
        try:
            found = signatures.get(func)
        except TypeError:  # an unhashable callable: not remembered
            return signature(func)
        if found is None:
            found = signatures[func] = signature(func)
        return found

    def memo_required(func: Any) -> list[str]:
        try:
            found = arguments.get(func)
        except TypeError:
            return required(func)
        if found is None:
            found = arguments[func] = required(func)
        return list(found)

    memo_signature.conformance_memo = True  # type: ignore[attr-defined]
    bdd_scenario.signature = memo_signature  # type: ignore[attr-defined]
    bdd_scenario.get_required_args = memo_required  # type: ignore[attr-defined]


_memoise_step_lookup()
_datatables_without_deepcopy()
_memoise_step_signatures()


_receiver_key = pytest.StashKey[Any]()


def _spawn_receiver(config: pytest.Config) -> None:
    """One process of a run whose target lives in this process (the in-process reference, serially):
    its webhook receiver gets a process of its own (conformance/webhooks.py ReceiverProcess), started
    now so that it is ready by the time the target starts. xdist workers and forked workers keep theirs
    in-process (two workers already keep both cores busy)."""
    from .targets.registry import parse

    if hasattr(config, "workerinput") or config.getoption("webhook_events") or config.getoption("forked_workers") > 1:
        return
    try:
        ref = parse(config.getoption("target"))
    except TargetError:
        return  # reported when the session starts
    if not (ref.kind.in_process and ref.kind.webhooks):
        return
    from .webhooks import ReceiverProcess

    receiver = ReceiverProcess()
    config.stash[_receiver_key] = receiver
    config.add_cleanup(receiver.stop)


def pytest_configure(config: pytest.Config) -> None:
    _spawn_receiver(config)
    # xdist_group is xdist's own: registered here for the serial runs that do not load xdist
    for marker in ("scenario_id(id)", "level(level)", "needs(capability)", "doc(page)", "bdd_tag(tag)",
                   "xdist_group(name)"):
        config.addinivalue_line("markers", f"{marker}: conformance scenario metadata")
    try:
        config.stash[_profile_key] = make_profile(config.getoption("profile"), config.getoption("capability"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from exc
    manifest_path = config.getoption("expectations")
    try:
        config.stash[_manifest_key] = Manifest.load(Path(manifest_path)) if manifest_path else Manifest.empty()
    except ExpectationError as exc:
        raise pytest.UsageError(f"expectation manifest: {exc}") from exc
    expr = config.getoption("tags")
    try:
        config.stash[_selector_key] = compile_expression(expr) if expr else None
    except TagExpressionError as exc:
        raise pytest.UsageError(f"--tags: {exc}") from exc
    report_dir = config.getoption("report_dir")
    if report_dir and not hasattr(config, "workerinput"):
        collector = ReportCollector(config, Path(report_dir), config.stash[_manifest_key], config.stash[_profile_key])
        config.pluginmanager.register(collector, "conformance-report")
    workers = config.getoption("forked_workers")
    if workers > 1 and not hasattr(config, "workerinput"):
        from .forked import ForkedWorkers

        config.pluginmanager.register(ForkedWorkers(workers), "conformance-forked")


_tag_marks: dict[str, list[pytest.MarkDecorator]] = {}


def _marks_of(tag: str) -> list[pytest.MarkDecorator]:
    prefix, sep, value = tag.partition(":")
    marks = [pytest.mark.bdd_tag(tag)]
    if tag in LEVELS:
        marks.append(pytest.mark.level(tag))
    elif sep and prefix == "id":
        marks.append(pytest.mark.scenario_id(value))
    elif sep and prefix == "needs":
        marks.append(pytest.mark.needs(value))
    elif sep and prefix == "doc":
        marks.append(pytest.mark.doc(value))
    elif sep and prefix == "group":
        marks.append(pytest.mark.xdist_group(value))
    return marks


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """An xdist worker of ``conformance run`` has sent the controller its end ("workerfinished",
    in pytest_sessionfinish): it ends now, without the interpreter's teardown, which the
    controller would otherwise wait for (conformance/fast_exit.py)."""
    from .fast_exit import ENV, exit_now

    if hasattr(config, "workerinput") and os.environ.get(ENV) == "1":
        exit_now(0)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> Any:
    """Our tags carry values (``id:PO-003``): make them marks with arguments instead of mark names.
    A tag's marks are made once per process (most tags recur on many of the 418 scenarios)."""
    marks = _tag_marks.get(tag)
    if marks is None:
        marks = _tag_marks[tag] = _marks_of(tag)
    for mark in marks:
        function = mark(function)
    return True


def scenario_tags(item: pytest.Item) -> set[str]:
    return {m.args[0] for m in item.iter_markers("bdd_tag")}


def scenario_id(item: pytest.Item) -> str | None:
    mark = item.get_closest_marker("scenario_id")
    return mark.args[0] if mark else None


def _catalogue_entry(item: pytest.Item, sid: str) -> dict[str, Any]:
    levels = [m.args[0] for m in item.iter_markers("level")]
    return {"id": sid, "level": levels[0] if levels else None,
            "needs": sorted({m.args[0] for m in item.iter_markers("needs")})}


def _record_catalogue(config: pytest.Config, collected: list[pytest.Item], selected: list[pytest.Item]) -> None:
    """Keep what was collected and selected for the coverage; an xdist worker sends it to the controller."""
    entries = [_catalogue_entry(item, sid) for item in collected if (sid := scenario_id(item)) is not None]
    unmade: list[dict[str, Any]] = config.stash.get(_unmade_key, [])  # --collect-selected's
    entries += unmade
    data = {"all": entries, "selected": [sid for item in selected if (sid := scenario_id(item)) is not None]}
    config.stash[CATALOGUE_KEY] = data
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_CATALOGUE] = data
    else:  # one process: the manifest can be checked against what was collected (the CLI does it otherwise)
        manifest = config.stash.get(_manifest_key, None)
        if manifest is not None:
            try:
                manifest.check_ids({e["id"] for e in entries})
            except ExpectationError as exc:
                raise pytest.UsageError(f"expectation manifest: {exc}") from exc


_unmade_key = pytest.StashKey[list[dict[str, Any]]]()


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> list[Any] | None:
    """``--collect-selected``: a scenario outside ``--id`` gives no test item, only its catalogue
    entry (read from the marks its tags made: what the item would have had)."""
    config = collector.config
    ids = config.getoption("scenario_ids")
    if not ids or not config.getoption("collect_selected") or not callable(obj):
        return None
    marks = getattr(obj, "pytestmark", [])
    sid = next((m.args[0] for m in marks if m.name == "scenario_id"), None)
    if sid is None or sid in ids:
        return None
    levels = [m.args[0] for m in marks if m.name == "level"]
    config.stash.setdefault(_unmade_key, []).append(
        {"id": sid, "level": levels[0] if levels else None,
         "needs": sorted({m.args[0] for m in marks if m.name == "needs"})})
    return []


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    collected = list(items)
    selector = config.stash.get(_selector_key, None)
    ids = set(config.getoption("scenario_ids") or [])
    if selector is None and not ids:
        _record_catalogue(config, collected, items)
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        sid = scenario_id(item)
        ok = True
        if ids and sid not in ids:
            ok = False
        if ok and selector is not None and not selector(scenario_tags(item)):
            ok = False
        (keep if ok else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    _record_catalogue(config, collected, items)


# -- the target ---------------------------------------------------------------------------------------


class _Session:
    """What a test process shares between scenarios: the target, its client and the receiver."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.target: Target | None = None
        self.client: httpx.Client | None = None
        self.receiver: Any = None
        self.events_url: str | None = config.getoption("webhook_events")

    def start(self) -> TargetInfo:
        """Start the target and prove its capabilities (conformance/probes.py), unless the controlling
        process already did (``--probed``), or another forked worker of the run does (PROBE_SHARE)."""
        from .forked import PROBE_SHARE
        from .probes import decode, encode, restore, verify
        from .steps.webhooks import window_floor_s
        from .targets.registry import TargetOptions, parse

        window_floor_s()  # a bad CONFORMANCE_WEBHOOK_WINDOW_FLOOR_S is exit 2, not a failure per scenario
        ref = parse(self.config.getoption("target"))
        declared = self.config.getoption("capability")
        caps = frozenset(declared) if declared else None
        options = TargetOptions(database=self.config.getoption("database_url"), capabilities=caps,
                                name=self.config.getoption("target_name"),
                                reported_kind=self.config.getoption("target_kind"))
        if ref.kind.webhooks and self.events_url is None:  # no receiver of the controlling process: our own
            from .webhooks import WebhookReceiver

            early = self.config.stash.get(_receiver_key, None)  # spawned at configure time (below)
            self.receiver = early if early is not None else WebhookReceiver().start()
            try:
                self.events_url = self.receiver.events_url
            except RuntimeError as exc:
                raise TargetError(str(exc)) from exc
            options = replace(options, webhook_url=self.receiver.hook_url)
        self.target = ref.build(options)
        info = self.target.start()
        if caps is not None:  # the user says the target has at most these
            info.capabilities = info.capabilities & caps
        probed = self.config.getoption("probed")
        # Only an in-process target's own loop says, before any probe, that nothing more will come.
        quiesce = getattr(self.target, "quiesce", None) if ref.kind.in_process else None
        share = self.config.stash.get(PROBE_SHARE, None)  # a forked worker: one of them probes
        if not probed and share is not None:
            probed = share.take()
        if probed:
            restore(info, *decode(probed))
        else:
            only = self.config.getoption("probe_only")
            if only is None:
                verify(self.target.http, info, self.events_url, quiesce=quiesce)
            else:  # the others are left unverified, as if undeclared, and reported declared
                declared = info.capabilities
                info.capabilities = declared & frozenset(only.split(","))
                verify(self.target.http, info, self.events_url, quiesce=quiesce)
                info.declared = declared
                info.probes.update({c: "not verified: not probed (--probe-only)" for c in declared - info.capabilities})
            if share is not None:
                share.publish(encode(info))
        self.client = self.target.http
        return info

    def stop(self) -> None:
        self.client = None  # the target's own client: closed by target.stop()
        if self.target is not None:
            self.target.stop()
        if self.receiver is not None:
            self.receiver.stop()


@pytest.fixture(scope="session")
def conformance_session(pytestconfig: pytest.Config) -> Any:
    session = _Session(pytestconfig)
    try:
        session.start()
    except TargetError as exc:
        session.stop()
        pytest.exit(f"conformance: {exc}", returncode=2)
    yield session
    session.stop()


@pytest.fixture
def world(conformance_session: _Session, request: pytest.FixtureRequest) -> World:
    assert conformance_session.target is not None and conformance_session.client is not None
    target = conformance_session.target
    w = World(conformance_session.client, target.info, conformance_session.events_url,
              getattr(target, "quiesce", None))
    # A scenario that reads no webhook asks the target to post none for its writes (fewer deliveries
    # for the target to make); one tagged @needs:webhooks gets every delivery, as ever.
    w.webhooks_off = (WEBHOOKS_OFF_CAPABILITY in target.info.capabilities
                      and "webhooks" not in {m.args[0] for m in request.node.iter_markers("needs")})
    request.node.stash[_world_key] = w
    return w


@pytest.fixture(autouse=True)
def _capability_gate(request: pytest.FixtureRequest) -> None:
    needs = [m.args[0] for m in request.node.iter_markers("needs")]
    if scenario_id(request.node) is None:
        return
    session: _Session = request.getfixturevalue("conformance_session")
    assert session.target is not None
    info = session.target.info
    request.node.user_properties.append(("target", target_json(info)))
    profile: Profile = request.config.stash[_profile_key]
    if not profile.covers(needs):
        request.node.stash[_skip_kind_key] = "profile"
        outside = sorted(set(needs) - (profile.capabilities or set()))
        pytest.skip(f"outside profile {profile.name} (needs {', '.join(outside)})")
    missing = [n for n in needs if n not in info.capabilities]
    if missing:
        request.node.stash[_skip_kind_key] = "capability"
        pytest.skip(f"target {info.name} lacks capability {', '.join(missing)}")


# -- steps, outcomes and expectations ----------------------------------------------------------------------


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    request.node.stash[_steps_key] = []


def _record_step(request: pytest.FixtureRequest, step: Any, status: str, error: str | None = None) -> None:
    steps = request.node.stash.setdefault(_steps_key, [])
    started = request.node.stash.get(_started_key, time.perf_counter())
    steps.append({"keyword": step.keyword, "text": step.name, "line": step.line_number, "status": status,
                  "duration_s": round(time.perf_counter() - started, 4), "error": error})


def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                           step_func: Any) -> None:
    request.node.stash[_started_key] = time.perf_counter()


def pytest_bdd_after_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Any,
                          step_func_args: Any) -> None:
    _record_step(request, step, "passed")


def pytest_bdd_step_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, step_func: Any,
                          step_func_args: Any, exception: Exception) -> None:
    _record_step(request, step, "failed", str(exception).splitlines()[0] if str(exception) else type(exception).__name__)


def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                                      exception: Exception) -> None:
    _record_step(request, step, "undefined", f"no step definition matches: {step.keyword} {step.name}")


def _unverified(item: pytest.Item, report: pytest.TestReport, sid: str) -> str | None:
    """A manifest entry whose scenario was selected, asked for by the profile, and skipped: the
    difference it records was not seen this time, so the run cannot vouch for it."""
    manifest: Manifest = item.config.stash[_manifest_key]
    if not report.skipped or sid not in manifest.ids or item.stash.get(_skip_kind_key, "") == "profile":
        return None
    longrepr = report.longrepr
    why = str(longrepr[2]).removeprefix("Skipped: ") if isinstance(longrepr, tuple) else str(longrepr)
    return f"unverified: {sid} is listed in {manifest.path} but was not checked ({why})"


def _failure_text(call: pytest.CallInfo[Any]) -> tuple[str, str]:
    exc = call.excinfo.value if call.excinfo else None
    if exc is None:
        return "", ""
    text = str(exc)
    if isinstance(exc, AssertionError):
        return (text.splitlines()[0] if text else "assertion failed"), text
    kind = "harness error" if isinstance(exc, HarnessError) else type(exc).__name__
    return f"{kind}: {text.splitlines()[0] if text else ''}", f"{kind}: {text}"


def _plain_failure(excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
    return str(excinfo.value)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    failure = call.excinfo.value if call.excinfo else None
    plain = isinstance(failure, (AssertionError, HarnessError)) and bool(str(failure))
    if plain:
        # The report's text is ours (below): pytest's rendering of the traceback, which parses the
        # source file of every frame (0.1-0.2 s a failure: 50 s of a run where a target dies and
        # 230 scenarios fail), would be thrown away.
        item.repr_failure = _plain_failure  # type: ignore[method-assign]
    try:
        outcome = yield
    finally:
        if plain:
            del item.repr_failure
    report: pytest.TestReport = outcome.get_result()
    sid = scenario_id(item)
    if sid is None:
        return
    scenario = item.stash.get(_scenario_key, None)
    if scenario is None:
        scenario = item.stash[_scenario_key] = scenario_meta(item, sid, scenario_tags(item))
    report.user_properties.append(("scenario", scenario))
    world = item.stash.get(_world_key, None)
    meta: dict[str, Any] = {"phase": report.when}
    unverified = _unverified(item, report, sid) if report.when in ("setup", "call") else None
    if unverified is not None:
        report.outcome = "failed"
        report.longrepr = unverified
        meta.update(outcome="unverified", message=unverified, detail=unverified)
    elif report.when == "call" or report.failed:
        message, detail = _failure_text(call) if report.failed else ("", "")
        meta.update(message=message, detail=detail, steps=item.stash.get(_steps_key, []))
        if world is not None:
            meta["exchanges"] = [e.render() for e in world.exchanges[-6:]]
            meta["trace"] = world.trace
        exc = call.excinfo.value if call.excinfo else None
        if report.failed and isinstance(exc, (AssertionError, HarnessError)) and detail:
            report.longrepr = detail  # our messages already say what failed and show the exchange
        manifest: Manifest = item.config.stash[_manifest_key]
        assertion = report.when == "call" and isinstance(exc, AssertionError)
        if report.failed:
            meta["failure"] = "assertion" if assertion else "error"
        verdict = manifest.judge(sid, report.passed, message, assertion)
        if verdict.outcome == "expected_failure":
            report.outcome = "skipped"
            report.wasxfail = verdict.reason  # type: ignore[attr-defined]
        elif verdict.outcome == "unexpected_pass":
            report.outcome = "failed"
            report.longrepr = verdict.reason
            meta.update(message=verdict.reason, detail=verdict.reason)
        elif verdict.outcome == "failed" and verdict.reason:
            meta["message"] = verdict.reason
            report.longrepr = f"{verdict.reason}\n{report.longreprtext}"
        meta["outcome"] = verdict.outcome
    report.user_properties.append((META_KEY, meta))


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"conformance suite {__version__}, target: {config.getoption('target')}",
            f"features: {os.environ.get('CONFORMANCE_FEATURES', 'features/')}"]
