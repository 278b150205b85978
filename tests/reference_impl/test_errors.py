"""Strapi's error classes, http-errors names, the envelope and strapi::errors' decisions."""

from __future__ import annotations

import pytest

from reference_impl import errors
from reference_impl.errors import (
    ERROR_CLASSES,
    ApplicationError,
    HttpError,
    error_envelope,
    format_error,
    http_error_name,
)

# name → (status, default message), from strapi-v5-facts §3.
EXPECTED = {
    "ApplicationError": (400, "An application error occurred"),
    "ValidationError": (400, "Validation error"),
    "YupValidationError": (400, "Validation error"),
    "PaginationError": (400, "Invalid pagination"),
    "NotFoundError": (404, "Entity not found"),
    "ForbiddenError": (403, "Forbidden access"),
    "UnauthorizedError": (401, "Unauthorized"),
    "RateLimitError": (429, "Too many requests, please try again later."),
    "PayloadTooLargeError": (413, "Entity too large"),
    "PolicyError": (403, "Policy Failed"),
    "NotImplementedError": (501, "This feature is not implemented yet"),
}


def test_every_class_is_registered() -> None:
    assert set(ERROR_CLASSES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_class_defaults_map_to_status_name_message_and_empty_details(name: str) -> None:
    status, message = EXPECTED[name]
    err = ERROR_CLASSES[name]()
    assert format_error(err) == (status, {"data": None, "error": {"status": status, "name": name,
                                                                  "message": message, "details": {}}})


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_custom_message_and_details_pass_through(name: str) -> None:
    err = ERROR_CLASSES[name]("custom", {"k": [1]})
    status, body = format_error(err)
    assert body["error"]["message"] == "custom"
    assert body["error"]["details"] == {"k": [1]}
    assert status == EXPECTED[name][0]


def test_policy_error_is_a_forbidden_error() -> None:
    assert issubclass(errors.PolicyError, errors.ForbiddenError)
    assert issubclass(errors.ForbiddenError, ApplicationError)


@pytest.mark.parametrize(
    ("status", "name"),
    [(400, "BadRequestError"), (401, "UnauthorizedError"), (403, "ForbiddenError"), (404, "NotFoundError"),
     (405, "MethodNotAllowedError"), (413, "PayloadTooLargeError"), (429, "TooManyRequestsError"),
     (500, "InternalServerError"), (503, "ServiceUnavailableError")],
)
def test_http_error_names(status: int, name: str) -> None:
    assert http_error_name(status) == name


def test_exposed_http_error_keeps_its_status_and_has_no_details_key() -> None:
    status, body = format_error(HttpError(400, "msg"))
    assert status == 400
    assert body == {"data": None, "error": {"status": 400, "name": "BadRequestError", "message": "msg"}}


@pytest.mark.parametrize("err", [RuntimeError("secret"), HttpError(502, "upstream"), KeyError("x")])
def test_unknown_and_server_errors_become_a_500_without_details(err: Exception) -> None:
    status, body = format_error(err)
    assert status == 500
    assert body == {"data": None, "error": {"status": 500, "name": "InternalServerError",
                                            "message": "Internal Server Error"}}
    assert "details" not in body["error"]


def test_envelope_drops_undefined_details_only() -> None:
    assert "details" not in error_envelope(400, "X", "m")["error"]
    assert error_envelope(400, "X", "m", {})["error"]["details"] == {}
