"""Component writes as Strapi 5.54.0's Document Service makes them: an update keeps the entries that
name one of the attribute's components by id (changing only what they name), creates the others and
deletes the rest; a create ignores ids."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ALL_ACTIONS, AppFactory

pytestmark = pytest.mark.anyio

LINK = {"collectionName": "components_shared_links", "info": {"displayName": "Link"},
        "attributes": {"label": {"type": "string"}, "url": {"type": "string"}}}
PAGE = {"kind": "collectionType", "collectionName": "pages",
        "info": {"singularName": "page", "pluralName": "pages", "displayName": "Page"},
        "options": {"draftAndPublish": False},
        "attributes": {"title": {"type": "string"},
                       "seo": {"type": "component", "repeatable": False, "component": "shared.link"},
                       "links": {"type": "component", "repeatable": True, "component": "shared.link"},
                       "blocks": {"type": "dynamiczone", "components": ["shared.link"]}}}
ACTIONS = [*ALL_ACTIONS, *(f"api::page.page.{a}" for a in ("find", "findOne", "create", "update", "delete"))]
FILES: dict[str, Any] = {
    "src/components/shared/link.json": LINK,
    "src/api/page/content-types/page/schema.json": PAGE,
    "src/api/page/routes/page.py": 'from reference_impl.factories import create_core_router\n'
                                   'routes = create_core_router("api::page.page")\n',
    "src/index.py": f"def bootstrap(strapi):\n    strapi.grant_public({ACTIONS!r})\n",
}


async def test_an_update_keeps_the_entries_it_names_by_id(make_app: AppFactory) -> None:
    async with make_app(FILES) as app:
        r = await app.post("/api/pages?populate=*", json={"data": {
            "seo": {"label": "s", "url": "/s"}, "links": [{"label": "a", "url": "/a"}, {"label": "b", "url": "/b"}],
            "blocks": [{"__component": "shared.link", "label": "z", "url": "/z"}]}})
        assert r.status_code == 201, r.text
        page = r.json()["data"]
        a, b = page["links"]
        r = await app.put(f"/api/pages/{page['documentId']}?populate=*", json={"data": {
            "seo": {"id": page["seo"]["id"], "label": "s2"},
            "links": [{"id": str(b["id"]), "label": "b2"}, {"label": "c"}],
            "blocks": [{"__component": "shared.link", "id": page["blocks"][0]["id"], "url": "/z2"}]}})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        # Kept by id (a text id too, as Strapi compares `${id}`), with what was not named left as it was.
        assert data["seo"] == {"id": page["seo"]["id"], "label": "s2", "url": "/s"}
        assert data["links"][0] == {"id": b["id"], "label": "b2", "url": "/b"}
        assert data["links"][1]["label"] == "c" and data["links"][1]["id"] not in (a["id"], b["id"])
        assert data["blocks"] == [{"id": page["blocks"][0]["id"], "__component": "shared.link", "label": "z",
                                   "url": "/z2"}]
        # The entry no id named is gone: its id is foreign now.
        r = await app.put(f"/api/pages/{page['documentId']}", json={"data": {"links": [{"id": a["id"]}]}})
        assert (r.status_code, r.json()["error"]["name"]) == (400, "ApplicationError")


async def test_a_create_ignores_ids(make_app: AppFactory) -> None:
    async with make_app(FILES) as app:
        r = await app.post("/api/pages?populate=*", json={"data": {"links": [{"id": 424242, "label": "x"}]}})
        assert r.status_code == 201, r.text
        assert r.json()["data"]["links"][0]["id"] != 424242
