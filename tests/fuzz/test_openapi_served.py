"""The reference implementation's ``/openapi.json``: the harness' generator fed with what it loaded.

Both documents come from ``reference_impl/openapi.py``; what can still differ is the input, which
these tests pin: the routes the reference registered, its Public role and its REST configuration
must be the fixture's, so that fuzzing ``--openapi served`` and ``--openapi harness`` test the same API.
"""

from __future__ import annotations

from typing import Any

from conformance.openapi import fixture_document
from conformance.targets.reference import ReferenceTarget


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


def test_the_reference_serves_the_fixtures_content_api(reference: ReferenceTarget) -> None:
    served, harness = _served(reference), fixture_document()
    assert served["info"]["description"].startswith("Served by the reference implementation")
    assert served["paths"] == harness["paths"]
    assert served["components"] == harness["components"]


def test_served_document_loads_in_schemathesis(reference: ReferenceTarget) -> None:
    from conformance.fuzz.command import load_schema

    schema = load_schema(_served(reference))
    assert len([r.ok() for r in schema.get_all_operations()]) == 43
