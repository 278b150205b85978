"""Strapi's error classes (``@strapi/utils`` errors) and the JSON error envelope.

``ApplicationError`` and its subclasses are the errors application code throws; ``HttpError`` mirrors
the ``http-errors`` objects that ``ctx.throw`` and the ``ctx.<status>()`` helpers produce.  The
``strapi::errors`` middleware turns either into ``{"data": null, "error": {...}}``.
"""

from __future__ import annotations

from typing import Any

# Node's STATUS_CODES reason phrases (http-errors derives the error name from them; Koa sends the
# phrase as the body of a status set without one).
STATUS_PHRASES: dict[int, str] = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ProjectError(Exception):
    """The project cannot be loaded or assembled: the message names the file or the name at fault."""


def http_error_name(status: int) -> str:
    """The ``name`` http-errors gives a status: the reason phrase in PascalCase plus ``Error``."""
    phrase = STATUS_PHRASES.get(status, "Internal Server Error" if status >= 500 else "Bad Request")
    name = "".join(word[:1].upper() + word[1:] for word in phrase.replace("-", " ").split())
    return name if name.endswith("Error") else name + "Error"


class ApplicationError(Exception):
    """Base of Strapi's public errors: message and details reach the client."""

    name = "ApplicationError"
    default_message = "An application error occurred"
    status = 400

    def __init__(self, message: str | None = None, details: Any = None) -> None:
        self.message = self.default_message if message is None else message
        self.details = {} if details is None else details
        super().__init__(self.message)


class ValidationError(ApplicationError):
    name = "ValidationError"
    default_message = "Validation error"


class YupValidationError(ValidationError):
    name = "YupValidationError"


class PaginationError(ApplicationError):
    name = "PaginationError"
    default_message = "Invalid pagination"


class NotFoundError(ApplicationError):
    name = "NotFoundError"
    default_message = "Entity not found"
    status = 404


class ForbiddenError(ApplicationError):
    name = "ForbiddenError"
    default_message = "Forbidden access"
    status = 403


class UnauthorizedError(ApplicationError):
    name = "UnauthorizedError"
    default_message = "Unauthorized"
    status = 401


class RateLimitError(ApplicationError):
    name = "RateLimitError"
    default_message = "Too many requests, please try again later."
    status = 429


class PayloadTooLargeError(ApplicationError):
    name = "PayloadTooLargeError"
    default_message = "Entity too large"
    status = 413


class PolicyError(ForbiddenError):
    name = "PolicyError"
    default_message = "Policy Failed"


class NotImplementedFeatureError(ApplicationError):
    name = "NotImplementedError"
    default_message = "This feature is not implemented yet"
    status = 501


ERROR_CLASSES: dict[str, type[ApplicationError]] = {
    cls.name: cls
    for cls in (
        ApplicationError,
        ValidationError,
        YupValidationError,
        PaginationError,
        NotFoundError,
        ForbiddenError,
        UnauthorizedError,
        RateLimitError,
        PayloadTooLargeError,
        PolicyError,
        NotImplementedFeatureError,
    )
}


class HttpError(Exception):
    """An ``http-errors`` error: what ``ctx.throw(status, msg)`` raises."""

    def __init__(self, status: int, message: str | None = None, details: Any = None, expose: bool | None = None,
                 name: str | None = None):
        self.status = status
        self.name = name or http_error_name(status)
        self.message = STATUS_PHRASES.get(status, "Error") if message is None else message
        self.details = details
        self.expose = status < 500 if expose is None else expose
        super().__init__(self.message)


def error_envelope(status: int, name: str, message: str, details: Any = None) -> dict[str, Any]:
    """``{"data": null, "error": {...}}``; ``details`` is left out when undefined, as JSON.stringify does."""
    error: dict[str, Any] = {"status": status, "name": name, "message": message}
    if details is not None:
        error["details"] = details
    return {"data": None, "error": error}


# SQLSTATE classes of a lost or refused connection: 08 connection exception, 57P operator intervention
# (server shutting down, crash recovery).
_UNAVAILABLE_SQLSTATES = ("08", "57P")
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def database_unavailable(err: BaseException) -> bool:
    """The database cannot be reached or is held by someone else (a lost connection, a server that is
    down or restarting, a SQLite file locked past the busy timeout): nothing was written, a retry may
    succeed. Strapi answers these with a plain 500 (an unhandled knex error); the reference answers
    503 so that a client knows it may retry."""
    import sqlalchemy.exc

    if not isinstance(err, sqlalchemy.exc.DBAPIError):
        return False
    if err.connection_invalidated or isinstance(err, sqlalchemy.exc.InterfaceError):
        return True
    if not isinstance(err, sqlalchemy.exc.OperationalError):
        return False
    orig = err.orig
    text = str(orig).lower()
    if any(marker in text for marker in _SQLITE_BUSY):
        return True
    if type(orig).__module__.startswith("psycopg"):
        state = getattr(orig, "sqlstate", None)
        return state is None or str(state).startswith(_UNAVAILABLE_SQLSTATES)
    return False


def format_error(err: BaseException) -> tuple[int, dict[str, Any]]:
    """Status and body for a thrown error, in the order ``strapi::errors`` checks them."""
    if isinstance(err, ApplicationError):
        return err.status, error_envelope(err.status, err.name, err.message, err.details)
    if isinstance(err, HttpError) and err.expose:
        return err.status, error_envelope(err.status, err.name, err.message, err.details)
    if database_unavailable(err):
        return 503, error_envelope(503, "ServiceUnavailableError", "Service Unavailable",
                                   {"reason": "the database is unavailable"})
    return 500, error_envelope(500, "InternalServerError", "Internal Server Error")
