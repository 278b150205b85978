"""The two twins of the conformance fixture stay in step: Python (reference) and JavaScript (Strapi).

Walked on both sides: the component files (same paths, same names), the directives each kind of
component obeys (the same control headers run through both twins give the same traces, results,
errors and side effects), the routes with their policies and middlewares, the global middleware
list, the webhook defaults and the lifecycle hooks. The JavaScript side runs in ``node`` with
``@strapi/*`` stubbed (no Strapi install needed); the Python side runs the reference's modules.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.fixture import REFERENCE_TEMPLATE, STRAPI_TEMPLATE, facts
from conformance.fixture.python import components, probe
from conformance.targets.strapi.project import write_project

NODE = shutil.which("node")
# Set by .ci/run (passed through tox): there node is part of the machine, so a missing node fails
# these tests instead of skipping them (a skipped parity test would let the twins drift unseen).
REQUIRE_NODE_ENV = "CONFORMANCE_REQUIRE_NODE"


def node_or_skip() -> str:
    """node's path; without node a skip, or a failure when CONFORMANCE_REQUIRE_NODE is set."""
    if NODE is None:
        reason = "node is not installed (the JavaScript twin cannot run)"
        if os.environ.get(REQUIRE_NODE_ENV):
            pytest.fail(f"{REQUIRE_NODE_ENV} is set but {reason}")
        pytest.skip(reason)
    return NODE


@pytest.fixture
def node() -> str:
    return node_or_skip()


needs_node = pytest.mark.usefixtures("node")

PY_SRC, JS_SRC = REFERENCE_TEMPLATE / "src", STRAPI_TEMPLATE / "src"
# components.js: the twin of components.py and probe.py, compared by behaviour below; model.js: of model.py
# (the second locale at bootstrap), checked on both by the i18n probe and features/i18n.feature.
TWIN_MODULES = {"components.js", "model.js"}

# Every directive of conformance/PROTOCOL.md §5, plus one nobody knows (ignored by all).
DIRECTIVES: dict[str, dict[str, Any]] = {
    "deny": {},
    "return": {"value": "ok"},
    "return-nothing": {},
    "throw": {"error": "ForbiddenError", "message": "m", "details": {"k": 1}},
    "throw-plain": {"error": "Error", "message": "plain"},
    "throw-after": {"error": "ValidationError", "message": "after", "details": {}},
    "respond": {"status": 299, "body": {"x": 1}},
    "halt": {"value": "h"},
    "return-value": {"value": {"v": 1}},
    "set-query": {"query": {"q": "1"}},
    "set-data": {"data": {"d": 1}},
    "merge-params": {"params": {"p": 1}},
    "set-state": {"value": "s"},
    "bogus": {},
}
# Who is addressed, and with what action (controller/service/Document Service action, lifecycle event).
COMPONENTS = [
    ("onion", "gmw", "first", None),
    ("onion", "rmw", "second", None),
    ("policy", "policy", "third", None),
    ("controller", "controller", "article", "find"),
    ("service", "service", "article", "update"),
    ("docmw", "docmw", "first", "findMany"),
    ("lifecycle", "lifecycle", "file", "beforeCreate"),
    ("lifecycle", "lifecycle", "subscriber", "afterCreate"),
]


def scenarios() -> list[dict[str, Any]]:
    out = []
    for component, stage, name, action in COMPONENTS:
        for label, args in DIRECTIVES.items():
            kind = {"return-nothing": "return", "throw-plain": "throw"}.get(label, label)
            directive = {"do": kind, **args}
            out.append({"id": f"{stage}:{name} {label}", "component": component, "stage": stage, "name": name,
                        "action": action, "control": {f"{stage}:{name}": directive}})
        if action is not None:  # a directive for another action is not for this one
            out.append({"id": f"{stage}:{name} other action", "component": component, "stage": stage, "name": name,
                        "action": action, "control": {f"{stage}:{name}": {"do": "throw", "action": "other",
                                                                        "error": "Error", "message": "no"}}})
    return out


