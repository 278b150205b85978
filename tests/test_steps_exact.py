"""Exact JSON steps, the error envelope, type-strict details and absences that need a trace."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from conformance.assertions import ConformanceFailure, mismatches
from conformance.steps.response import body_exactly, error_details, error_is, error_is_any, json_at_is_exactly
from conformance.steps.trace import trace_count, trace_lacks, trace_nested
from conformance.targets.base import TargetInfo
from conformance.world import World

BASE = "http://target.test"
NOT_FOUND: dict[str, Any] = {"data": None, "error": {"status": 404, "name": "NotFoundError", "message": "Not Found", "details": {}}}


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> World:
    """A World whose last answer is ``body`` (sent through a mocked transport)."""
    with respx.mock:
        respx.get(f"{BASE}/x").respond(status, json=body, headers=headers)
        client = httpx.Client(base_url=BASE)
        world = World(client, TargetInfo("t", "http"), None)
        world.request("GET", "/x")
    return world


# -- mismatches(exact=True) ------------------------------------------------------------------


def test_exact_rejects_extra_keys_where_the_subset_match_does_not() -> None:
    assert mismatches({"meta": {}}, {"meta": {"pagination": {"page": 1}}}) == []
    assert mismatches({"meta": {}}, {"meta": {"pagination": {"page": 1}}}, exact=True) == [
        '$.meta.pagination: expected no such key, got {"page": 1}']


def test_exact_applies_at_every_depth_and_inside_lists() -> None:
    expected = {"data": [{"a": 1}]}
    assert mismatches(expected, {"data": [{"a": 1}]}, exact=True) == []
    assert mismatches(expected, {"data": [{"a": 1, "b": 2}]}, exact=True) == ["$.data[0].b: expected no such key, got 2"]


@pytest.mark.parametrize(("expected", "actual", "equal"), [
    (1, 1, True), (1, 1.0, True), (1.5, 1.5, True),
    (1, True, False), (True, 1, False), (0, False, False), (False, 0, False),
    ("1", 1, False), (None, {}, False), ({}, [], False), ([], {}, False), (None, False, False),
])
def test_exact_is_type_strict(expected: Any, actual: Any, equal: bool) -> None:
    assert (mismatches({"x": expected}, {"x": actual}, exact=True) == []) is equal


def test_kinds_stay_wildcards_for_values_and_absent_keys_may_be_named() -> None:
    pattern = {"id": "<integer>", "title": "<string>", "total": "<absent>"}
    assert mismatches(pattern, {"id": 3, "title": "t"}, exact=True) == []
    assert mismatches(pattern, {"id": True, "title": "t"}, exact=True) != []
    assert mismatches(pattern, {"id": 3, "title": "t", "total": 0}, exact=True) != []


# -- steps --------------------------------------------------------------------------------


def test_meta_exactly_empty_fails_on_a_findone_with_pagination() -> None:
    world = _answer({"data": {"id": 1}, "meta": {"pagination": {"page": 1}}})
    with pytest.raises(ConformanceFailure, match=r"meta\.pagination: expected no such key"):
        json_at_is_exactly(world, "meta", "{}")
    json_at_is_exactly(_answer({"data": {"id": 1}, "meta": {}}), "meta", "{}")


def test_body_exactly_names_the_extra_key() -> None:
    with pytest.raises(ConformanceFailure, match=r"body \(exact\): \$\.extra"):
        body_exactly(_answer({"data": None, "extra": 1}), '{"data": null}')


def test_error_is_accepts_the_documented_envelope_with_or_without_details() -> None:
    error_is(_answer(NOT_FOUND, 404), "404", "NotFoundError", "Not Found")
    no_details = {"data": None, "error": {"status": 500, "name": "InternalServerError",
                                          "message": "Internal Server Error"}}
    error_is(_answer(no_details, 500), "500", "InternalServerError", "Internal Server Error")


@pytest.mark.parametrize(("body", "why"), [
    ({**NOT_FOUND, "error": {**NOT_FOUND["error"], "stack": "Error: at x"}}, r"\$\.error\.stack: expected no such key"),
    ({**NOT_FOUND, "meta": {}}, r"\$\.meta: expected no such key"),
    ({**NOT_FOUND, "error": {**NOT_FOUND["error"], "status": "404"}}, r"\$\.error\.status: expected 404"),
    ({**NOT_FOUND, "error": {**NOT_FOUND["error"], "details": "none"}}, r"\$\.error\.details: expected <object>"),
    ({**NOT_FOUND, "data": {}}, r"\$\.data: expected null"),
])
def test_error_is_rejects_anything_beside_the_envelope(body: dict[str, Any], why: str) -> None:
    with pytest.raises(ConformanceFailure, match=why):
        error_is(_answer(body, 404), "404", "NotFoundError", "Not Found")


def test_error_with_any_message_still_checks_the_envelope() -> None:
    body: dict[str, Any] = {"data": None, "error": {"status": 400, "name": "SyntaxError", "message": "Unexpected end"}}
    error_is_any(_answer(body, 400), "400")
    with pytest.raises(ConformanceFailure, match="stack"):
        error_is_any(_answer({**body, "error": {**body["error"], "stack": "x"}}, 400), "400")


def test_error_details_are_type_strict_and_exact() -> None:
    def answer(details: dict[str, Any]) -> World:
        return _answer({"data": None, "error": {"status": 400, "name": "ApplicationError", "message": "m",
                                                "details": details}}, 400)

    error_details(answer({"x": 1}), '{"x": 1}')
    with pytest.raises(ConformanceFailure, match=r"expected 1, got true"):
        error_details(answer({"x": True}), '{"x": 1}')
    with pytest.raises(ConformanceFailure, match=r"error\.details\.y: expected no such key"):
        error_details(answer({"x": 1, "y": 2}), '{"x": 1}')


# -- absences need a trace -----------------------------------------------------------------


@pytest.mark.parametrize(("headers", "word"), [(None, "missing"), ({"X-Conformance-Trace": ""}, "empty")])
def test_a_trace_absence_fails_without_a_trace(headers: dict[str, str] | None, word: str) -> None:
    world = _answer({"data": []}, 200, headers)
    message = f"trace: header X-Conformance-Trace {word}, cannot prove an absence"
    with pytest.raises(ConformanceFailure, match=message):
        trace_lacks(world, "policy:*")
    with pytest.raises(ConformanceFailure, match=message):
        trace_count(world, "policy:*", "0")
    with pytest.raises(ConformanceFailure, match="cannot prove the nesting"):
        trace_nested(world)


def test_a_trace_absence_holds_or_fails_on_a_recorded_trace() -> None:
    world = _answer({"data": []}, 200, {"X-Conformance-Trace": "gmw:first:in gmw:first:out"})
    trace_lacks(world, "policy:*")
    trace_count(world, "policy:*", "0")
    trace_nested(world)
    with pytest.raises(ConformanceFailure, match="expected no marker 'gmw:\\*'"):
        trace_lacks(world, "gmw:*")


# -- lists in any order ----------------------------------------------------------------------


def test_a_listed_message_matches_in_any_order_but_only_with_every_item_once_after_the_prefix() -> None:
    from conformance.steps.response import lists_in_any_order

    world = _answer({"error": {"message": "one of: b, a, c"}})
    lists_in_any_order(world, "error.message", "one of: ", "a, b, c")
    for prefix, items in (("one of: ", "a, b"), ("one of: ", "a, b, c, d"), ("one of: ", "a, a, b"),
                          ("any of: ", "a, b, c")):
        with pytest.raises(ConformanceFailure):
            lists_in_any_order(world, "error.message", prefix, items)
    with pytest.raises(ConformanceFailure):
        lists_in_any_order(_answer({"error": {}}), "error.message", "one of: ", "a")
