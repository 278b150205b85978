"""``GET /openapi.json`` describes what the project loaded: its routers' ``only``, its Public role,
its REST limits, and attribute kinds the generator does not know (permissive, never a crash)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ARTICLE, AppFactory

pytestmark = pytest.mark.anyio

READ_ONLY_ARTICLES = {
    "src/api/article/routes/article.py": 'from reference_impl.factories import create_core_router\n'
    'routes = create_core_router("api::article.article", only=["find", "findOne"])\n',
    "src/index.py": 'def bootstrap(strapi):\n    strapi.grant_public(["api::article.article.find"])\n',
    "config/api.py": 'config = {"rest": {"defaultLimit": 7, "maxLimit": 9}}\n',
}


async def _document(make_app: AppFactory, files: dict[str, Any]) -> dict[str, Any]:
    async with make_app(files) as app:
        response = await app.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


async def test_routes_permissions_and_limits_are_the_loaded_ones(make_app: AppFactory) -> None:
    document = await _document(make_app, READ_ONLY_ARTICLES)
    assert sorted(document["paths"]["/api/articles"]) == ["get"]
    assert sorted(document["paths"]["/api/articles/{id}"]) == ["get"]
    assert sorted(document["paths"]["/api/tags"]) == ["get", "post"]
    assert document["paths"]["/api/articles"]["get"]["security"] == [{"bearerAuth": []}, {}]
    assert document["paths"]["/api/articles/{id}"]["get"]["security"] == [{"bearerAuth": []}]
    pagination = document["components"]["schemas"]["ArticlePagination"]["description"]
    assert pagination.startswith("defaultLimit 7, maxLimit 9")


async def test_an_unknown_attribute_kind_gets_a_permissive_schema(make_app: AppFactory) -> None:
    article = {**ARTICLE, "attributes": {**ARTICLE["attributes"], "colour": {"type": "customField"}}}
    document = await _document(make_app, {"src/api/article/content-types/article/schema.json": article})
    schemas = document["components"]["schemas"]
    assert schemas["ArticleDocument"]["properties"]["colour"] == {}
    assert schemas["ArticleInput"]["properties"]["colour"] == {}
    assert "colour" not in schemas["ArticleFilters"]["properties"]  # not offered to filters, sort, fields
    assert "colour" not in schemas["ArticleFields"]["items"]["enum"]


def test_component_values_in_requests_hold_only_the_component_attributes() -> None:
    """A request names each component's own schema: Strapi answers a key the component does not
    declare with 400 ("Invalid key x at seo"), so the document must not call such a body valid
    (the fuzzer's positive cases would then be refused)."""
    import jsonschema_rs  # schemathesis' validator

    from conformance.openapi import fixture_document

    document = fixture_document()
    # The document's own references (#/components/...) resolve against this root.
    validator = jsonschema_rs.validator_for({"$ref": "#/components/schemas/PageInput",
                                             "components": document["components"]})
    good = {"title": "t", "seo": {"metaTitle": "m", "social": {"network": "n"}}, "links": [{"label": "l"}],
            "blocks": [{"__component": "blocks.hero", "heading": "h", "cta": {"url": "/u"}}]}
    assert validator.is_valid(good)
    for bad in ({"seo": {"nope": 1}}, {"seo": {"social": {"nope": 1}}}, {"links": [{"nope": 1}]}, {"links": None},
                {"blocks": [{"__component": "blocks.quote", "heading": "h"}]},
                {"blocks": [{"__component": "blocks.hero", "nope": 1}]}):
        assert not validator.is_valid(bad), bad