# -- the Python twin -----------------------------------------------------------------------------------
def _error(exc: BaseException) -> dict[str, Any]:
    from reference_impl.errors import ApplicationError

    if isinstance(exc, ApplicationError):
        return {"name": type(exc).__name__, "message": exc.message, "details": exc.details}
    return {"name": "Error", "message": str(exc), "details": None}


async def _run_python(s: dict[str, Any]) -> dict[str, Any]:
    trace: list[str] = []
    headers = {probe.CONTROL_HEADER: json.dumps(s["control"])}
    ctx = SimpleNamespace(state={probe.TRACE_KEY: trace}, headers=headers, query={}, request_body={"data": {}},
                          status=None, body=None)
    seen: dict[str, Any] = {}
    strapi = SimpleNamespace(request_context=SimpleNamespace(get=lambda: ctx))

    async def next_() -> Any:
        trace.append("next")
        return {"next": True}

    class Core:
        def __init__(self) -> None:
            self.strapi = strapi

        async def _core(self, *args: Any) -> Any:
            trace.append("core")
            return {"core": True}

        find = findOne = create = update = delete = _core  # noqa: N815 (Strapi's action names)

    component, result = s["component"], None
    try:
        if component == "onion":
            result = await components.onion_middleware(s["stage"], s["name"])(ctx, next_)
        elif component == "policy":
            policy_context = SimpleNamespace(request=SimpleNamespace(headers=headers), state=ctx.state)
            result = components.run_policy(policy_context, {"label": "third"}, s["name"])
        elif component in ("controller", "service"):
            traced = components.traced_controller if component == "controller" else components.traced_service
            result = await getattr(traced(Core, s["name"])(), s["action"])(ctx)
        elif component == "docmw":
            context = {"uid": facts.INSTRUMENTED_UID, "action": s["action"], "params": {"data": {}}}
            seen["params"] = context["params"]
            result = await components.document_middleware(strapi, s["name"])(context, next_)
        else:
            event = SimpleNamespace(params={"data": {}}, state=None)
            seen["event"] = event
            components.lifecycle_hooks(s["name"], lambda: ctx)[s["action"]](event)
    except Exception as exc:  # noqa: BLE001 (what the component threw is part of its behaviour)
        seen["error"] = _error(exc)
    if "event" in seen:
        seen["params"], seen["state"] = seen["event"].params, seen.pop("event").state
    return {"trace": trace, "result": result, "status": ctx.status, "body": ctx.body, "query": ctx.query,
            "data": ctx.request_body, **seen}


