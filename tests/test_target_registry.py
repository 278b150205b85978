"""The target registry: every spelling of ``--target`` resolves to one registered kind, and an unknown
kind is one line and exit 2."""

from __future__ import annotations

import ast
import re
import shlex
import sys
from pathlib import Path

import pytest

from conformance.stability import report_name
from conformance.targets.base import TargetError
from conformance.targets.http import HttpTarget
from conformance.targets.process import ProcessTarget, free_port
from conformance.targets.reference import ReferenceTarget
from conformance.targets.registry import KINDS, TargetOptions, describe, parse
from conformance.targets.strapi import StrapiTarget

from .harness_helpers import read_report, run_cli
from .test_process_target import SERVER

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("name", "kind", "spec"), [
    ("reference", "reference", None),
    ("reference-http", "reference-http", None),
    ("strapi", "strapi", None),
    ("strapi:5.50.0", "strapi", "5.50.0"),
    ("process", "process", None),
    ("process:node server.js --port 1", "process", "node server.js --port 1"),
    ("http://localhost:1337", "url", "http://localhost:1337"),
    ("HTTPS://example.test", "url", "HTTPS://example.test"),
    ("url:http://localhost:1337", "url", "http://localhost:1337"),
])
def test_every_spelling_resolves_to_its_kind(name: str, kind: str, spec: str | None) -> None:
    ref = parse(name)
    assert (ref.kind.name, ref.spec) == (kind, spec)


def test_each_kind_builds_its_adapter() -> None:
    options = TargetOptions(ready_url="http://127.0.0.1:9", webhook_url="http://hook.invalid/x")
    assert isinstance(parse("reference").build(options), ReferenceTarget)
    assert isinstance(parse("reference-http").build(options), ProcessTarget)
    strapi = parse("strapi:5.50.0").build(options)
    assert isinstance(strapi, StrapiTarget) and strapi.version == "5.50.0"
    assert isinstance(parse("strapi").build(TargetOptions(strapi_version="5.1.0")), StrapiTarget)
    process = parse("process:my-server --flag 'a b'").build(options)
    assert isinstance(process, ProcessTarget) and process.command == ["my-server", "--flag", "a b"]
    assert process.env == {"CONFORMANCE_WEBHOOK_URL": "http://hook.invalid/x"}
    url = parse("http://127.0.0.1:1337/").build(TargetOptions(name="n", reported_kind="strapi"))
    assert isinstance(url, HttpTarget) and (url.base_url, url.name, url.kind) == ("http://127.0.0.1:1337", "n", "strapi")


@pytest.mark.parametrize(("name", "expected"), [
    ("reference", "reference"), ("reference-http", "reference-http"), ("strapi", "strapi-5.54.0"),
    ("strapi:5.50.0", "strapi-5.50.0"), ("process:x", "process"), ("http://localhost:1337/", "localhost-1337"),
    ("url:https://a.test:8443", "a.test-8443"),
])
def test_report_names(name: str, expected: str) -> None:
    assert report_name(name) == expected


