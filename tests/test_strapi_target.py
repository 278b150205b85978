"""The real-Strapi target without Strapi: project writing, install bookkeeping, start/stop, up/down.

Node and npm are replaced by small fakes; the real server is exercised by the suite itself.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conformance.fixture import CONTENT_TYPES_DIR, REFERENCE_TEMPLATE
from conformance.fixture import facts as fixture
from conformance.targets.base import TargetError
from conformance.targets.http import DEATH_ENV, TargetMisbehaved
from conformance.targets.strapi import (
    StrapiTarget,
    down,
    installer,
    package_json,
    project,
    read_state,
    server,
    state_path,
    status,
    target,
    up,
    write_project,
)

TEMPLATE = project.TEMPLATE_DIR
REFERENCE = REFERENCE_TEMPLATE


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(installer.CACHE_ENV, str(root))
    return root


# -- versions and package.json --------------------------------------------------------------------


def test_cache_root_honours_env(cache: Path) -> None:
    assert installer.cache_root() == cache
    assert installer.version_dir("5.54.0") == cache / "5.54.0"


def test_cache_root_default_is_in_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(installer.CACHE_ENV, raising=False)
    assert installer.cache_root() == Path.home() / ".cache" / "strapi-conformance"


@pytest.mark.parametrize("bad", ["4.25.0", "latest", "5.x", "5.54", "", "6.0.0", "5.54.0-beta.1"])
def test_bad_versions_are_one_line_target_errors(bad: str) -> None:
    with pytest.raises(TargetError) as caught:
        installer.parse_version(bad)
    assert "\n" not in str(caught.value)


def test_package_json_pins_strapi_and_sqlite() -> None:
    deps = package_json("5.54.0")["dependencies"]
    assert deps["@strapi/strapi"] == deps["@strapi/plugin-users-permissions"] == "5.54.0"
    assert deps["better-sqlite3"] == installer.BETTER_SQLITE3
    assert {"react", "react-dom", "react-router-dom", "styled-components"} <= set(deps)
    assert "overrides" not in package_json("5.54.0")


@pytest.mark.parametrize(("version", "sharp"), [("5.0.0", True), ("5.10.4", True), ("5.12.3", True),
                                                ("5.12.4", False), ("5.30.1", False)])
def test_sharp_override_before_5_12_4(version: str, sharp: bool) -> None:
    manifest = package_json(version)
    assert ("overrides" in manifest) is sharp
    if sharp:
        assert manifest["overrides"] == {"sharp": "0.33.5"}


@pytest.mark.parametrize(("version", "legacy"), [("5.0.0", True), ("5.0.6", True), ("5.1.0", False),
                                                 ("5.54.0", False)])
def test_legacy_peer_deps_only_for_5_0(version: str, legacy: bool) -> None:
    assert ("--legacy-peer-deps" in installer.npm_install_args(version)) is legacy


# -- the project writer ---------------------------------------------------------------------------


def test_write_project_layout(tmp_path: Path) -> None:
    dest = write_project(tmp_path / "p", "5.54.0", None, port=4321)
    for rel in ("config/middlewares.js", "config/api.js", "config/admin.js", "config/server.js",
                "config/database.js", "config/plugins.js", "src/index.js", "src/conformance/components.js",
                "src/api/article/routes/article.js", "src/api/conformance/routes/conformance.js",
                "src/api/article/content-types/article/lifecycles.js", "public/uploads", ".tmp"):
        assert (dest / rel).exists(), rel
    for schema in CONTENT_TYPES_DIR.glob("*/*/schema.json"):
        api, name = schema.parent.parent.name, schema.parent.name
        copied = dest / "src" / "api" / api / "content-types" / name / "schema.json"
        assert copied.read_bytes() == schema.read_bytes()
    assert json.loads((dest / "package.json").read_text()) == package_json("5.54.0")
    assert not (dest / "node_modules").exists()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_fixture_project_starts_without_the_cli_an_own_project_with_it(tmp_path: Path) -> None:
    """The fixture project runs its start script (createStrapi().start(), as `strapi start` does,
    without the CLI's modules); a copy of a project of your own keeps `strapi start`."""
    from conformance.targets.strapi.project import project_version, write_own_project

    fixture_project = write_project(tmp_path / "p", "5.54.0", None)
    assert server.strapi_command(fixture_project)[1:] == [server.START_SCRIPT]
    script = (fixture_project / server.START_SCRIPT).read_text()
    assert "createStrapi({ appDir: __dirname, distDir: __dirname })" in script and ".start()" in script
    sample = Path(__file__).resolve().parent / "sample_project"
    own = tmp_path / "own"
    write_own_project(own, sample, project_version(sample), None)
    assert not (own / server.START_SCRIPT).exists()
    assert server.strapi_command(own)[1:] == [str(server.STRAPI_BIN), "start"]


def test_fixture_json_is_copied_verbatim(tmp_path: Path) -> None:
    dest = write_project(tmp_path / "p", "5.54.0", None)
    assert (dest / project.FIXTURE_DEST).read_bytes() == fixture.FIXTURE_JSON.read_bytes()


def _env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


def test_env_file_has_fresh_secrets_and_the_database(tmp_path: Path) -> None:
    first = _env(write_project(tmp_path / "a", "5.54.0", None, port=4321) / ".env")
    second = _env(write_project(tmp_path / "b", "5.54.0", None) / ".env")
    assert first["DATABASE_FILENAME"] == ".tmp/data.db"
    assert first["DATABASE_CLIENT"] == "sqlite"
    assert first["PORT"] == "4321" and first["HOST"] == "127.0.0.1"
    assert first["STRAPI_TELEMETRY_DISABLED"] == "true"
    secrets = ("APP_KEYS", "API_TOKEN_SALT", "ADMIN_JWT_SECRET", "TRANSFER_TOKEN_SALT", "JWT_SECRET", "ENCRYPTION_KEY")
    for key in secrets:
        assert len(first[key]) >= 16, key
        assert first[key] != second[key], key
    assert len(first["APP_KEYS"].split(",")) == 4
    assert stat.S_IMODE((tmp_path / "a" / ".env").stat().st_mode) == 0o600


def test_write_project_links_node_modules_and_replaces_old_projects(tmp_path: Path) -> None:
    modules = tmp_path / "cache" / "node_modules"
    modules.mkdir(parents=True)
    dest = tmp_path / "p"
    dest.mkdir()
    (dest / "stale.txt").write_text("old")
    write_project(dest, "5.54.0", modules)
    assert (dest / "node_modules").is_symlink()
    assert (dest / "node_modules").resolve() == modules.resolve()
    assert not (dest / "stale.txt").exists()


def test_write_project_without_install_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no Strapi install"):
        write_project(tmp_path / "p", "5.54.0", tmp_path / "missing")


# -- the template agrees with the fixture ---------------------------------------------------------


def test_template_middlewares_match_the_reference_list() -> None:
    """Strapi's defaults, spelled out in the template, are the reference's own default list (the
    fixture's entries around them come from fixture.json: tests/test_fixture_parity.py runs both)."""
    from reference_impl.middlewares import DEFAULT_ORDER

    text = (TEMPLATE / "config" / "middlewares.js").read_text()
    reference = runpy.run_path(str(REFERENCE / "config" / "middlewares.py"))["config"]
    assert re.findall(r"^\s*'([^']+)',$", text, re.M) == DEFAULT_ORDER == reference[1:-2]


def test_template_api_config_is_the_generated_default() -> None:
    text = (TEMPLATE / "config" / "api.js").read_text()
    for needle in ("defaultLimit: 25", "maxLimit: 100", "withCount: true", "strictParams: true"):
        assert needle in text



LOGGER_RUNNER = """
const config = require('./config/logger.js')({ env: (name, fallback) => process.env[name] ?? fallback });
const logger = require('@strapi/logger').createLogger(config);
logger.http('GET /api/articles (3 ms) 200'); logger.info('started'); logger.error('broken');
"""


@pytest.mark.skipif(shutil.which("node") is None or not installer.is_installed("5.54.0"),
                    reason="needs node and the cached Strapi 5.54.0 install")
@pytest.mark.parametrize(("level", "shown"), [(None, ["info: started", "error: broken"]),
                                              ("http", ["http: GET /api/articles (3 ms) 200", "info: started",
                                                        "error: broken"])])
def test_template_logger_drops_the_request_lines(tmp_path: Path, level: str | None, shown: list[str]) -> None:
    """config/logger.js of the template, loaded by Strapi's own @strapi/logger: no line per request
    (level http) unless CONFORMANCE_STRAPI_LOG_LEVEL asks for it; the rest as Strapi writes it."""
    assert _logged(tmp_path, level, LOGGER_RUNNER)[0] == shown


def _logged(tmp_path: Path, level: str | None, runner: str) -> tuple[list[str], str]:
    """``runner`` run by node in a fresh fixture project with CONFORMANCE_STRAPI_LOG_LEVEL=``level``
    (unset for None): the lines it wrote without colours and timestamps, and its stderr."""
    project = write_project(tmp_path / "p", "5.54.0", installer.version_dir("5.54.0") / "node_modules")
    env = {k: v for k, v in os.environ.items() if k != "CONFORMANCE_STRAPI_LOG_LEVEL"}
    if level is not None:
        env["CONFORMANCE_STRAPI_LOG_LEVEL"] = level
    done = subprocess.run(["node", "-e", runner], cwd=project, capture_output=True, text=True, timeout=60,
                          check=True, env=env)
    lines = [re.sub(r"\x1b\[\d+m", "", line) for line in done.stdout.splitlines()]
    return [re.sub(r"^\[[\d :.-]+\] ", "", line) for line in lines], done.stderr

SKIP_RUNNER = """
const config = require('./config/logger.js')({ env: (name, fallback) => process.env[name] ?? fallback });
const logger = require('@strapi/logger').createLogger(config);
const write = logger.write.bind(logger);
const written = [];
logger.write = (info) => { written.push(info.level); return write(info); };
require('./src/conformance/components.js').skipDisabledLogLevels({ log: logger });
logger.http('GET /api/articles (3 ms) 200'); logger.info('started'); logger.error('broken');
logger.level = 'debug'; logger.http('GET /later (1 ms) 200');
process.stderr.write(JSON.stringify(written));
"""


@pytest.mark.skipif(shutil.which("node") is None or not installer.is_installed("5.54.0"),
                    reason="needs node and the cached Strapi 5.54.0 install")
@pytest.mark.parametrize(("level", "shown", "written"), [
    (None, ["info: started", "error: broken"], ["info", "error", "http"]),
    ("http", ["http: GET /api/articles (3 ms) 200", "info: started", "error: broken", "http: GET /later (1 ms) 200"],
     ["http", "info", "error", "http"])])
def test_disabled_log_levels_skip_winston_and_write_the_same(tmp_path: Path, level: str | None, shown: list[str],
                                                             written: list[str]) -> None:
    """The fixture's register() makes a call at a level the logger does not write return at once
    (components.js skipDisabledLogLevels): the same lines are written, the others never reach
    winston's streams, and a level raised later is obeyed (reaching winston again)."""
    lines, stderr = _logged(tmp_path, level, SKIP_RUNNER)
    assert lines == shown
    assert json.loads(stderr) == written


FOLDER_RUNNER = """
const { ensureApiUploadFolder } = require('./src/conformance/components.js');
const asked = [];
const service = { getAPIUploadFolder: async () => { asked.push('folder'); return { id: 1 }; } };
const strapi = { plugin: (name) => ({ service: (s) => (asked.push(`${name}/${s}`), service) }) };
ensureApiUploadFolder(strapi)
  .then(() => ensureApiUploadFolder({}))
  .then(() => process.stdout.write(JSON.stringify(asked)));
"""


@pytest.mark.skipif(shutil.which("node") is None or not installer.is_installed("5.54.0"),
                    reason="needs node and the cached Strapi 5.54.0 install")
def test_the_api_upload_folder_is_made_at_start_up(tmp_path: Path) -> None:
    """bootstrap() asks the upload plugin for its API Uploads folder, which makes it: two first
    uploads at once (--workers 2) would otherwise both make it, and one answered 500 (MD-001/MD-003
    failed about every other run with two workers). A Strapi without the service is left alone."""
    project = write_project(tmp_path / "p", "5.54.0", installer.version_dir("5.54.0") / "node_modules")
    done = subprocess.run(["node", "-e", FOLDER_RUNNER], cwd=project, capture_output=True, text=True, timeout=60,
                          check=True)
    assert json.loads(done.stdout) == ["upload/api-upload-folder", "folder"]
    assert "await ensureApiUploadFolder(strapi);" in (project / "src" / "conformance" / "components.js").read_text()


def test_template_requires_resolve() -> None:
    """Every relative require of the template points at a file of the written project."""
    for js in TEMPLATE.rglob("*.js"):
        for rel in re.findall(r"require\('(\.[^']+)'\)", js.read_text()):
            target_path = (js.parent / rel).resolve()
            candidates = [target_path, target_path.with_suffix(".js")]
            if rel.endswith("fixture.json"):
                continue  # written by the installer
            assert any(c.is_file() for c in candidates), f"{js.relative_to(TEMPLATE)} requires {rel}"


# What `node --check FILE` does to a CommonJS file (the template has no package.json, so every file is
# one): compile it inside the module wrapper without running it. One node process for every file.
_NODE_CHECK = """
const fs = require('fs'), vm = require('vm'), { wrap } = require('module');
for (const file of JSON.parse(process.argv[1])) {
  try { new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file }); }
  catch (error) { console.log(error.stack.split('\\n')[0] + ': ' + error.message); process.exitCode = 1; }
}
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_template_javascript_parses() -> None:
    files = sorted(str(js) for js in TEMPLATE.rglob("*.js"))
    assert len(files) > 10
    result = subprocess.run(["node", "-e", _NODE_CHECK, json.dumps(files)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr  # file:line: why


def test_fixture_json_keeps_the_python_names() -> None:
    expected_public = tuple(
        [f"api::{t}.{t}.{a}" for t in ("article", "author") for a in ("find", "findOne", "create", "update", "delete")]
        + ["api::tag.tag.find", "api::tag.tag.findOne"]
        + [f"api::homepage.homepage.{a}" for a in ("find", "update", "delete")]
        + [f"api::{t}.{t}.{a}" for t in ("page", "guide", "team", "player")
           for a in ("find", "findOne", "create", "update", "delete")]
        + [f"api::product.product.{a}" for a in ("find", "findOne", "create", "update", "delete")]
        + ["api::conformance.conformance.whoami"]
    )
    assert expected_public == fixture.PUBLIC_ACTIONS
    assert fixture.PROTOCOL_VERSION == "1"
    assert fixture.INSTRUMENTED_UID == "api::article.article"
    assert "trace" in fixture.CAPABILITIES and len(fixture.CAPABILITIES) == 12
    assert set(fixture.TOKEN_NAMES) == {"full-access", "read-only"} == set(fixture.FIXTURE_TOKENS)
    assert fixture.WEBHOOK_URL_ENV == "CONFORMANCE_WEBHOOK_URL"
    assert set(fixture.WEBHOOK_EVENTS) == {"entry.create", "entry.update", "entry.delete", "entry.publish",
                                           "entry.unpublish"}
    assert fixture.FIXTURE_USER["username"] and fixture.FIXTURE_USER["password"]


# -- fake node and npm ----------------------------------------------------------------------------


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


@pytest.fixture
def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`node` and `npm` on PATH; npm's behaviour is chosen by the file `npm-mode` next to them."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _script(bin_dir / "node", """\
        if [ "$1" = "--version" ]; then echo v20.0.0; exit 0; fi
        if [ -f node_modules/ok ]; then echo "ok $3"; exit 0; fi
        echo "Cannot find module 'better-sqlite3'" >&2; exit 1
        """)
    _script(bin_dir / "npm", f"""\
        mode=$(cat "{bin_dir}/npm-mode" 2>/dev/null)
        echo "npm http fetch GET 200 https://registry.npmjs.org/@strapi%2fstrapi 12ms"
        echo "gyp info it worked if it ends with ok"
        if [ "$mode" = "fail" ]; then echo "npm error code E404"; echo "npm error 404 Not Found - @strapi/x"; exit 1; fi
        mkdir -p node_modules
        if [ "$mode" != "broken" ]; then touch node_modules/ok; fi
        echo "added 1391 packages in 3s"
        echo calls >> "{bin_dir}/npm-calls"
        """)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def test_install_runs_npm_once_then_reuses_the_cache(cache: Path, fake_tools: Path) -> None:
    lines: list[str] = []
    vdir = installer.install("5.54.0", progress=lines.append)
    assert vdir == cache / "5.54.0"
    assert installer.is_installed("5.54.0")
    assert json.loads((vdir / "package.json").read_text()) == package_json("5.54.0")
    assert any("installing into" in line for line in lines)
    assert any("building better-sqlite3" in line for line in lines)
    assert any("installed in" in line for line in lines)
    assert "npm install --no-audit --no-fund" in (vdir / installer.LOG_NAME).read_text()
    installer.install("5.54.0", progress=lines.append)
    assert (fake_tools / "npm-calls").read_text().count("calls") == 1


def test_install_failure_is_one_line_plus_the_log_tail(cache: Path, fake_tools: Path) -> None:
    (fake_tools / "npm-mode").write_text("fail")
    with pytest.raises(TargetError) as caught:
        installer.install("5.54.0", progress=lambda line: None)
    first, *rest = str(caught.value).splitlines()
    assert first.startswith("npm install of Strapi 5.54.0 failed (exit 1); log: ")
    assert "npm error 404 Not Found - @strapi/x" in rest
    assert not installer.is_installed("5.54.0")


def test_install_that_does_not_load_is_not_trusted(cache: Path, fake_tools: Path) -> None:
    (fake_tools / "npm-mode").write_text("broken")
    with pytest.raises(TargetError) as caught:
        installer.install("5.54.0", progress=lambda line: None)
    assert str(caught.value).splitlines()[0].startswith("Strapi 5.54.0 installed but does not load")
    assert "Cannot find module 'better-sqlite3'" in str(caught.value)
    assert not installer.is_installed("5.54.0")



def test_a_node_that_cannot_answer_keeps_the_install(cache: Path, fake_tools: Path) -> None:
    """A Node that refuses to run (NODE_OPTIONS=--cpu-prof, say) stops with its reason: an empty
    version would not match the install's fingerprint, and the install would be wiped."""
    vdir = installer.install("5.54.0", progress=lambda line: None)
    _script(fake_tools / "node", """\
        echo "node: --cpu-prof is not allowed in NODE_OPTIONS" >&2; exit 9
        """)
    with pytest.raises(TargetError, match=r"node --version failed: node: --cpu-prof is not allowed in NODE_OPTIONS$"):
        installer.install("5.54.0", progress=lambda line: None)
    assert (vdir / "node_modules" / "ok").exists()
    assert (fake_tools / "npm-calls").read_text().count("calls") == 1

def test_missing_node_is_a_target_error(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(TargetError, match="node is not on PATH"):
        installer.install("5.54.0", progress=lambda line: None)


# -- start, health, stop with a fake server ------------------------------------------------------

FAKE_SERVER = """\
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

with open("env.json", "w") as f:
    json.dump({k: os.environ.get(k) for k in ("NODE_ENV", "HOST", "PORT", "CONFORMANCE_WEBHOOK_URL")}, f)
print("fake strapi starting", flush=True)
INFO = {"protocol": "1", "implementation": {"name": "strapi", "version": "5.54.0"},
        "capabilities": ["content-types", "trace", "control"],
        "tokens": {"full-access": "fa-key", "read-only": "ro-key"},
        "user": {"identifier": "conformance", "password": "pw"}}

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/_health":
            self.send_response(204)
            self.end_headers()
            return
        if self.path == "/garbage-trace":
            self.send_response(200)
            self.send_header("X-Conformance-Trace", "<script>")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(INFO).encode()
        self.send_response(200 if self.path == "/api/conformance/info" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

HTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Handler).serve_forever()
"""


@pytest.fixture
def fake_strapi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> Path:
    """Install and launch replaced: an installed-looking cache and a Python server named like Strapi."""
    script = tmp_path / "fake-strapi.py"
    script.write_text(FAKE_SERVER)

    def fake_install(version: str, root: Path | None = None, progress: object = None, **kw: object) -> Path:
        vdir = installer.version_dir(version, root)
        (vdir / "node_modules").mkdir(parents=True, exist_ok=True)
        return vdir

    monkeypatch.setattr(installer, "install", fake_install)
    monkeypatch.setattr(server, "strapi_command", lambda project: [sys.executable, str(script), "strapi"])
    return script


def _launch_fake(tmp_path: Path, code: str) -> server.Launched:
    proj = tmp_path / "proj"
    proj.mkdir(exist_ok=True)
    return server.launch(proj, server.free_port(), command=[sys.executable, "-c", code])


def test_start_failure_reports_exit_code_and_log_tail(tmp_path: Path) -> None:
    launched = _launch_fake(tmp_path, "print('Error: unable to open database file'); raise SystemExit(3)")
    with pytest.raises(TargetError) as caught:
        server.wait_healthy(launched, timeout=20)
    first, *rest = str(caught.value).splitlines()
    assert first.startswith("Strapi exited (code 3) before answering /_health; log: ")
    assert rest == ["Error: unable to open database file"]


def test_start_timeout_stops_the_server(tmp_path: Path) -> None:
    launched = _launch_fake(tmp_path, "import time; print('still booting', flush=True); time.sleep(60)")
    with pytest.raises(TargetError) as caught:
        server.wait_healthy(launched, timeout=1.0)
    assert str(caught.value).splitlines()[0].startswith("Strapi did not answer /_health with 204 within 1 s")
    assert "still booting" in str(caught.value)
    assert launched.process is not None and launched.process.poll() is not None


def test_unstartable_command_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot start Strapi"):
        server.launch(tmp_path, server.free_port(), command=[str(tmp_path / "no-such-node")])


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    launched = _launch_fake(tmp_path, code)
    deadline = time.monotonic() + 30
    while "up" not in launched.log.read_text() and time.monotonic() < deadline:  # its handler is installed
        time.sleep(0.01)
    started = time.monotonic()
    assert server.stop(launched, grace=0.2)
    assert launched.process is not None and launched.process.returncode == -9
    assert time.monotonic() - started < 5


def test_strapi_target_start_discover_stop(fake_strapi: Path, cache: Path) -> None:
    lines: list[str] = []
    tgt = StrapiTarget("5.54.0", webhook_url="http://127.0.0.1:9/hook", progress=lines.append)
    info = tgt.start()
    try:
        assert (info.kind, info.name, info.version) == ("strapi", "strapi-5.54.0", "5.54.0")
        assert info.tokens == {"full-access": "fa-key", "read-only": "ro-key"}
        assert "trace" in info.capabilities
        assert tgt.project is not None and tgt.launched is not None
        env = json.loads((tgt.project / "env.json").read_text())
        assert env["NODE_ENV"] == "production"
        assert env["CONFORMANCE_WEBHOOK_URL"] == "http://127.0.0.1:9/hook"
        assert env["PORT"] == str(tgt.launched.port)
        assert (tgt.project / "node_modules").is_symlink()
        with tgt.client() as client:
            assert client.get("/_health").status_code == 204
        pid, proj = tgt.launched.pid, tgt.project
    finally:
        tgt.stop()
    assert not server.pid_alive(pid)
    assert not proj.exists()
    assert any("ready at" in line for line in lines)


def test_strapi_target_requests_are_guarded_and_its_death_is_noticed(fake_strapi: Path, cache: Path) -> None:
    """The client of a launched Strapi (the fixture project, or a user's own with --project) is
    guarded like any target's, and a Strapi that dies mid-run fails every later request at once
    with its exit code and the tail of its log."""
    tgt = StrapiTarget("5.54.0", progress=lambda line: None)
    tgt.start()
    try:
        assert tgt.launched is not None
        with pytest.raises(TargetMisbehaved, match="header is not a list of stage:name:phase markers"):
            tgt.http.get("/garbage-trace")
        assert tgt.died() is None
        os.kill(tgt.launched.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while tgt.died() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        with pytest.raises(TargetMisbehaved) as caught:
            tgt.http.get("/api/articles")
        assert time.monotonic() - started < 0.5
        first, *rest = str(caught.value).splitlines()
        assert first == "strapi-5.54.0 exited with code -9 during the run"
        assert rest[-1] == "fake strapi starting"
        assert tgt.died() == str(caught.value)
    finally:
        tgt.stop()
    assert os.environ.get(DEATH_ENV) is None


def test_a_bad_request_timeout_is_refused_before_strapi_starts(fake_strapi: Path, cache: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_REQUEST_TIMEOUT_S", "0")
    started: list[Path] = []
    monkeypatch.setattr(target, "launch", lambda project, *a, **kw: started.append(project))
    tgt = StrapiTarget("5.54.0", progress=lambda line: None)
    with pytest.raises(TargetError, match="^CONFORMANCE_REQUEST_TIMEOUT_S='0': expected a positive number"):
        tgt.start()
    assert started == []  # no project written, no server launched


def test_a_strapi_stopped_on_purpose_is_not_a_death(fake_strapi: Path, cache: Path) -> None:
    tgt = StrapiTarget("5.54.0", keep_project=True, progress=lambda line: None)
    tgt.start()
    proj = tgt.project
    tgt.stop()
    assert proj is not None and not (proj / "conformance-died").exists()
    shutil.rmtree(proj)


def test_strapi_target_keep_project(fake_strapi: Path, cache: Path) -> None:
    tgt = StrapiTarget("5.54.0", keep_project=True, progress=lambda line: None)
    tgt.start()
    proj = tgt.project
    tgt.stop()
    assert proj is not None and (proj / ".env").is_file()
    shutil.rmtree(proj)


def test_strapi_target_rejects_bad_versions() -> None:
    with pytest.raises(TargetError):
        StrapiTarget("4.0.0")


# -- up / down and the state file ---------------------------------------------------------------


def test_up_writes_state_and_down_stops_by_pid(fake_strapi: Path, cache: Path) -> None:
    state = up("5.54.0", progress=lambda line: None)
    try:
        assert state_path("5.54.0") == cache / "5.54.0" / target.STATE_NAME
        recorded = json.loads(state_path("5.54.0").read_text())
        assert recorded["pid"] == state.pid and recorded["url"] == state.url
        assert read_state("5.54.0") == state
        assert server.is_strapi_process(state.pid, Path(state.project))
        again = up("5.54.0", progress=lambda line: None)
        assert again.already_running and again.pid == state.pid
    finally:
        stopped = down("5.54.0")
    assert stopped is not None and stopped.pid == state.pid
    assert not server.pid_alive(state.pid)
    assert not state_path("5.54.0").exists()
    assert not Path(state.project).exists()
    assert down("5.54.0") is None


def test_stale_state_is_dropped_without_killing(cache: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    stale = target.ServerState("5.54.0", proc.pid, "http://127.0.0.1:1", 1, str(tmp_path), str(tmp_path / "log"),
                               time.time())
    target._write_state(stale, None)
    assert status("5.54.0") is None
    assert not state_path("5.54.0").exists()


def test_down_leaves_a_recycled_pid_alone(cache: Path, tmp_path: Path) -> None:
    """A PID that now belongs to another program (not the recorded project's server) is not killed."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        record = target.ServerState("5.54.0", other.pid, "http://127.0.0.1:1", 1, str(tmp_path / "gone"),
                                    str(tmp_path / "log"), time.time())
        target._write_state(record, None)
        assert down("5.54.0") is not None
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_unreadable_state_is_a_target_error(cache: Path) -> None:
    path = state_path("5.54.0")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(TargetError, match="cannot read the Strapi state file"):
        read_state("5.54.0")


def test_failed_start_keeps_the_project_with_its_log(fake_strapi: Path, cache: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    code = "print('Error: The port is already used by another application.'); raise SystemExit(1)"
    monkeypatch.setattr(server, "strapi_command", lambda project: [sys.executable, "-c", code])
    tgt = StrapiTarget("5.54.0", progress=lambda line: None)
    with pytest.raises(TargetError) as caught:
        tgt.start()
    first, *rest = str(caught.value).splitlines()
    assert first.startswith("Strapi exited (code 1) before answering /_health; log: ")
    log = Path(first.split("log: ", 1)[1])
    assert log.is_file() and "already used" in log.read_text()
    assert rest == ["Error: The port is already used by another application."]
    shutil.rmtree(log.parent)


def test_a_started_strapi_that_cannot_prove_its_capabilities_is_refused_and_stopped(
        fake_strapi: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from conformance.targets import launch

    stopped: list[int] = []
    original_stop = StrapiTarget.stop

    def stop(self: StrapiTarget) -> None:
        if self.launched is not None:
            stopped.append(self.launched.pid)
        original_stop(self)

    monkeypatch.setattr(StrapiTarget, "stop", stop)
    # The fake declares content-types, trace and control, and answers 404 to everything but info,
    # which it answers without a trace header and whatever the control header asks.
    with pytest.raises(TargetError) as caught:
        launch.launch(SimpleNamespace(target="strapi", strapi_version="5.54.0"))
    message = str(caught.value)
    assert message.startswith("target strapi-5.54.0 declares capabilities its probes could not prove: ")
    assert "trace (GET /api/conformance/info answered 200 with no X-Conformance-Trace header" in message
    assert "control (a respond directive to gmw:first asked for 299" in message
    assert "content-types (" not in message  # recorded, never fatal
    assert len(stopped) == 1 and not server.pid_alive(stopped[0])
