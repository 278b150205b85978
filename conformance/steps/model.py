"""Given steps for the content-model fixture types: teams and players (relations), pages
(components and a dynamic zone), guides (i18n).  Entries are created as the other set-up steps do,
with the scenario's batch: through the fixture's seed endpoint when the target has one, else through
the REST API; a locale's version through the REST API (the seed endpoint takes no locale)."""

from __future__ import annotations

import json
from typing import Any

from pytest_bdd import given, parsers

from ..assertions import fail
from ..world import HarnessError, World
from .data import create_entries, create_entry, seed_rows, setup_auth
from .schemas import content_types


@given(parsers.re(r"the (?P<plural>teams|players|pages|guides):$"))
def given_model_entries(world: World, plural: str, datatable: list[list[str]]) -> None:
    seed_rows(world, plural, datatable)


@given(parsers.re(r'the (?P<singular>team|player|page|guide) "(?P<alias>\w+)"(?: in the locale "(?P<locale>[a-z-]+)")?:$'))
def given_model_entry(world: World, singular: str, alias: str, locale: str | None, docstring: str) -> None:
    """One entry from a JSON ``data`` object.  With a locale and an alias already created, the
    document gets that locale's version (``PUT …?locale=``), as Strapi's docs show."""
    try:
        data: dict[str, Any] = json.loads(world.substitute(docstring))
    except ValueError as exc:
        raise HarnessError(f"the step's data is not JSON: {exc}") from exc
    query = f"?locale={locale}" if locale else ""
    existing = world.aliases.get(alias)
    if existing is None:
        plural = content_types()[singular]["info"]["pluralName"]
        world.aliases[alias] = (create_entry(world, plural, data, query) if locale
                                else create_entries(world, plural, [(data, None)])[0])
        return
    if not locale:
        raise HarnessError(f"the {singular} {alias!r} exists already: name a locale to add a version")
    schema = content_types()[singular]
    if "batch" in schema["attributes"]:
        data.setdefault("batch", world.batch)
    path = f"/api/{schema['info']['pluralName']}/{existing['documentId']}{query}"
    response = world.request("PUT", path, json_body={"data": data}, main=False, authorization=setup_auth(world))
    if response.status_code != 200:
        world.last = world.exchanges[-1]
        fail(f"set-up failed: adding the locale {locale} to {alias} answered {response.status_code}", world)
