"""Dependencies whose internals the code uses are bounded above in pyproject.toml, and what is
installed is inside the declared range (a dependency upgraded past its bound fails here, not in a
fuzz run or a PostgreSQL run)."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"conformance", "reference_impl", "tests", "benchmarks", "scripts", "features"}

# Internals used through attributes (no import says so): distribution -> (file, what it reads).
ATTRIBUTE_INTERNALS = {
    "psycopg": ("reference_impl/query.py", '"_pipeline"'),
    "schemathesis": ("conformance/fuzz/corpus.py", "_hash_container"),
    "httpx": ("conformance/fuzz/hostile.py", "_uri_reference"),
    "sqlalchemy": ("reference_impl/query.py", "_bind_processors"),
    "pytest-bdd": ("conformance/report/collector.py", "pytest_bdd.scenario"),
    "qs-codec": ("reference_impl/middlewares/query.py", "_parse_query_string_values"),
    "selenium": ("tests/test_browser.py", "_load_js"),
}


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return {canonicalize_name(req.name): req for req in map(Requirement, lines)}


def _has_upper_bound(req: Requirement) -> bool:
    return any(spec.operator in ("<", "<=", "==", "~=") for spec in req.specifier)


def _private_imports() -> dict[str, list[str]]:
    """Third-party distributions the code imports a private module or name from, with where."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, list[str]] = {}
    for folder in ("conformance", "reference_impl", "benchmarks", "scripts"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if "fixture/strapi/project" in path.as_posix():
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    modules = [node.module] if any(a.name.startswith("_") for a in node.names) else []
                    modules += [node.module] if any(p.startswith("_") for p in node.module.split(".")[1:]) else []
                elif isinstance(node, ast.Import):
                    modules = [a.name for a in node.names if any(p.startswith("_") for p in a.name.split(".")[1:])]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in FIRST_PARTY or top in sys.stdlib_module_names:
                        continue
                    for dist in owners.get(top, [top]):
                        where = f"{path.relative_to(REPO).as_posix()}:{node.lineno}"
                        found.setdefault(canonicalize_name(dist), []).append(where)
    return found


def test_every_private_import_from_a_dependency_is_under_an_upper_bound() -> None:
    requirements = _requirements()
    found = _private_imports()
    assert "qs-codec" in found  # the scan sees the known one (reference_impl/middlewares/query.py)
    unbounded = {dist: where for dist, where in found.items()
                 if dist not in requirements or not _has_upper_bound(requirements[dist])}
    assert not unbounded, f"private imports from dependencies without an upper bound: {unbounded}"


@pytest.mark.parametrize("dist", sorted(ATTRIBUTE_INTERNALS))
def test_a_dependency_whose_internals_are_read_is_bounded_above(dist: str) -> None:
    path, marker = ATTRIBUTE_INTERNALS[dist]
    # The table stays true: the file still reads that internal (else drop the row, maybe the bound).
    assert marker in (REPO / path).read_text(encoding="utf-8"), f"{path} no longer uses {marker}"
    req = _requirements().get(dist)
    assert req is not None and _has_upper_bound(req), f"{dist} has no upper bound in pyproject.toml: {req}"


@pytest.mark.parametrize("dist", sorted(ATTRIBUTE_INTERNALS))
def test_the_installed_version_is_inside_the_declared_range(dist: str) -> None:
    req = _requirements()[dist]
    try:
        version = importlib.metadata.version(req.name)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{req.name} is not installed")
    assert req.specifier.contains(version, prereleases=True), \
        f"{req.name} {version} is installed, pyproject.toml declares {req.specifier}: test it and move the bound"
