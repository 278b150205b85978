"""The fixture's shared names (the webhook URL variable, the trace and control headers) are read from
``fixture.json`` through ``conformance.fixture.facts``, never typed again in Python: a rename there
then reaches every process that starts a target or reads a trace."""

from __future__ import annotations

import ast
from pathlib import Path

from conformance.fixture import facts

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("conformance", "reference_impl", "benchmarks", "scripts")


def typed_facts(path: Path, names: set[str]) -> list[str]:
    """``file:line value`` for each string constant of ``path`` spelling one of ``names`` (any case)."""
    wanted = {n.lower() for n in names}
    return [f"{path.name}:{node.lineno} {node.value}" for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in wanted]


def test_shared_names_are_not_typed_by_hand(tmp_path: Path) -> None:
    names = {facts.WEBHOOK_URL_ENV, facts.TRACE_HEADER, facts.CONTROL_HEADER}
    probe = tmp_path / "probe.py"
    probe.write_text(f"import os\nos.environ[{facts.WEBHOOK_URL_ENV!r}]\nh.get({facts.TRACE_HEADER.lower()!r})\n")
    assert typed_facts(probe, names) == [f"probe.py:2 {facts.WEBHOOK_URL_ENV}",
                                        f"probe.py:3 {facts.TRACE_HEADER.lower()}"]
    found = [f"{path.relative_to(REPO).parent.as_posix()}/{hit}" for folder in FOLDERS
             for path in sorted((REPO / folder).rglob("*.py"))
             if "fixture/strapi/project" not in path.as_posix() for hit in typed_facts(path, names)]
    assert not found, f"read these from conformance.fixture.facts instead: {found}"
