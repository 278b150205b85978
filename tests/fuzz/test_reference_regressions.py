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


def test_datetimes_before_year_1000_keep_four_digit_years(api: httpx.Client) -> None:
    # Found by `conformance fuzz`: publishDate 0706-07-13 came back as "706-07-13T...", not a date-time.
    response = api.post("/api/articles", json={"data": {"batch": _batch(), "publishDate": "0706-07-13T10:32:19.810Z"}})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["publishDate"] == "0706-07-13T10:32:19.810Z"


def test_single_type_write_with_unknown_populate_answers_400(api: httpx.Client) -> None:
    # Found by `conformance fuzz`: PUT /api/homepage?populate=<garbage> crashed in the query engine (500).
    for method in ("PUT", "DELETE"):
        for populate in ("nope", "headline"):
            response = api.request(method, "/api/homepage", params={"populate": populate},
                                   json={"data": {"headline": "x"}} if method == "PUT" else None)
            assert response.status_code == 400, (method, populate, response.text)
            assert response.json()["error"]["name"] == "ValidationError"


def test_values_outside_an_enumeration_or_not_emails_answer_400(api: httpx.Client) -> None:
    # Found by `conformance fuzz`: category "zzz" and email "useratexample.com" were stored and answered
    # (201 with a body outside the content type's schema); Strapi's entity validator rejects them.
    # Strapi 5.54.0 lists the allowed values with an empty one for null (the attribute is optional).
    cases = [("/api/articles", {"category": "zzz"}, "category must be one of the following values: news, tech, life, "),
             ("/api/authors", {"email": "useratexample.com"}, "email must be a valid email")]
    for path, data, message in cases:
        response = api.post(path, json={"data": {"batch": _batch(), **data}})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["message"] == message
        created = api.post(path, json={"data": {"batch": _batch()}}).json()["data"]["documentId"]
        assert api.put(f"{path}/{created}", json={"data": data}).status_code == 400
    assert api.post("/api/authors", json={"data": {"email": "ada@example.com"}}).status_code == 201


def test_integers_beyond_64_bits_filter_as_numbers_and_are_refused_as_values(api: httpx.Client) -> None:
    # Found by `conformance fuzz` over HTTP: filters[author][id][$lt]=36893488147419103232 overflowed the
    # SQLite driver (500).
    huge = str(2**65)
    for params in ({"filters[id][$lt]": huge}, {"filters[author][id][$ne]": huge},
                   {"filters[views][$in][0]": huge, "filters[views][$in][1]": "3"}):
        response = api.get("/api/articles", params=params)
        assert response.status_code == 200, (params, response.text)
    response = api.post("/api/articles", json={"data": {"views": 2**65}})
    assert response.status_code == 400, response.text



def test_numbers_and_booleans_in_string_attributes_answer_400(api: httpx.Client) -> None:
    # Found by `conformance fuzz` (negative_data_rejection on the reference, positive_data_acceptance
    # on Strapi 5.54.0, which answers 400): yup's string() is strict in Strapi's entity validator.
    for value, text in ((False, "false"), (120.0, "120"), (12, "12"), (1.5, "1.5")):
        response = api.post("/api/tags", json={"data": {"label": value, "batch": _batch()}})
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["name"] == "ValidationError"
        assert error["message"] == f"label must be a `string` type, but the final value was: `{text}`."
        assert error["details"]["errors"][0]["path"] == ["label"]
    created = api.post("/api/tags", json={"data": {"label": "ok", "batch": _batch()}})
    assert created.status_code == 201
    tag = created.json()["data"]["documentId"]
    assert api.put(f"/api/tags/{tag}", json={"data": {"label": True}}).status_code == 400
