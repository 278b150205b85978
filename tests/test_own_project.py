"""Your own Strapi project as a target (`--target strapi --project PATH`): the copy with the fixture
added (no Strapi needed), the attribution read from the trace, and a real run of tests/sample_project,
whose `swallow-errors` global middleware breaks Strapi's documented error responses (needs the
cached Strapi install: ~/.cache/strapi-conformance/5.54.0, which CI installs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.report.attribution import attribution, project_marks
from conformance.targets.base import TargetError
from conformance.targets.strapi import installer
from conformance.targets.strapi.project import project_version, write_own_project
from conformance.trace import TRACE_HEADER
from tests.test_strapi_target import cache, fake_strapi  # noqa: F401  (fixtures: a fake Strapi server)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "sample_project"
# What the sample project keeps in the chain: its global middleware, its plugin's middleware and the
# plugin itself, its other api.
KEPT = ["middleware global::swallow-errors", "middleware plugin::sample-stamp.stamp", "plugin sample-stamp", "api note"]


@pytest.fixture
def copy(tmp_path: Path) -> tuple[Path, object]:
    dest = tmp_path / "copy"
    return dest, write_own_project(dest, SAMPLE, project_version(SAMPLE), None)


def test_the_copy_keeps_the_projects_code_and_adds_the_fixture(copy: tuple[Path, object]) -> None:
    dest, own = copy
    # The project's own: its middleware, its other api, its register/bootstrap, its plugin settings.
    assert (dest / "src" / "middlewares" / "swallow-errors.js").read_text() == \
        (SAMPLE / "src" / "middlewares" / "swallow-errors.js").read_text()
    assert (dest / "src" / "api" / "note" / "content-types" / "note" / "schema.json").is_file()
    assert (dest / "src" / "index.project.js").read_text() == (SAMPLE / "src" / "index.js").read_text()
    assert "index.project.js" in (dest / "src" / "index.js").read_text()
    assert (dest / ".conformance" / "config" / "middlewares.js").read_text() == \
        (SAMPLE / "config" / "middlewares.js").read_text()
    assert (dest / ".conformance" / "config" / "plugins.js").read_text() == (SAMPLE / "config" / "plugins.js").read_text()
    # The fixture: its components, its middlewares, its article.
    for path in ("src/conformance/components.js", "src/conformance/fixture.json", "src/middlewares/conformance-trace.js",
                 "src/middlewares/conformance-project.js", "src/api/article/content-types/article/lifecycles.js"):
        assert (dest / path).is_file(), path
    schema = json.loads((dest / "src/api/article/content-types/article/schema.json").read_text())
    assert "headline" not in schema["attributes"], "the fixture's article, not the project's"
    # The project's clashing article and production database are set aside, and said so.
    assert own.set_aside[0].startswith("src/api/article (")  # type: ignore[attr-defined]
    assert any(s.startswith("config/database.js") for s in own.set_aside)  # type: ignore[attr-defined]
    assert (dest / ".conformance" / "set-aside" / "api" / "article" / "content-types" / "article").is_dir()
    assert "production" not in (dest / "config" / "database.js").read_text()
    assert own.kept == KEPT  # type: ignore[attr-defined]
    assert not (SAMPLE / ".conformance").exists(), "the project itself is never written to"


def test_the_projects_local_plugin_stays_in_the_chain(copy: tuple[Path, object]) -> None:
    """The sample project's plugin (src/plugins/sample-stamp, enabled in config/plugins.js) is copied,
    still enabled, and its middleware still listed, to be wrapped like the project's own."""
    dest, _ = copy
    plugin = SAMPLE / "src" / "plugins" / "sample-stamp"
    for name in ("package.json", "strapi-server.js"):
        assert (dest / "src" / "plugins" / "sample-stamp" / name).read_bytes() == (plugin / name).read_bytes()
    # config/plugins.js of the copy merges the project's (kept) with the fixture's settings.
    assert "../.conformance/config/plugins.js" in (dest / "config" / "plugins.js").read_text()
    assert "resolve: './src/plugins/sample-stamp'" in (dest / ".conformance" / "config" / "plugins.js").read_text()
    # config/middlewares.js of the copy maps over the project's list, wrapping what is not strapi::*.
    assert "'plugin::sample-stamp.stamp'" in (dest / ".conformance" / "config" / "middlewares.js").read_text()
    assert "global::conformance-project" in (dest / "config" / "middlewares.js").read_text()



