"""The harness' document (from the fixture's schema.json) and the one the reference implementation
serves (from what it loaded) describe the same content API."""

from __future__ import annotations

from typing import Any

from conformance.openapi import fixture_document
from conformance.targets.reference import ReferenceTarget


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            out[f"{method.upper()} {path}"] = op
    return out


def _served(reference: ReferenceTarget) -> dict[str, Any]:
    with reference.client() as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_served_document_needs_no_token(reference: ReferenceTarget) -> None:
    with reference.client() as client:
        client.headers["Authorization"] = "Bearer garbage"
        assert client.get("/openapi.json").status_code == 200


def test_same_operations_parameters_bodies_and_responses(reference: ReferenceTarget) -> None:
    harness, served = _operations(fixture_document()), _operations(_served(reference))
    assert sorted(harness) == sorted(served)
    for label, op in harness.items():
        other = served[label]
        assert op["operationId"] == other["operationId"], label
        assert op["parameters"] == other["parameters"], label
        assert op.get("requestBody") == other.get("requestBody"), label
        assert op["responses"] == other["responses"], label
        assert op["security"] == other["security"], label


def test_same_schemas_responses_and_security_schemes(reference: ReferenceTarget) -> None:
    harness, served = fixture_document()["components"], _served(reference)["components"]
    assert sorted(harness["schemas"]) == sorted(served["schemas"])
    for name, schema in harness["schemas"].items():
        assert schema == served["schemas"][name], name
    assert harness["responses"] == served["responses"]
    assert harness["securitySchemes"] == served["securitySchemes"]


def test_served_document_loads_in_schemathesis(reference: ReferenceTarget) -> None:
    from conformance.fuzz.command import load_schema

    schema = load_schema(_served(reference))
    assert len([r.ok() for r in schema.get_all_operations()]) == 23