# -- the JavaScript twin -------------------------------------------------------------------------------
JS_RUNNER = r"""
'use strict';
const Module = require('module');
const path = require('path');
const project = process.argv[2];

class ApplicationError extends Error {
  constructor(message, details) { super(message); this.name = this.constructor.name; this.details = details; }
}
const errors = { ApplicationError };
for (const name of ['ValidationError', 'NotFoundError', 'ForbiddenError', 'UnauthorizedError', 'PaginationError',
                    'PayloadTooLargeError', 'RateLimitError']) {
  errors[name] = { [name]: class extends ApplicationError {} }[name];
}
errors.PolicyError = class PolicyError extends errors.ForbiddenError {};
const CORE = ['find', 'findOne', 'create', 'update', 'delete'];
const factories = {
  createCoreRouter: (uid, options) => ({ uid, ...options }),
  createCoreController: (uid, cfg) => built(cfg),
  createCoreService: (uid, cfg) => built(cfg),
};
let current; // the request context of the running scenario
const strapi = { requestContext: { get: () => current } };
global.strapi = strapi;
function built(cfg) {
  const core = {};
  for (const a of CORE) core[a] = async () => { current.state.conformanceTrace.push('core'); return { core: true }; };
  const methods = cfg ? cfg({ strapi }) : {};
  Object.setPrototypeOf(methods, core);
  return methods;
}
const STUBS = { '@strapi/utils': { errors }, '@strapi/strapi': { factories }, '@strapi/strapi/package.json': { version: '0' } };
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request.startsWith('@strapi/') ? request : resolve.call(this, request, ...rest);
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return Object.prototype.hasOwnProperty.call(STUBS, request) ? STUBS[request] : load.call(this, request, ...rest);
};

const src = (p) => path.join(project, 'src', p);
const c = require(src('conformance/components'));
const undef = (v) => (v === undefined ? null : v);

async function run(s) {
  const headers = { [c.FIXTURE.headers.control.toLowerCase()]: JSON.stringify(s.control) };
  const ctx = { state: { conformanceTrace: [] }, request: { headers, body: { data: {} } }, query: {},
                status: undefined, body: undefined };
  current = ctx;
  const trace = ctx.state.conformanceTrace;
  const next = async () => { trace.push('next'); return { next: true }; };
  const seen = {};
  let result;
  try {
    if (s.component === 'onion') result = await c.onionMiddleware(s.stage, s.name)(ctx, next);
    else if (s.component === 'policy') result = c.runPolicy({ request: ctx.request, state: ctx.state }, { label: 'third' }, s.name);
    else if (s.component === 'controller') result = await c.tracedController('x', s.name)[s.action](ctx);
    else if (s.component === 'service') result = await c.tracedService('x', s.name)[s.action](ctx);
    else if (s.component === 'docmw') {
      const context = { uid: c.FIXTURE.instrumentedUid, action: s.action, params: { data: {} } };
      seen.params = context.params;
      result = await c.documentMiddleware(strapi, s.name)(context, next);
    } else {
      const event = { params: { data: {} }, state: undefined };
      seen.params = event.params;
      seen.state = null;
      c.lifecycleHooks(s.name)[s.action](event);
      seen.state = undef(event.state);
    }
  } catch (e) {
    seen.error = { name: e instanceof ApplicationError ? e.name : 'Error', message: undef(e.message), details: undef(e.details) };
  }
  return { trace, result: undef(result), status: undef(ctx.status), body: undef(ctx.body), query: ctx.query,
           data: ctx.request.body, ...seen };
}

// Webhook idleness, counted on stand-ins for Strapi's database (commit callbacks) and webhook runner
// (its worker queue): a write's event is queued 20 ms after the commit, as Strapi reads the entry back first.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function idleAnswers() {
  const queue = {
    running: 0, queue: [], concurrency: 5,
    enqueue(p) { if (this.running < this.concurrency) { this.running += 1; this.execute(p); } else this.queue.unshift(p); },
    pop() { const p = this.queue.pop(); if (p) this.execute(p); else this.running -= 1; },
    async execute(p) { try { await this.worker(p); } finally { this.pop(); } },
  };
  const runner = { queue, run: (delivery) => delivery };
  queue.worker = (delivery) => runner.run(delivery);
  const fake = {
    db: { async transaction(cb) { const done = []; await cb({ onCommit: (f) => done.push(f) }); done.forEach((f) => f()); } },
    get: (name) => { if (name === 'webhookRunner') return runner; throw new Error(name); },
  };
  const ctl = c.conformanceController({ strapi: fake });
  const ask = (wait) => ctl.webhooksIdle({ query: { wait }, badRequest: (m) => `400 ${m}`, notFound: (m) => `404 ${m}` });
  const write = (delivery) => fake.db.transaction(async ({ onCommit }) => {
    onCommit(async () => { await sleep(20); queue.enqueue(delivery); });
  });
  const out = { uninstalled: await ask('1') };
  c.installWebhookCounting(fake);
  out.rest = await ask('1');
  for (const wait of ['soon', '-1', 'nan', 'Infinity']) out[`wait ${wait}`] = await ask(wait);
  await write(sleep(50));
  out.slow = await ask('2');
  let release;
  await write(new Promise((resolve) => { release = resolve; }));
  out.stuck = await ask('0.1');
  release();
  out.released = await ask('2');
  return out;
}

// Seeding: what the endpoint answers and which service calls it makes, for each body.
async function seedAnswers(bodies) {
  const out = [];
  for (const body of bodies) {
    const calls = [];
    const fake = {
      contentTypes: { 'api::article.article': { kind: 'collectionType' }, 'api::homepage.homepage': { kind: 'singleType' },
                      'plugin::upload.file': { kind: 'collectionType' } },
      service: (uid) => ({ create: async (params) => {
        if (params.data.title === 'refused') throw new Error('refused by the service');
        calls.push([uid, params]);
        const id = calls.filter(Array.isArray).length;
        return { id, documentId: `d${id}`, secret: 's' };
      } }),
      // The creates' transaction: what the calls ran inside, and how it ended.
      db: { async transaction(cb) {
        calls.push('begin');
        try { const result = await cb({}); calls.push('commit'); return result; }
        catch (error) { calls.push('rollback'); throw error; }
      } },
    };
    const ctx = { request: { body }, badRequest: (m) => `400 ${m}` };
    let answer;
    try { answer = await c.conformanceController({ strapi: fake }).seed(ctx); }
    catch (error) { answer = `error ${error.message}`; }
    out.push({ answer, calls });
  }
  return out;
}

(async () => {
  const scenarios = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const out = { behaviour: {}, files: {} };
  for (const s of scenarios) out.behaviour[s.id] = await run(s);
  out.documents = {};
  for (const action of JSON.parse(process.argv[3])) {
    const docs = {};
    for (const name of [...c.FIXTURE.documentActions, 'discard', 'findById']) docs[name] = async () => `called ${name}`;
    const fake = { contentTypes: { 'api::article.article': {} }, documents: () => docs };
    const ctx = { request: { body: { uid: 'api::article.article', action } }, badRequest: (m) => `400 ${m}` };
    out.documents[action] = await c.conformanceController({ strapi: fake }).documents(ctx);
  }
  out.idle = await idleAnswers();
  out.seed = await seedAnswers(JSON.parse(process.argv[4]));
  out.lifecycles = { file: Object.keys(require(src('api/article/content-types/article/lifecycles'))),
                     subscriber: Object.keys(c.lifecycleHooks('subscriber')) };
  out.articleRoutes = require(src('api/article/routes/article'));
  out.conformanceRoutes = require(src('api/conformance/routes/conformance'));
  out.middlewares = require(path.join(project, 'config/middlewares'));
  out.server = require(path.join(project, 'config/server'))({ env: Object.assign(() => undefined, { int: () => 0, array: () => [] }) });
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.fixture(scope="module")
def js(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the JavaScript twin does, in a project written as the installer writes it."""
    node = node_or_skip()
    root = tmp_path_factory.mktemp("strapi-parity")
    project = write_project(root / "project", "5.54.0", None)
    runner = root / "runner.js"
    runner.write_text(JS_RUNNER, encoding="utf-8")
    done = subprocess.run([node, str(runner), str(project), json.dumps(DOCUMENT_CALLS), json.dumps(SEED_BODIES)], input=json.dumps(scenarios()), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


# -- component files: same paths, same names ---------------------------------------------------------------
def _python_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Docstrings and dict keys have no counterpart among JavaScript string literals.
    skip = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body and isinstance(node.body[0], ast.Expr)}
    skip |= {id(key) for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys}
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip}


