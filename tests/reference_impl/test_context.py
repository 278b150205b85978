"""The Koa-like context: body/status bookkeeping, Strapi's ctx helpers and body reading."""

from __future__ import annotations

from typing import Any

import pytest

from reference_impl.app import encode_body
from reference_impl.context import Context
from reference_impl.errors import HttpError

pytestmark = pytest.mark.anyio


def make_ctx(method: str = "GET", path: str = "/", query: str = "", headers: dict[str, str] | None = None,
             receive: Any = None) -> Context:
    return Context(None, method, path, query, headers or {}, receive)


def test_defaults_are_koa_404_with_no_explicit_status() -> None:
    ctx = make_ctx()
    assert ctx.status == 404
    assert ctx.body is None
    assert ctx.explicit_status is False


def test_setting_a_body_without_status_gives_200() -> None:
    ctx = make_ctx()
    ctx.body = {"ok": True}
    assert ctx.status == 200
    assert ctx.explicit_status is True


def test_setting_a_body_keeps_an_explicit_status() -> None:
    ctx = make_ctx()
    ctx.status = 201
    ctx.body = {"ok": True}
    assert ctx.status == 201


def test_null_body_gives_204_and_marks_it_explicit() -> None:
    ctx = make_ctx()
    ctx.status = 200
    ctx.body = None
    assert ctx.status == 204
    assert ctx.explicit_null_body is True


def test_empty_status_drops_the_body() -> None:
    ctx = make_ctx()
    ctx.body = "text"
    ctx.status = 204
    assert ctx.body is None
    assert encode_body(ctx) == (b"", None)


def test_status_without_body_answers_the_reason_phrase_as_text() -> None:
    ctx = make_ctx()
    ctx.status = 409
    body, kind = encode_body(ctx)
    assert body == b"Conflict"
    assert kind is not None and kind.startswith(b"text/plain")


@pytest.mark.parametrize(
    ("value", "expected_type"),
    [({"a": 1}, b"application/json; charset=utf-8"), ("plain", b"text/plain; charset=utf-8"),
     ("<p>x</p>", b"text/html; charset=utf-8"), (b"\x00\x01", b"application/octet-stream")],
)
def test_encode_body_chooses_koa_content_types(value: Any, expected_type: bytes) -> None:
    ctx = make_ctx()
    ctx.body = value
    assert encode_body(ctx)[1] == expected_type


def test_error_helpers_build_the_envelope_with_empty_details() -> None:
    ctx = make_ctx()
    ctx.bad_request("name is missing", {"foo": "bar"})
    assert ctx.status == 400
    assert ctx.body == {"data": None, "error": {"status": 400, "name": "BadRequestError",
                                                 "message": "name is missing", "details": {"foo": "bar"}}}
    ctx.not_found()
    assert ctx.body["error"] == {"status": 404, "name": "NotFoundError", "message": "Not Found", "details": {}}
    ctx.forbidden()
    assert ctx.body["error"]["name"] == "ForbiddenError"
    ctx.unauthorized()
    assert ctx.body["error"]["message"] == "Unauthorized"
    ctx.payload_too_large()
    assert ctx.body["error"]["name"] == "PayloadTooLargeError"


def test_created_and_deleted() -> None:
    ctx = make_ctx()
    ctx.created({"id": 1})
    assert (ctx.status, ctx.body) == (201, {"id": 1})
    ctx = make_ctx()
    ctx.deleted()
    assert ctx.status == 204
    ctx = make_ctx()
    ctx.deleted({"id": 1})
    assert (ctx.status, ctx.body) == (200, {"id": 1})


def test_throw_raises_an_http_error() -> None:
    with pytest.raises(HttpError) as info:
        make_ctx().throw(400, "msg")
    assert (info.value.status, info.value.name, info.value.message, info.value.details) == (400, "BadRequestError", "msg", None)


def test_query_without_a_parser_decodes_plain_pairs() -> None:
    ctx = make_ctx(query="a=1&b=x+y&c=%C3%A9")
    assert ctx.query == {"a": "1", "b": "x y", "c": "é"}
    ctx.query = {"replaced": True}
    assert ctx.query == {"replaced": True}


def test_query_uses_the_installed_parser() -> None:
    ctx = make_ctx(query="filters[title][$eq]=x")
    ctx.query_parser = lambda qs: {"parsed": qs}
    assert ctx.query == {"parsed": "filters[title][$eq]=x"}


def test_header_lookup_is_case_insensitive_and_response_headers_are_lowercased() -> None:
    ctx = make_ctx(headers={"content-type": "application/json"})
    assert ctx.get("Content-Type") == "application/json"
    assert ctx.get("missing") == ""
    ctx.set("X-Thing", "1")
    assert ctx.response_headers == {"x-thing": "1"}
    ctx.remove("X-THING")
    assert ctx.response_headers == {}


def _receiver(chunks: list[bytes]) -> Any:
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    return receive


async def test_read_body_joins_chunks_and_caches() -> None:
    ctx = make_ctx("POST", receive=_receiver([b"ab", b"cd"]))
    assert await ctx.read_body(10) == b"abcd"
    assert await ctx.read_body(10) == b"abcd"


async def test_read_body_over_the_limit_by_content_length_is_413() -> None:
    ctx = make_ctx("POST", headers={"content-length": "11"}, receive=_receiver([b"x" * 11]))
    with pytest.raises(HttpError) as info:
        await ctx.read_body(10)
    assert info.value.status == 413


async def test_read_body_over_the_limit_while_streaming_is_413() -> None:
    ctx = make_ctx("POST", receive=_receiver([b"x" * 6, b"x" * 6]))
    with pytest.raises(HttpError) as info:
        await ctx.read_body(10)
    assert info.value.status == 413
