"""REST parameters over HTTP: query validation (with details), strictParams, pagination meta and
clamping, and the PaginationError for mixed styles."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AppFactory

pytestmark = pytest.mark.anyio


def api_config(**rest: Any) -> dict[str, Any]:
    return {"config/api.py": f"config = {{'rest': {rest!r}}}\n"}


async def seed_tags(app: Any, n: int) -> None:
    for i in range(n):
        await app.strapi.documents("api::tag.tag").create({"data": {"label": f"l{i:02d}"}})


def invalid(key: str, path: Any, param: str) -> dict[str, Any]:
    """As Strapi 5.54.0 answers (conformance/targets/strapi/NOTES.md (c)): the message names the path
    when it is not the key itself."""
    where = f" at {path}" if path and path != key else ""
    return {"status": 400, "name": "ValidationError", "message": f"Invalid key {key}{where}",
            "details": {"key": key, "path": path, "source": "query", "param": param}}


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("filters[nope]=1", invalid("nope", None, "filters")),
        ("filters[ID]=1", invalid("ID", None, "filters")),
        ("filters[secret][$eq]=x", invalid("secret", "secret", "filters")),
        ("filters[title][$fakeOp]=x", invalid("$fakeOp", "title", "filters")),
        ("filters[title][$STARTSWITH]=x", invalid("$STARTSWITH", "title", "filters")),
        ("filters[$or][0][nope]=1", invalid("nope", None, "filters")),  # the path names attributes only
        ("filters[author][nope]=1", invalid("nope", "author", "filters")),
        ("sort=nope:asc", invalid("nope", None, "sort")),
        ("sort=secret", invalid("secret", "secret", "sort")),
        ("fields[0]=nope", invalid("nope", None, "fields")),
        ("fields[0]=author", invalid("author", "author", "fields")),
        ("populate=title", invalid("title", "title", "populate")),
        ("populate[author][fields][0]=nope", invalid("nope", None, "populate")),
    ],
)
async def test_invalid_query_keys_are_400_with_details(make_app: AppFactory, query: str, error: Any) -> None:
    async with make_app() as app:
        r = await app.get(f"/api/articles?{query}")
        assert (r.status_code, r.json()) == (400, {"data": None, "error": error})


@pytest.mark.parametrize(
    "query",
    ["filters[title][$eq]=x", "filters[$and][0][views][$gt]=1", "filters[title]=a&filters[views]=1",
     "filters[author][name][$eq]=x", "filters[tags][label][$in][0]=a", "filters[title][$in][0]=a&filters[title][$in][1]=b",
     "filters[$not][title]=x", "sort=title:desc", "sort[0]=title&sort[1]=views:DESC", "fields[0]=title",
     "populate=*", "populate[0]=author", "populate[author][populate]=*", "status=draft"],
)
async def test_valid_queries_pass(make_app: AppFactory, query: str) -> None:
    async with make_app() as app:
        r = await app.get(f"/api/articles?{query}")
        assert r.status_code == 200, r.text


async def test_invalid_sort_direction_is_400(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.get("/api/articles?sort=title:up")
        assert r.status_code == 400
        assert r.json()["error"]["message"] == "Invalid order. order can only be one of asc|desc|ASC|DESC"


async def test_strict_params_rejects_unknown_top_level_keys(make_app: AppFactory) -> None:
    async with make_app(api_config(strictParams=True)) as app:
        r = await app.get("/api/articles?foo=1")
        assert (r.status_code, r.json()["error"]) == (400, {
            "status": 400, "name": "ValidationError", "message": "Invalid key foo",
            "details": {"key": "foo", "path": None, "source": "query", "param": "foo"}})
        ok = "filters[title]=x&sort=title&fields[0]=title&populate=*&status=published&pagination[page]=1"
        assert (await app.get(f"/api/articles?{ok}")).status_code == 200
    async with make_app(api_config(strictParams=False)) as app:
        assert (await app.get("/api/articles?foo=1")).status_code == 200


async def test_default_pagination_meta(make_app: AppFactory) -> None:
    async with make_app() as app:
        assert (await app.get("/api/tags")).json()["meta"] == {
            "pagination": {"page": 1, "pageSize": 25, "pageCount": 0, "total": 0}}
        await seed_tags(app, 30)
        r = (await app.get("/api/tags")).json()
        assert len(r["data"]) == 25
        assert r["meta"]["pagination"] == {"page": 1, "pageSize": 25, "pageCount": 2, "total": 30}


@pytest.mark.parametrize(
    ("query", "meta", "labels"),
    [
        ("pagination[page]=2&pagination[pageSize]=2", {"page": 2, "pageSize": 2, "pageCount": 3, "total": 5},
         ["l02", "l03"]),
        ("pagination[start]=1&pagination[limit]=3", {"start": 1, "limit": 3, "total": 5}, ["l01", "l02", "l03"]),
        ("pagination[page]=1&pagination[pageSize]=2&pagination[withCount]=false", {"page": 1, "pageSize": 2},
         ["l00", "l01"]),
        ("pagination[start]=4&pagination[withCount]=f", {"start": 4, "limit": 3}, ["l04"]),
        ("pagination[pageSize]=0", {"page": 1, "pageSize": 1, "pageCount": 5, "total": 5}, ["l00"]),
        ("pagination[page]=-3&pagination[pageSize]=2", {"page": 1, "pageSize": 2, "pageCount": 3, "total": 5},
         ["l00", "l01"]),
        ("pagination[pageSize]=1000", {"page": 1, "pageSize": 3, "pageCount": 2, "total": 5}, ["l00", "l01", "l02"]),
        ("pagination[limit]=1000", {"start": 0, "limit": 3, "total": 5}, ["l00", "l01", "l02"]),
        ("pagination[limit]=-1", {"start": 0, "limit": 1, "total": 5}, ["l00"]),
        ("pagination[limit]=x", {"start": 0, "limit": 3, "total": 5}, ["l00", "l01", "l02"]),
        ("pagination[pageSize]=x", {"page": 1, "pageSize": 3, "pageCount": 2, "total": 5}, ["l00", "l01", "l02"]),
        ("pagination[limit]=0", {"start": 0, "limit": 1, "total": 5}, ["l00"]),
    ],
)
async def test_pagination(make_app: AppFactory, query: str, meta: dict[str, Any], labels: list[str]) -> None:
    async with make_app(api_config(maxLimit=3, defaultLimit=25)) as app:
        await seed_tags(app, 5)
        r = await app.get(f"/api/tags?{query}&sort=label")
        assert r.status_code == 200, r.text
        assert r.json()["meta"]["pagination"] == meta
        assert [t["label"] for t in r.json()["data"]] == labels


async def test_limit_minus_one_is_one_entry_without_max_limit_too(make_app: AppFactory) -> None:
    # Strapi 5.54.0 brings every limit below 1 (-1 included) up to 1 (conformance/targets/strapi/NOTES.md (n)).
    async with make_app(api_config(defaultLimit=2)) as app:
        await seed_tags(app, 4)
        r = (await app.get("/api/tags?pagination[limit]=-1")).json()
        assert len(r["data"]) == 1
        assert r["meta"]["pagination"] == {"start": 0, "limit": 1, "total": 4}
        assert len((await app.get("/api/tags")).json()["data"]) == 2


@pytest.mark.parametrize(("query", "got"), [("pagination[page]=x", "NaN"), ("pagination[start]=x", "NaN"),
                                            ("pagination[page]=1.5", "12.5"), ("pagination[start]=0.5", "0.5")])
async def test_positions_that_are_no_integers_are_400(make_app: AppFactory, query: str, got: str) -> None:
    async with make_app() as app:
        r = await app.get(f"/api/tags?{query}")
        assert r.status_code == 400
        assert r.json()["error"]["message"] == f"convertStartQueryParams expected a positive integer got {got}"


async def test_with_count_off_by_config(make_app: AppFactory) -> None:
    async with make_app(api_config(withCount=False)) as app:
        assert (await app.get("/api/tags")).json()["meta"] == {"pagination": {"page": 1, "pageSize": 25}}
        assert (await app.get("/api/tags?pagination[withCount]=true")).json()["meta"]["pagination"]["total"] == 0


@pytest.mark.parametrize("query", ["pagination[page]=1&pagination[limit]=2", "pagination[pageSize]=1&pagination[start]=0"])
async def test_mixing_page_and_offset_is_a_pagination_error(make_app: AppFactory, query: str) -> None:
    async with make_app() as app:
        r = await app.get(f"/api/tags?{query}")
        assert (r.status_code, r.json()["error"]) == (400, {
            "status": 400, "name": "PaginationError",
            "message": "Cannot use both page & offset pagination in the same query", "details": {}})


async def test_invalid_with_count_and_page_values(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.get("/api/tags?pagination[withCount]=maybe")
        assert (r.status_code, r.json()["error"]["message"]) == (
            400, 'Invalid withCount parameter. Expected "t","1","true","false","0","f"')
        r = await app.get("/api/tags?pagination[page]=two")
        assert (r.status_code, r.json()["error"]["name"]) == (400, "ValidationError")


async def test_filters_sort_and_fields_over_rest(make_app: AppFactory) -> None:
    async with make_app() as app:
        for title, views in (("b", 2), ("a", 1), ("c", 3)):
            await app.post("/api/articles", json={"data": {"title": title, "views": views}})
        r = await app.get("/api/articles?filters[views][$gte]=2&sort=title:desc&fields[0]=title")
        data = r.json()["data"]
        assert [d["title"] for d in data] == ["c", "b"]
        assert set(data[0]) == {"id", "documentId", "title"}
        r = await app.get("/api/articles?filters[$or][0][title]=a&filters[$or][1][views][$gt]=2&sort[0]=views")
        assert [d["title"] for d in r.json()["data"]] == ["a", "c"]