_JS_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_JS_REQUIRE = re.compile(r"require\(\s*(['\"])[^'\"]*\1\s*\)")
_JS_STRING = re.compile(r"'([^'\\\n]*)'|\"([^\"\\\n]*)\"")


def _js_literals(path: Path) -> set[str]:
    text = _JS_REQUIRE.sub("", _JS_COMMENT.sub("", path.read_text(encoding="utf-8")))
    return {a or b for a, b in _JS_STRING.findall(text)} - {"use strict"}


def _component_files(root: Path, suffix: str) -> dict[str, Path]:
    return {str(p.relative_to(root).with_suffix("")): p for p in root.rglob(f"*{suffix}")
            if "__pycache__" not in p.parts and p.name not in TWIN_MODULES}


def test_every_python_component_file_has_a_javascript_twin_with_the_same_names() -> None:
    python, javascript = _component_files(PY_SRC, ".py"), _component_files(JS_SRC, ".js")
    assert sorted(set(python) - set(javascript)) == []
    for rel, path in python.items():
        assert _python_literals(path) == _js_literals(javascript[rel]), rel


def test_javascript_only_files_are_plain_core_factories() -> None:
    """Strapi needs a file per core controller and service; the reference builds them itself."""
    extra = set(_component_files(JS_SRC, ".js")) - set(_component_files(PY_SRC, ".py"))
    assert extra, "the JavaScript template lost its core factories"
    for rel in sorted(extra):
        text = (JS_SRC / f"{rel}.js").read_text(encoding="utf-8")
        assert "conformance/components" not in text and re.search(r"factories\.createCore\w+\('api::", text), rel


