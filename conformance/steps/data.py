"""Given steps that create data: entries of the fixture types, isolated by the scenario's batch."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers

from ..assertions import fail
from ..fixture.facts import SEED_MAX_ENTRIES
from ..world import HarnessError, World
from .schemas import content_types, typed

SEED_PATH = "/api/conformance/seed"
SEED_CAPABILITY = "seed"


def setup_auth(world: World) -> str | None:
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
                             authorization=setup_auth(world))
    if response.status_code not in (200, 201):
        world.last = world.exchanges[-1]
        fail(f"set-up failed: creating a {schema['info']['singularName']} answered {response.status_code}", world)
    return response.json()["data"]


def create_entries(world: World, plural: str, rows: list[tuple[dict[str, Any], str | None]]) -> list[dict[str, Any]]:
    """Set-up entries ``(data, status)``, created in order. A target with ``seed`` (conformance/PROTOCOL.md,
    section 2) takes them in one request per SEED_MAX_ENTRIES, through the same service call a REST
    create makes: the answers give ``id`` and ``documentId``, merged into the data sent. Otherwise one
    REST create each (``?status=`` when given)."""
    if SEED_CAPABILITY not in world.target.capabilities:
        return [create_entry(world, plural, data, f"?status={status}" if status else "") for data, status in rows]
    schema = content_types()[plural]
    created: list[dict[str, Any]] = []
    for start in range(0, len(rows), SEED_MAX_ENTRIES):
        chunk = rows[start:start + SEED_MAX_ENTRIES]
        for data, _ in chunk:
            if "batch" in schema["attributes"]:
                data.setdefault("batch", world.batch)
        entries = [{"data": data, **({"status": status} if status else {})} for data, status in chunk]
        response = world.request("POST", SEED_PATH, json_body={"uid": schema["uid"], "entries": entries}, main=False)
        answer = response.json() if response.status_code == 200 else None
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(chunk):
            world.last = world.exchanges[-1]
            fail(f"set-up failed: seeding {len(chunk)} {plural} answered {response.status_code}", world)
            return created
        created += [{**data, "id": r.get("id"), "documentId": r.get("documentId")}
                    for (data, _), r in zip(chunk, results, strict=True)]
    return created


def _row(world: World, schema: dict[str, Any], header: list[str], row: list[str]) -> tuple[str | None, dict[str, Any], str | None]:
    alias = None
    data: dict[str, Any] = {}
    status = None
    for name, cell in zip(header, row, strict=True):
        cell = cell.strip()
        if name == "alias":
            alias = cell
        elif name == "status":
            status = cell or None
        elif cell == "":
            continue
        elif schema["attributes"].get(name, {}).get("type") == "relation":
            refs = [world.substitute("{" + ref.strip() + "}") for ref in cell.split(",") if ref.strip()]
            many = schema["attributes"][name]["relation"].endswith("ToMany")
            data[name] = refs if many else refs[0]
        else:
            data[name] = typed(schema, name, world.substitute(cell))
    return alias, data, status


def seed_rows(world: World, plural: str, datatable: list[list[str]]) -> None:
    """Create one entry per data-table row (a header row first; an ``alias`` column names each entry)."""
    schema = content_types()[plural]
    header, *rows = datatable
    pending: list[tuple[str | None, dict[str, Any], str | None]] = []

    def flush() -> None:
        made = create_entries(world, plural, [(data, status) for _, data, status in pending])
        for (alias, _, _), entry in zip(pending, made, strict=True):
            if alias:
                world.aliases[alias] = entry
        pending.clear()

    for row in rows:
        try:
            pending.append(_row(world, schema, header, row))
        except HarnessError:
            if not pending:
                raise
            flush()  # the row names an entry of an earlier row of this table: create those first
            pending.append(_row(world, schema, header, row))
    if pending:
        flush()


@given(parsers.re(r"the (?P<plural>articles|authors|tags|products):"))
def given_entries(world: World, plural: str, datatable: list[list[str]]) -> None:
    seed_rows(world, plural, datatable)


@given(parsers.re(r'(?P<count>\d+) (?P<plural>articles|authors|tags) exist(?: with (?P<attr>\w+) from 1)?'))
def given_n_entries(world: World, count: str, plural: str, attr: str | None) -> None:
    label = {"articles": "title", "authors": "name", "tags": "label"}[plural]
    rows: list[tuple[dict[str, Any], str | None]] = []
    for i in range(1, int(count) + 1):
        data: dict[str, Any] = {label: f"{plural[:-1]} {i:03d}"}
        if attr:
            data[attr] = i
        rows.append((data, None))
    create_entries(world, plural, rows)
