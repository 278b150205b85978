"""Given steps that create data: entries of the fixture types, isolated by the scenario's batch."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers

from ..assertions import fail
from ..world import HarnessError, World
from .schemas import content_types, typed


def _setup_auth(world: World) -> str | None:
    """Set-up writes use the full-access token when the target has one, so that they never depend on
    what the scenario is testing about permissions."""
    token = world.target.tokens.get("full-access")
    return f"Bearer {token}" if token else None


def create_entry(world: World, plural: str, data: dict[str, Any], query: str = "") -> dict[str, Any]:
    schema = content_types().get(plural)
    if schema is None:
        raise HarnessError(f"the fixture has no content type {plural!r}")
    if "batch" in schema["attributes"]:
        data.setdefault("batch", world.batch)
    response = world.request("POST", f"/api/{plural}{query}", json_body={"data": data}, main=False,
                             authorization=_setup_auth(world))
    if response.status_code not in (200, 201):
        world.last = world.exchanges[-1]
        fail(f"set-up failed: creating a {schema['info']['singularName']} answered {response.status_code}", world)
    return response.json()["data"]


def _rows(world: World, plural: str, datatable: list[list[str]]) -> None:
    schema = content_types()[plural]
    header, *rows = datatable
    for row in rows:
        alias = None
        data: dict[str, Any] = {}
        query = ""
        for name, cell in zip(header, row, strict=True):
            cell = cell.strip()
            if name == "alias":
                alias = cell
            elif name == "status":
                query = f"?status={cell}" if cell else ""
            elif cell == "":
                continue
            elif schema["attributes"].get(name, {}).get("type") == "relation":
                refs = [world.substitute("{" + ref.strip() + "}") for ref in cell.split(",") if ref.strip()]
                many = schema["attributes"][name]["relation"].endswith("ToMany")
                data[name] = refs if many else refs[0]
            else:
                data[name] = typed(schema, name, world.substitute(cell))
        entry = create_entry(world, plural, data, query)
        if alias:
            world.aliases[alias] = entry


@given(parsers.re(r"the (?P<plural>articles|authors|tags|products):"))
def given_entries(world: World, plural: str, datatable: list[list[str]]) -> None:
    _rows(world, plural, datatable)


@given(parsers.re(r'(?P<count>\d+) (?P<plural>articles|authors|tags) exist(?: with (?P<attr>\w+) from 1)?'))
def given_n_entries(world: World, count: str, plural: str, attr: str | None) -> None:
    label = {"articles": "title", "authors": "name", "tags": "label"}[plural]
    for i in range(1, int(count) + 1):
        data: dict[str, Any] = {label: f"{plural[:-1]} {i:03d}"}
        if attr:
            data[attr] = i
        create_entry(world, plural, data)