# -- behaviour: same directives, same effects --------------------------------------------------------------
@needs_node
@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s["id"])
def test_both_twins_obey_the_same_directives_the_same_way(scenario: dict[str, Any], js: dict[str, Any]) -> None:
    python = json.loads(json.dumps(asyncio.run(_run_python(scenario))))
    assert python == js["behaviour"][scenario["id"]]


def test_the_scenarios_exercise_every_directive() -> None:
    """Each directive changes what some component does (else the matrix proves little)."""
    outcomes: dict[str, set[str]] = {}
    for s in scenarios():
        got = asyncio.run(_run_python(s))
        quiet = asyncio.run(_run_python({**s, "control": {}}))
        label = s["id"].split(" ", 1)[1]
        outcomes.setdefault(label, set()).add("obeyed" if got != quiet else "ignored")
    assert outcomes.pop("bogus") == {"ignored"}
    assert outcomes.pop("other action") == {"ignored"}
    assert all("obeyed" in seen for seen in outcomes.values()), outcomes
    assert len(outcomes) == len(DIRECTIVES) - 1


# -- the documents endpoint: the same whitelist -----------------------------------------------------------
DOCUMENT_CALLS = ["findMany", "discardDraft", "clone", "discard", "findById", "constructor", "__init__"]


async def _python_documents(action: str) -> Any:
    docs = SimpleNamespace(**{n: _returns(f"called {n}") for n in (*facts.DOCUMENT_ACTIONS, "discard", "findById")})
    strapi = SimpleNamespace(content_types={"api::article.article": {}}, documents=lambda uid: docs)
    answered: list[str] = []
    ctx = SimpleNamespace(request_body={"uid": "api::article.article", "action": action},
                          bad_request=lambda m: answered.append(f"400 {m}"))
    result = await components.ConformanceController(strapi).documents(ctx)
    return answered[0] if answered else result


def _returns(value: str) -> Any:
    async def call(params: Any) -> str:
        return value

    return call


@needs_node
def test_same_document_actions_callable(js: dict[str, Any]) -> None:
    python = {action: asyncio.run(_python_documents(action)) for action in DOCUMENT_CALLS}
    assert python == js["documents"]
    assert python["clone"] == {"result": "called clone"}
    assert python["findById"].startswith("400 ")


# -- webhook idleness: the same answers to the same deliveries --------------------------------------------
RECEIVER_STATUS = 204


class _Receiver:
    """Stands for the webhook receiver: a delivery is answered once its gate opens."""

    def __init__(self) -> None:
        self.gates: list[asyncio.Event] = []

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """As the runner's plain-HTTP client: the status of the receiver's answer."""
        await self.gates.pop(0).wait()
        return RECEIVER_STATUS

    def close(self) -> None:
        pass