def test_the_copy_keeps_the_projects_own_logger_settings(tmp_path: Path) -> None:
    """The fixture's config/logger.js (no line per request) is the default; a project's own wins."""
    from conformance.fixture import STRAPI_TEMPLATE

    without = tmp_path / "without"
    write_own_project(without, SAMPLE, project_version(SAMPLE), None)
    assert (without / "config" / "logger.js").read_bytes() == (STRAPI_TEMPLATE / "config" / "logger.js").read_bytes()
    source = tmp_path / "source"
    shutil.copytree(SAMPLE, source)
    (source / "config" / "logger.js").write_text("module.exports = { level: 'http' };\n")
    write_own_project(tmp_path / "with", source, project_version(source), None)
    assert (tmp_path / "with" / "config" / "logger.js").read_text() == "module.exports = { level: 'http' };\n"

def test_reserved_names_and_typescript_are_refused(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(SAMPLE, project)
    (project / "src" / "middlewares" / "gmw-first.js").write_text("module.exports = () => (c, n) => n();\n")
    with pytest.raises(TargetError, match="reserves this name"):
        write_own_project(tmp_path / "copy", project, "5.54.0", None)
    (project / "src" / "middlewares" / "gmw-first.js").unlink()
    (project / "src" / "index.ts").write_text("export default {};\n")
    with pytest.raises(TargetError, match="TypeScript"):
        write_own_project(tmp_path / "copy", project, "5.54.0", None)
    (project / "package.json").write_text("{}")
    with pytest.raises(TargetError, match="does not depend on @strapi/strapi"):
        project_version(project)


def test_attribution_names_the_middleware_that_left_the_documented_path() -> None:
    trace = ["project:swallow-errors:in", "gmw:first:in", "policy:second:deny",
             "project:swallow-errors:swallowed=PolicyError", "project:swallow-errors:out"]
    assert project_marks(trace)[1] == ("swallow-errors", "swallowed", "PolicyError")
    blamed = attribution({"outcome": "failed", "trace": trace})
    assert blamed is not None and blamed.startswith("project middleware swallow-errors swallowed the PolicyError")
    assert attribution({"outcome": "passed", "trace": trace}) is None
    assert attribution({"outcome": "failed", "trace": ["gmw:first:in"]}) is None
    quiet = attribution({"outcome": "failed", "trace": ["project:audit:in", "project:audit:out"]})
    assert quiet is not None and "audit" in quiet and "no deviation" in quiet


WRAP_SCRIPT = r"""
const { wrapDocumentMiddleware } = require(process.argv[2]);
const ctx = { state: { conformanceTrace: [] } };
let inRequest = true;
const strapi = { requestContext: { get: () => (inRequest ? ctx : undefined) } };
const fail = (name) => { const e = new Error(name); e.name = name; return e; };
const cases = {
  passes: async function audit(context, next) { return next(); },
  throws: async function guard() { throw fail('ValidationError'); },
  swallows: async function quiet(context, next) { try { return await next(); } catch { return null; } },
  nameless: [async (context, next) => next()][0],
};
(async () => {
  const out = {};
  for (const [name, mw] of Object.entries(cases)) {
    ctx.state.conformanceTrace = [];
    const next = name === 'swallows' ? async () => { throw fail('NotFoundError'); } : async () => 'result';
    let result;
    try { result = await wrapDocumentMiddleware(mw, strapi, 7)({ uid: 'api::note.note' }, next); }
    catch (e) { result = 'threw ' + e.name; }
    out[name] = { trace: ctx.state.conformanceTrace, result };
  }
  inRequest = false;
  ctx.state.conformanceTrace = [];
  out.outside = { result: await wrapDocumentMiddleware(cases.passes, strapi, 1)({}, async () => 'r'),
                  trace: ctx.state.conformanceTrace };
  console.log(JSON.stringify(out));
})();
"""


def test_a_document_service_middleware_of_the_project_is_traced(tmp_path: Path) -> None:
    """The wrapper of the Document Service middlewares a project's register adds (own/conformance-project.js):
    in/out around the call, threw= for its own error, swallowed= for one from further in, the result
    passed back, and nothing marked outside a request."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "wrap.js"
    script.write_text(WRAP_SCRIPT, encoding="utf-8")
    wrapper = REPO / "conformance" / "targets" / "strapi" / "own" / "conformance-project.js"
    done = subprocess.run([node, str(script), str(wrapper)], capture_output=True, text=True, check=True, timeout=60)
    out = json.loads(done.stdout)
    assert out["passes"] == {"trace": ["project:documents.audit:in", "project:documents.audit:out"], "result": "result"}
    assert out["throws"] == {"trace": ["project:documents.guard:in", "project:documents.guard:threw=ValidationError"],
                             "result": "threw ValidationError"}
    assert out["swallows"]["trace"] == ["project:documents.quiet:in", "project:documents.quiet:swallowed=NotFoundError",
                                        "project:documents.quiet:out"]
    assert out["nameless"]["trace"][0] == "project:documents.middleware-7:in"  # no function name: its number
    assert out["outside"] == {"result": "r", "trace": []}
    blamed = attribution({"outcome": "failed", "trace": out["swallows"]["trace"]})
    assert blamed is not None and blamed.startswith("project middleware documents.quiet swallowed the NotFoundError")


CACHED = installer.version_dir("5.54.0") / "node_modules" / "@strapi" / "strapi"
REQUIRE_STRAPI_ENV = "CONFORMANCE_REQUIRE_STRAPI"


@pytest.fixture
def cached_strapi() -> None:
    """Skip without the cached Strapi 5.54.0, unless CONFORMANCE_REQUIRE_STRAPI is set (.ci/run sets
    it: CI installs Strapi first, so a missing install there is a failure, not a skip)."""
    if CACHED.is_dir():
        return
    why = f"Strapi 5.54.0 is not installed in the cache ({CACHED.parents[2]}; `conformance strapi up` installs it)"
    if os.environ.get(REQUIRE_STRAPI_ENV):
        pytest.fail(f"{REQUIRE_STRAPI_ENV} is set but {why}")
    pytest.skip(why)


@pytest.mark.strapi
@pytest.mark.usefixtures("cached_strapi")
def test_a_run_of_the_sample_project_fails_and_names_its_middleware(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "CI": "1"}
    out = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", "strapi", "--project", str(SAMPLE),
                           "--id", "PO-001", "--id", "RT-001", "--report-dir", str(out),
                           "--summary-md", str(tmp_path / "summary.md")],
                          env=env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    outcomes = {s["id"]: s for s in report["scenarios"]}
    assert outcomes["RT-001"]["outcome"] == "passed", "the project's middleware is in the chain and lets lists through"
    trace = outcomes["RT-001"]["trace"]
    assert "project:swallow-errors:in" in trace
    # The plugin's middleware and the Document Service middleware of the project's register ran, and show.
    assert "project:plugin.sample-stamp.stamp:in" in trace and "project:plugin.sample-stamp.stamp:out" in trace
    assert trace.index("project:documents.noteAudit:in") < trace.index("docmw:first.findMany:in") \
        < trace.index("project:documents.noteAudit:out")
    failed = outcomes["PO-001"]
    assert failed["outcome"] == "failed" and "expected 403, got 200" in failed["message"]
    assert failed["attribution"].startswith("project middleware swallow-errors swallowed the PolicyError")
    assert report["target"]["name"] == "strapi-5.54.0+sample_project"
    assert report["target"]["project"]["kept"] == KEPT
    assert "caused by: project middleware swallow-errors" in done.stdout
    assert "caused by: **project middleware swallow-errors" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "caused by: project middleware swallow-errors" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.strapi
@pytest.mark.usefixtures("cached_strapi")
def test_a_well_behaved_project_middleware_breaks_nothing(tmp_path: Path) -> None:
    """The wrapper that makes the project's middlewares visible in the trace must not itself break a
    documented behaviour: the chain's nesting, and the way back skipped when an error passes."""
    project = tmp_path / "clean_project"
    shutil.copytree(SAMPLE, project)
    middlewares = project / "config" / "middlewares.js"
    middlewares.write_text(middlewares.read_text().replace("global::swallow-errors", "global::request-id"))
    (project / "src" / "middlewares" / "swallow-errors.js").unlink()
    (project / "src" / "middlewares" / "request-id.js").write_text(
        "module.exports = () => async (ctx, next) => { await next(); ctx.set('X-Request-Id', 'r1'); };\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "CI": "1"}
    out = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", "strapi", "--project", str(project),
                           "--tags", "@id:CH-*", "--report-dir", str(out)],
                          env=env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    traces = {s["id"]: s["trace"] for s in report["scenarios"]}
    assert traces["CH-001"][0] == "project:request-id:in" and traces["CH-001"][-1] == "project:request-id:out"
    assert "project:request-id:out" not in traces["CH-007"], "an error passing through skips the way back"


# -- strapi up / down --project: servers keyed by version and project ------------------------------


def _quiet(line: str) -> None:
    pass


def test_up_and_down_are_keyed_by_project(fake_strapi: Path, cache: Path,  # noqa: F811
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """With the fixture's Strapi 5.54.0 up, `up --project` starts a copy of the project beside it (not
    "already running"), `down --project` stops that copy only, and a bare `down` names the copy it
    leaves running. A fake server stands in for Strapi."""
    import argparse

    from conformance.strapi_commands import cmd_down
    from conformance.targets.strapi import down, state_path, status, up
    from conformance.targets.strapi.server import pid_alive
    from conformance.targets.strapi.target import project_servers

    for dep in ("@strapi/strapi", "@strapi/plugin-users-permissions", "better-sqlite3"):  # the copy links the cache
        (cache / "5.54.0" / "node_modules" / dep).mkdir(parents=True, exist_ok=True)
    plain = up("5.54.0", progress=_quiet)
    try:
        own = up(project=SAMPLE, progress=_quiet)
        try:
            assert not own.already_running and own.pid != plain.pid and own.source == str(SAMPLE)
            assert state_path("5.54.0", project=SAMPLE) != state_path("5.54.0")
            assert Path(own.project) != Path(plain.project)
            assert (Path(own.project) / "src" / "index.project.js").is_file(), "the copy of the project runs"
            mine, fixture = status(project=SAMPLE), status("5.54.0")
            assert mine is not None and mine.pid == own.pid and fixture is not None and fixture.pid == plain.pid
            again = up(project=SAMPLE, progress=_quiet)
            assert again.already_running and again.pid == own.pid
            assert [s.pid for s in project_servers("5.54.0")] == [own.pid]
        finally:
            stopped = down(project=SAMPLE)
        assert stopped is not None and stopped.pid == own.pid and not pid_alive(own.pid)
        assert not Path(own.project).exists() and status(project=SAMPLE) is None
        still = status("5.54.0")
        assert still is not None and still.pid == plain.pid, "down --project leaves the fixture's server alone"
        # Now the other way round: the project's copy up, the fixture's stopped by a bare `down`, which
        # then says it stops the fixture's server only and names the copy still running.
        own = up(project=SAMPLE, progress=_quiet)
        args = argparse.Namespace(strapi_version="5.54.0", project=None, keep_project=False)
        capsys.readouterr()
        assert cmd_down(args) == 0
        assert f"stopped Strapi 5.54.0 with the fixture at {plain.url} (pid {plain.pid})" in capsys.readouterr().out
        assert cmd_down(args) == 0
        said = capsys.readouterr().out
        assert "no Strapi 5.54.0 with the fixture was up" in said
        assert f"up: Strapi 5.54.0 running a copy of {SAMPLE} at {own.url}" in said and "down --project" in said
        assert cmd_down(argparse.Namespace(strapi_version="5.54.0", project=str(SAMPLE), keep_project=False)) == 0
        assert f"stopped Strapi 5.54.0 running a copy of {SAMPLE}" in capsys.readouterr().out
        assert not pid_alive(own.pid)
    finally:
        down(project=SAMPLE)
        down("5.54.0")


@pytest.mark.strapi
@pytest.mark.usefixtures("cached_strapi")
def test_up_project_serves_the_projects_plugin_route_and_down_stops_it(tmp_path: Path) -> None:
    """`strapi up --project` on real Strapi: the copy answers the sample plugin's own route, through its
    plugin middleware (wrapped: the trace header shows it); `down --project` stops it. The state goes to
    a cache folder of the test's own that links the cached install."""
    import httpx

    from conformance.targets.strapi import down, status, up
    from conformance.targets.strapi.server import pid_alive

    own_cache = tmp_path / "cache"
    (own_cache / "5.54.0").mkdir(parents=True)
    for entry in CACHED.parents[2].iterdir():
        if entry.name in ("node_modules", "package.json", installer.MARKER):
            (own_cache / "5.54.0" / entry.name).symlink_to(entry)
    state = up(project=SAMPLE, cache=own_cache, progress=_quiet)
    try:
        answer = httpx.get(f"{state.url}/api/sample-stamp/ping", timeout=30, trust_env=False)
        assert answer.status_code == 200 and answer.json() == {"data": {"plugin": "sample-stamp", "pong": True}}
        assert answer.headers.get("x-sample-stamp") == "sample-stamp", "the plugin's middleware stays in the chain"
        trace = answer.headers.get(TRACE_HEADER, "").split()
        assert trace[:2] == ["project:swallow-errors:in", "project:plugin.sample-stamp.stamp:in"], trace
        running = status(project=SAMPLE, cache=own_cache)
        assert running is not None and running.pid == state.pid and status("5.54.0", cache=own_cache) is None
    finally:
        stopped = down(project=SAMPLE, cache=own_cache)
    assert stopped is not None and stopped.pid == state.pid and not pid_alive(state.pid)


# -- conformance diff --project ---------------------------------------------------------------------


def test_diff_project_goes_to_the_strapi_side() -> None:
    """The candidate when it is strapi (a bare strapi oracle then runs the project's release), else the
    oracle; no strapi side is a one-line error."""
    from conformance.diff.command import DiffError, _with_project
    from conformance.diff.targets import parse_name

    project = str(SAMPLE)
    a, b = _with_project(project, parse_name("strapi"), parse_name("reference"))
    assert (a.report_name, b.report_name) == ("strapi-5.54.0+sample_project", "reference")
    a, b = _with_project(project, parse_name("reference"), parse_name("strapi"))
    assert (a.report_name, b.report_name) == ("reference", "strapi-5.54.0+sample_project")
    a, b = _with_project(project, parse_name("strapi"), parse_name("strapi"))
    assert (a.report_name, b.report_name) == ("strapi-5.54.0+sample_project", "strapi-5.54.0")
    a, b = _with_project(project, parse_name("strapi"), parse_name("strapi:5.30.1"))
    assert b.report_name == "strapi-5.30.1"
    with pytest.raises(DiffError, match="--project goes with a strapi side"):
        _with_project(project, parse_name("reference"), parse_name("reference-http"))


def test_diff_project_without_a_strapi_side_is_exit_2() -> None:
    done = subprocess.run([sys.executable, "-m", "conformance", "diff", "--target", "reference", "--against",
                           "reference-http", "--project", str(SAMPLE)], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "conformance: --project goes with a strapi side: --target strapi or --against strapi "
        "(a copy of your Strapi project is started)"]


@pytest.mark.strapi
@pytest.mark.usefixtures("cached_strapi")
def test_diff_of_the_sample_project_against_the_reference_shows_its_swallowed_errors(tmp_path: Path) -> None:
    """`diff --target strapi --project`: the copy of the sample project against the reference; where
    swallow-errors turns a 400 into a 200 the two differ, and the report and replay lines say so."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "CI": "1"}
    out = tmp_path / "diff"
    done = subprocess.run([sys.executable, "-m", "conformance", "diff", "--target", "strapi", "--project", str(SAMPLE),
                           "--against", "reference", "--cases", "30", "--report-dir", str(out)],
                          env=env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "diff strapi-5.54.0+sample_project vs reference: 30 cases" in done.stdout
    report = json.loads((out / "diff.json").read_text(encoding="utf-8"))
    assert report["summary"]["a"]["name"] == "strapi-5.54.0+sample_project"
    assert report["summary"]["command"].endswith(f"--project {SAMPLE}")
    swallowed = [g for g in report["groups"] if g["statuses"] == "200/400" and "meta" in g["paths"]]
    assert swallowed, [(g["operation"], g["statuses"], g["paths"]) for g in report["groups"]]
    assert all(g["replay"].endswith(f"--project {SAMPLE}") for g in report["groups"])