@pytest.mark.parametrize(("name", "message"), [
    ("bogus", "unknown target kind 'bogus' in --target 'bogus': known kinds are reference, reference-http, "
              "strapi, process, url (or an http(s):// base URL)"),
    ("reference:x", "target kind 'reference' takes no ':' part (got 'reference:x')"),
    ("strapi:", "--target 'strapi:': write strapi[:VERSION]"),
    ("ftp://host", "unknown target kind 'ftp'"),
])
def test_bad_names_are_one_line_target_errors(name: str, message: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse(name)
    assert str(caught.value).startswith(message)


def test_options_that_contradict_the_name_are_refused() -> None:
    with pytest.raises(TargetError, match="--target strapi:5.50.0 and --strapi-version 5.1.0 disagree"):
        parse("strapi:5.50.0").build(TargetOptions(strapi_version="5.1.0"))
    with pytest.raises(TargetError, match="needs a command .* and --ready-url"):
        parse("process:x").build(TargetOptions())
    with pytest.raises(TargetError, match="write url:http"):
        parse("url:localhost:1337").build(TargetOptions())


@pytest.mark.parametrize(("name", "message"), [
    ("strapi:6.0.0", "Strapi version 6.0.0 is not supported"), ("strapi:latest", "is not of the form 5.x.y"),
    ("url:localhost:1337", "write url:http(s)://host[:port]"), ("url", "--target 'url': write url:URL"),
])
def test_a_bad_spec_is_refused_as_the_name_is_parsed(name: str, message: str) -> None:
    with pytest.raises(TargetError, match=re.escape(message)):
        parse(name)


def test_the_kinds_say_which_can_run_twice_and_which_option_stands_for_their_spec() -> None:
    """What ``diff`` reads (a second oracle instance; a name that must carry its spec) is the kind's."""
    assert {k.name for k in KINDS.values() if k.repeatable} == {"reference", "reference-http", "strapi"}
    assert {k.name: k.spec_option for k in KINDS.values() if k.spec_option} == {"process": "--command"}


def test_targets_are_built_only_through_the_registry() -> None:
    """Outside conformance/targets/ no code constructs an adapter itself (the benchmarks and scripts too)."""
    adapters = {"ReferenceTarget", "ProcessTarget", "StrapiTarget", "HttpTarget", "reference_http_target"}
    found = []
    for folder in ("conformance", "benchmarks", "scripts"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if path.is_relative_to(REPO / "conformance" / "targets") or "fixture/strapi/project" in path.as_posix():
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name in adapters:
                        found.append(f"{path.relative_to(REPO)}:{node.lineno} {name}")
    assert not found, f"build these through conformance.targets.registry (parse(name).build(options)): {found}"


def test_a_project_goes_only_with_a_kind_that_takes_one(tmp_path: Path) -> None:
    for name in ("reference", "reference-http", "process:x", "http://localhost:1337"):
        with pytest.raises(TargetError, match="^--project goes with --target strapi "):
            parse(name).report_name(TargetOptions(project=str(tmp_path)))
    (tmp_path / "package.json").write_text('{"dependencies": {"@strapi/strapi": "5.50.0"}}')
    own = parse("strapi").build(TargetOptions(project=str(tmp_path)))
    assert isinstance(own, StrapiTarget) and own.version == "5.50.0" and own.source == tmp_path.resolve()
    assert parse("strapi").report_name(TargetOptions(project=str(tmp_path))) == f"strapi-5.50.0+{tmp_path.name}"


def test_the_help_lists_every_registered_kind() -> None:
    text = describe()
    for kind in KINDS.values():
        assert f"{kind.usage}: {kind.help}" in text
    assert list(KINDS) == ["reference", "reference-http", "strapi", "process", "url"]


@pytest.mark.parametrize("command", [("run",), ("stability", "--runs", "2"), ("fuzz",)])
def test_an_unknown_kind_is_exit_2_with_one_line(command: tuple[str, ...]) -> None:
    result = run_cli(*command, "--target", "nosuch:1")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "conformance: unknown target kind 'nosuch' in --target 'nosuch:1': known kinds are reference, "
        "reference-http, strapi, process, url (or an http(s):// base URL)"]


def test_a_process_named_by_its_spec_runs_the_suite(tmp_path: Path) -> None:
    """``process:COMMAND`` starts the command as ``--target process --command COMMAND`` does."""
    port = free_port()
    command = shlex.join([sys.executable, "-c", SERVER, str(port), "0", "404"])
    result = run_cli("run", "--target", f"process:{command}", "--ready-url", f"http://127.0.0.1:{port}",
                     "--profile", "black-box", "--id", "CT-001", "--report-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    target = read_report(tmp_path)["target"]
    assert (target["name"], target["kind"], target["black_box"]) == ("process", "process", True)