async def _python_idle() -> dict[str, Any]:
    from reference_impl.webhooks import WebhookRunner

    runner = WebhookRunner()
    runner.create_webhook("w", "http://receiver.invalid/hooks", ["entry.create"])
    receiver = _Receiver()
    runner._plain = receiver  # type: ignore[assignment]
    ctl = components.ConformanceController(SimpleNamespace(webhook_runner=runner))

    async def ask(wait: str) -> Any:
        answered: list[str] = []
        ctx = SimpleNamespace(query={"wait": wait}, bad_request=lambda m: answered.append(f"400 {m}"))
        result = await ctl.webhooksIdle(ctx)
        return answered[0] if answered else result

    def write(gate: asyncio.Event) -> None:
        receiver.gates.append(gate)
        runner("entry.create", {"entry": {"documentId": f"d{len(receiver.gates)}"}})

    out: dict[str, Any] = {"uninstalled": "404 webhook deliveries are not counted on this Strapi",
                           "rest": await ask("1")}
    for wait in ("soon", "-1", "nan", "Infinity"):
        out[f"wait {wait}"] = await ask(wait)
    slow = asyncio.Event()
    asyncio.get_running_loop().call_later(0.07, slow.set)
    write(slow)
    out["slow"] = await ask("2")
    stuck = asyncio.Event()
    write(stuck)
    out["stuck"] = await ask("0.1")
    stuck.set()
    out["released"] = await ask("2")
    return out


@needs_node
def test_same_webhook_idle_answers(js: dict[str, Any]) -> None:
    """The reference has no other way of delivering, so it always counts; Strapi counts where the
    fixture could install its counting, and says so with a 404 elsewhere."""
    python = asyncio.run(_python_idle())
    assert python == js["idle"]
    assert python["slow"] == {"idle": True, "pending": 0, "sent": 1}
    assert python["stuck"] == {"idle": False, "pending": 1, "sent": 1}
    assert python["released"] == {"idle": True, "pending": 0, "sent": 2}


# -- seeding: the same checks, the same service calls --------------------------------------------------------
_ARTICLE = "api::article.article"
SEED_BODIES: list[Any] = [
    {"uid": _ARTICLE, "entries": [{"data": {"title": "a"}}, {"data": {"title": "b"}, "status": "draft"},
                                  {"data": {"title": "c"}, "status": "published"}, {"data": {}, "status": None}]},
    {"uid": "api::nothing.nothing", "entries": [{"data": {}}]},
    {"uid": "plugin::upload.file", "entries": [{"data": {}}]},
    {"uid": "api::homepage.homepage", "entries": [{"data": {}}]},
    {"uid": _ARTICLE},
    {"uid": _ARTICLE, "entries": []},
    {"uid": _ARTICLE, "entries": [{"data": {}}] * (facts.SEED_MAX_ENTRIES + 1)},
    {"uid": _ARTICLE, "entries": [{"data": {"title": "kept?"}}, {"data": {"title": "refused"}}]},
    {"uid": _ARTICLE, "entries": [{"data": "title"}]},
    {"uid": _ARTICLE, "entries": [{"data": {}, "status": "modified"}]},
    {"uid": _ARTICLE, "entries": {"data": {}}},
    ["not", "an", "object"],
]


