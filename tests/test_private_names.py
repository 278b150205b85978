"""No module of the harness, the reference, the benchmarks or the scripts uses another module's private
names (``from m import _x``, ``m._x`` on an imported module): what crosses a module boundary is made
public. Tests may (they test internals on purpose). ruff's PLC2701 covers only the first form and is a
preview rule, hence this scan."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("conformance", "reference_impl", "benchmarks", "scripts")
FIRST_PARTY = {"conformance", "reference_impl", "benchmarks", "tests"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(module: str | None, level: int, here: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    base = here.split(".")
    base = base[: len(base) - level + (1 if is_package else 0)]
    return ".".join([*base, module] if module else base)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def violations(path: Path, here: str | None = None) -> list[str]:
    """``file:line name`` for each private name of another first-party module this file uses
    (``here``: the file's module name, by default from its place in the repository)."""
    is_package = path.name == "__init__.py"
    here = here or _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to a first-party module
    found: list[str] = []
    where = path.name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node.module, node.level, here, is_package)
            if source.split(".")[0] not in FIRST_PARTY or source == here:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{where}:{node.lineno} {source}.{alias.name}")
                else:
                    modules.add(alias.asname or alias.name)  # maybe a submodule: checked below if used so
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FIRST_PARTY and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            found.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_module_s_private_names() -> None:
    found = [f"{path.relative_to(REPO).parent.as_posix()}/{v}" for folder in FOLDERS
             for path in sorted((REPO / folder).rglob("*.py"))
             if "fixture/strapi/project" not in path.as_posix() for v in violations(path)]
    assert not found, f"private names used across modules (make them public): {found}"


def test_the_scan_sees_both_forms(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from .data import _hidden, public\nfrom conformance import cli\nfrom . import webhooks as w\n"
                     "import json as _json\nfrom ._own import thing\ncli._pytest_args()\nw._collect()\n"
                     "cli.__name__\n_json.dumps(public)\n", encoding="utf-8")
    assert violations(probe, "conformance.steps.probe") == [
        "probe.py:1 conformance.steps.data._hidden", "probe.py:6 cli._pytest_args", "probe.py:7 w._collect"]
