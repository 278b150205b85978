"""The harness' OpenAPI document: every schema.json attribute type is mapped, the document is a valid
OpenAPI 3.1 document that schemathesis loads, and query parameters serialize to Strapi's brackets."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
import schemathesis

from conformance.fuzz.command import load_schema
from conformance.fuzz.send import prepare
from conformance.openapi import (
    ContentTypeSchema,
    attribute_value_schema,
    build_document,
    fixture_document,
    input_value_schema,
)

ALL_TYPES: dict[str, dict[str, Any]] = {
    "s": {"type": "string", "maxLength": 10}, "t": {"type": "text"}, "rt": {"type": "richtext"},
    "e": {"type": "email"}, "u": {"type": "uid"}, "p": {"type": "password"},
    "en": {"type": "enumeration", "enum": ["a", "b"]}, "i": {"type": "integer"}, "bi": {"type": "biginteger"},
    "f": {"type": "float"}, "d": {"type": "decimal"}, "b": {"type": "boolean"}, "da": {"type": "date"},
    "ti": {"type": "time"}, "dt": {"type": "datetime"}, "ts": {"type": "timestamp"}, "j": {"type": "json"},
    "bl": {"type": "blocks"}, "m": {"type": "media", "multiple": True}, "m1": {"type": "media"},
    "c": {"type": "component", "component": "x.y", "repeatable": True}, "c1": {"type": "component", "component": "x.y"},
    "dz": {"type": "dynamiczone", "components": ["x.y"]},
    "r1": {"type": "relation", "relation": "manyToOne", "target": "api::thing.thing"},
    "rn": {"type": "relation", "relation": "manyToMany", "target": "api::thing.thing"},
    "cf": {"type": "customField", "customField": "plugin::color-picker.color"},  # a kind the table lacks
}
EXPECTED_VALUE_TYPES = {
    "s": "string", "t": "string", "rt": "string", "e": "string", "u": "string", "p": "string", "en": "string",
    "i": "integer", "bi": "string", "f": "number", "d": "number", "b": "boolean", "da": "string", "ti": "string",
    "dt": "string", "ts": "string", "j": None, "bl": "array", "m": "array", "m1": "object", "c": "array",
    "c1": "object", "dz": "array", "r1": "object", "rn": "array", "cf": None,
}


def _thing() -> ContentTypeSchema:
    return ContentTypeSchema({"kind": "collectionType", "info": {"singularName": "thing", "pluralName": "things"},
                              "options": {"draftAndPublish": True}, "attributes": ALL_TYPES}, "thing")


@pytest.mark.parametrize("name", sorted(ALL_TYPES))
def test_every_attribute_type_is_mapped(name: str) -> None:
    attr = ALL_TYPES[name]
    assert attribute_value_schema(attr).get("type") == EXPECTED_VALUE_TYPES[name]
    assert input_value_schema(attr) is not None


def test_every_kind_the_reference_stores_is_in_the_table() -> None:
    from reference_impl.openapi import ATTRIBUTE_KINDS
    from reference_impl.schema import SCALAR_TYPES

    assert SCALAR_TYPES | {"relation", "media", "component", "dynamiczone"} <= set(ATTRIBUTE_KINDS)


def test_unknown_kinds_are_permissive_and_never_filtered() -> None:
    thing = _thing()
    assert input_value_schema(ALL_TYPES["cf"]) == {} == attribute_value_schema({"no": "type"})
    assert "cf" not in thing.scalar_fields()
    document = build_document([thing])
    assert document["components"]["schemas"]["ThingDocument"]["properties"]["cf"] == {}
    assert "cf" not in document["components"]["schemas"]["ThingFilters"]["properties"]


def test_attribute_details() -> None:
    assert attribute_value_schema(ALL_TYPES["en"])["enum"] == ["a", "b"]
    assert attribute_value_schema(ALL_TYPES["e"])["format"] == "email"
    assert attribute_value_schema(ALL_TYPES["dt"])["format"] == "date-time"
    assert attribute_value_schema(ALL_TYPES["s"])["maxLength"] == 10
    assert input_value_schema(ALL_TYPES["rn"]) == {"type": "array", "items": {"type": "string", "minLength": 1}}
    assert input_value_schema(ALL_TYPES["i"])["type"] == ["integer", "null"]
    # Answers may hold integers past 32 bits (SQLite); requests stay within them.
    assert "maximum" not in attribute_value_schema(ALL_TYPES["i"])
    assert input_value_schema(ALL_TYPES["i"])["maximum"] == 2**31 - 1


def test_all_types_document_loads_in_schemathesis() -> None:
    document = build_document([_thing()], ["api::thing.thing.find"])
    schema = load_schema(document)
    labels = sorted(r.ok().label for r in schema.get_all_operations())
    assert labels == ["DELETE /api/things/{id}", "GET /api/things", "GET /api/things/{id}", "POST /api/things",
                      "PUT /api/things/{id}"]
    thing = document["components"]["schemas"]["ThingDocument"]["properties"]
    assert "p" not in thing  # passwords are never answered
    assert document["paths"]["/api/things"]["get"]["security"] == [{"bearerAuth": []}, {}]
    assert document["paths"]["/api/things"]["post"]["security"] == [{"bearerAuth": []}]


def test_fixture_document_describes_strapis_routes_and_answers() -> None:
    document = fixture_document()
    assert document["openapi"] == "3.1.0"
    assert sorted(document["paths"]) == ["/api/articles", "/api/articles/{id}", "/api/authors", "/api/authors/{id}",
                                         "/api/guides", "/api/guides/{id}", "/api/homepage", "/api/pages",
                                         "/api/pages/{id}", "/api/players", "/api/players/{id}", "/api/products",
                                         "/api/products/{id}", "/api/tags", "/api/tags/{id}", "/api/teams",
                                         "/api/teams/{id}"]
    articles = document["paths"]["/api/articles"]
    assert set(articles["post"]["responses"]) == {"201", "400", "401", "403", "413"}  # never 500
    assert "secret" not in document["components"]["schemas"]["ArticleDocument"]["properties"]
    links = articles["post"]["responses"]["201"]["links"]
    assert links["article.findOne"]["parameters"] == {"id": "$response.body#/data/documentId"}
    tag_write = document["paths"]["/api/tags"]["post"]["security"]
    assert tag_write == [{"bearerAuth": []}]  # the action the Public role lacks
    error = document["components"]["responses"]["NotFound"]["content"]["application/json"]["schema"]
    assert error["properties"]["error"]["properties"]["status"]["const"] == 404


def _url(query: dict[str, Any]) -> str:
    operation = load_schema(fixture_document())["/api/articles"]["GET"]
    # The serializer schemathesis applies to every generated query (deepObject → nested brackets).
    serialize = operation.get_parameter_serializer("query")
    case = operation.Case(query=serialize(dict(query)))
    return unquote(str(prepare(case, "http://x.invalid", {}).url))


def test_nested_filters_serialize_in_bracket_syntax() -> None:
    url = _url({"filters": {"title": {"$eq": "x"}, "author": {"name": {"$in": ["a", "b"]}}}})
    assert "filters[title][$eq]=x" in url
    assert "filters[author][name][$in][0]=a" in url and "filters[author][name][$in][1]=b" in url


def test_pagination_sort_fields_populate_serialize_as_qs_reads_them() -> None:
    url = _url({"pagination": {"page": 2, "pageSize": 5}, "sort": ["title:asc", "views"], "fields": ["title"],
                "populate": {"author": {"fields": ["name"]}}})
    for part in ("pagination[page]=2", "pagination[pageSize]=5", "sort=title:asc", "sort=views", "fields=title",
                 "populate[author][fields][0]=name"):
        assert part in url, part


def test_generated_cases_use_brackets() -> None:
    schema = load_schema(fixture_document())
    strategy = schema["/api/articles"]["GET"].as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)
    seen: list[str] = []

    from hypothesis import HealthCheck, given, seed, settings

    @seed(1)
    # too_slow only, as in the fuzzer (conformance/fuzz/runner.py): wall time on a busy machine.
    @settings(max_examples=30, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=strategy)
    def collect(case: Any) -> None:
        seen.append(unquote(str(prepare(case, "http://x.invalid", {}).url)))

    collect()
    assert any("filters[" in url and "][$" in url for url in seen)