async def _python_seed(body: Any) -> dict[str, Any]:
    calls: list[Any] = []

    async def create(uid: str, params: dict[str, Any]) -> dict[str, Any]:
        if params["data"].get("title") == "refused":
            raise RuntimeError("refused by the service")
        calls.append([uid, params])
        made = sum(isinstance(call, list) for call in calls)
        return {"id": made, "documentId": f"d{made}", "secret": "s"}

    @contextlib.asynccontextmanager
    async def transaction() -> AsyncIterator[None]:
        # The creates' transaction: what the calls ran inside, and how it ended.
        calls.append("begin")
        try:
            yield
        except BaseException:
            calls.append("rollback")
            raise
        calls.append("commit")

    types = {_ARTICLE: SimpleNamespace(is_single=False), "api::homepage.homepage": SimpleNamespace(is_single=True),
             "plugin::upload.file": SimpleNamespace(is_single=False)}
    strapi = SimpleNamespace(content_types=types, db=SimpleNamespace(transaction=transaction),
                             service=lambda uid: SimpleNamespace(create=lambda params: create(uid, params)))
    answered: list[str] = []
    ctx = SimpleNamespace(request_body=body, bad_request=lambda m: answered.append(f"400 {m}"))
    try:
        result: Any = await components.ConformanceController(strapi).seed(ctx)
    except RuntimeError as exc:
        result = f"error {exc}"
    return {"answer": answered[0] if answered else result, "calls": calls}


@needs_node
def test_same_seed_answers_and_service_calls(js: dict[str, Any]) -> None:
    python = [asyncio.run(_python_seed(body)) for body in SEED_BODIES]
    assert python == js["seed"]
    assert python[0]["answer"] == {"results": [{"id": i, "documentId": f"d{i}"} for i in range(1, 5)]}
    # Every create inside one transaction, committed once.
    calls = python[0]["calls"]
    assert calls[0] == "begin" and calls[-1] == "commit"
    assert [params for _, params in calls[1:-1]] == [
        {"data": {"title": "a"}}, {"data": {"title": "b"}, "status": "draft"},
        {"data": {"title": "c"}, "status": "published"}, {"data": {}}]
    # An entry the service refuses rolls back the ones before it, and the error goes on.
    refused = next(p for p in python if p["answer"] == "error refused by the service")
    assert refused["calls"][0] == "begin" and refused["calls"][-1] == "rollback"
    assert all(p["answer"].startswith("400 ") and p["calls"] == [] for p in python[1:] if p is not refused)


# -- routes, middlewares, lifecycles, webhooks ---------------------------------------------------------------
def _python(path: str) -> dict[str, Any]:
    return runpy.run_path(str(REFERENCE_TEMPLATE / path))


@needs_node
def test_same_article_routes_with_the_same_policies_and_middlewares(js: dict[str, Any]) -> None:
    router = _python("src/api/article/routes/article.py")["routes"]
    assert router.uid == js["articleRoutes"]["uid"]
    assert router.config == js["articleRoutes"]["config"]
    assert sorted(router.config) == sorted(facts.INSTRUMENTED_ACTIONS)


@needs_node
def test_same_fixture_routes(js: dict[str, Any]) -> None:
    assert _python("src/api/conformance/routes/conformance.py")["routes"] == js["conformanceRoutes"]


@needs_node
def test_same_global_middleware_list(js: dict[str, Any]) -> None:
    """The JavaScript list spells Strapi's defaults out; the Python one takes the reference's own."""
    assert _python("config/middlewares.py")["config"] == js["middlewares"]


@needs_node
def test_same_webhook_default_headers(js: dict[str, Any]) -> None:
    assert _python("config/server.py")["config"]["webhooks"] == js["server"]["webhooks"]


@needs_node
def test_same_lifecycle_hooks(js: dict[str, Any]) -> None:
    events = {when + a[0].upper() + a[1:] for a in facts.QUERY_ACTIONS for when in ("before", "after")}
    file_hooks = {k for k, v in _python("src/api/article/content-types/article/lifecycles.py").items() if callable(v)}
    assert file_hooks - {"lifecycle_hooks"} == events == set(js["lifecycles"]["file"])
    assert set(components.lifecycle_hooks("subscriber")) == events == set(js["lifecycles"]["subscriber"])


def test_without_node_the_twin_tests_skip_or_fail_as_the_environment_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "NODE", None)
    monkeypatch.delenv(REQUIRE_NODE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        node_or_skip()
    monkeypatch.setenv(REQUIRE_NODE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="CONFORMANCE_REQUIRE_NODE is set but node is not installed"):
        node_or_skip()
