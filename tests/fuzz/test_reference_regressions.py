"""Regression tests for what the fuzzer found in the reference implementation (one test per fix)."""

from __future__ import annotations

import uuid

import httpx


def _batch() -> str:
    return uuid.uuid4().hex


def test_comparison_operators_on_booleans_answer_200(api: httpx.Client) -> None:
    # Found by `conformance fuzz`: filters[featured][$gt]=false crashed the query builder (500).
    batch = _batch()
    for featured in (True, False):
        assert api.post("/api/articles", json={"data": {"batch": batch, "featured": featured}}).status_code == 201
    for op, expected in (("$gt", [True]), ("$gte", [False, True]), ("$lt", []), ("$lte", [False])):
        response = api.get("/api/articles", params={"filters[batch][$eq]": batch, f"filters[featured][{op}]": "false",
                                                    "sort": "featured"})
        assert response.status_code == 200, response.text
        assert [e["featured"] for e in response.json()["data"]] == expected, op
