"""A Koa-like request context: one object per request, shared by every layer of the chain.

Only what the chain needs is here: the request (method, path, headers, query, body), the response
(status, body, headers) with Koa's "explicit status" bookkeeping, ``state``, route ``params`` and the
``ctx.<status>()`` helpers Strapi adds (``ctx.notFound()``, ``ctx.badRequest(msg, details)``, ...).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from .errors import STATUS_PHRASES, HttpError, error_envelope, http_error_name

EMPTY_STATUSES = frozenset({204, 205, 304})
Receive = Callable[[], Awaitable[dict[str, Any]]]


class Context:
    """The ``ctx`` of Koa, as Strapi extends it."""

    __slots__ = (
        "app",
        "method",
        "path",
        "querystring",
        "headers",
        "client",
        "_query",
        "query_parser",
        "_receive",
        "raw_body",
        "request_body",
        "files",
        "params",
        "state",
        "_status",
        "_body",
        "explicit_status",
        "explicit_null_body",
        "response_headers",
        "message",
    )

    def __init__(
        self,
        app: Any,
        method: str,
        path: str,
        querystring: str,
        headers: dict[str, str],
        receive: Receive | None = None,
        client: tuple[str, int] | None = None,
    ) -> None:
        self.app = app
        self.method = method
        self.path = path
        self.querystring = querystring
        self.headers = headers
        self.client = client
        self._query: Any = None
        self.query_parser: Callable[[str], dict[str, Any]] | None = None
        self._receive = receive
        self.raw_body: bytes | None = None
        self.request_body: Any = None
        self.files: Any = None
        self.params: dict[str, str] = {}
        self.state: dict[str, Any] = {}
        self._status = 404
        self._body: Any = None
        self.explicit_status = False
        self.explicit_null_body = False
        self.response_headers: dict[str, str] = {}
        self.message: str | None = None

    # -- request -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.path + ("?" + self.querystring if self.querystring else "")

    @property
    def query(self) -> dict[str, Any]:
        """The parsed query string; ``strapi::query`` installs the qs parser."""
        if self._query is None:
            if self.query_parser is not None:
                self._query = self.query_parser(self.querystring)
            else:
                self._query = {}
                for part in self.querystring.split("&"):
                    if part:
                        key, _, value = part.partition("=")
                        self._query[unquote(key)] = unquote(value.replace("+", " "))
        return self._query

    @query.setter
    def query(self, value: dict[str, Any]) -> None:
        self._query = value

    def get(self, header: str) -> str:
        return self.headers.get(header.lower(), "")

    async def read_body(self, limit: int) -> bytes:
        """Read the whole request body; more than ``limit`` bytes raises 413 before reading on."""
        if self.raw_body is not None:
            return self.raw_body
        length = self.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise HttpError(413, "request entity too large")
        chunks: list[bytes] = []
        size = 0
        more = self._receive is not None
        while more:
            assert self._receive is not None
            message = await self._receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise HttpError(413, "request entity too large")
            chunks.append(chunk)
            more = message.get("more_body", False)
        self.raw_body = b"".join(chunks)
        return self.raw_body

    # -- response ----------------------------------------------------------------------------
    @property
    def status(self) -> int:
        return self._status

    @status.setter
    def status(self, code: int) -> None:
        self._status = code
        self.explicit_status = True
        self.message = STATUS_PHRASES.get(code, "")
        if code in EMPTY_STATUSES:
            self._body = None

    @property
    def body(self) -> Any:
        return self._body

    @body.setter
    def body(self, value: Any) -> None:
        self._body = value
        if value is None:
            if self._status not in EMPTY_STATUSES:
                self.status = 204
            self.explicit_null_body = True
            return
        if not self.explicit_status:
            self.status = 200

    def set(self, header: str, value: str) -> None:
        self.response_headers[header.lower()] = value

    def remove(self, header: str) -> None:
        self.response_headers.pop(header.lower(), None)

    # -- Strapi's helpers ----------------------------------------------------------------------
    def send_error(self, status: int, message: str | None = None, details: Any = None) -> None:
        """``ctx.<status>(message, details)``: an http-errors body with ``details`` defaulting to {}."""
        self.status = status
        self.body = error_envelope(
            status,
            http_error_name(status),
            STATUS_PHRASES.get(status, "Error") if message is None else message,
            {} if details is None else details,
        )

    def bad_request(self, message: str | None = None, details: Any = None) -> None:
        self.send_error(400, message, details)

    def unauthorized(self, message: str | None = None, details: Any = None) -> None:
        self.send_error(401, message, details)

    def forbidden(self, message: str | None = None, details: Any = None) -> None:
        self.send_error(403, message, details)

    def not_found(self, message: str | None = None, details: Any = None) -> None:
        self.send_error(404, message, details)

    def payload_too_large(self, message: str | None = None, details: Any = None) -> None:
        self.send_error(413, message, details)

    def throw(self, status: int, message: str | None = None) -> None:
        raise HttpError(status, message)

    def created(self, data: Any) -> None:
        self.status = 201
        self.body = data

    def deleted(self, data: Any = None) -> None:
        if data is None:
            self.status = 204
        else:
            self.status = 200
            self.body = data


_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar("request_context", default=None)


class RequestContext:
    """``strapi.requestContext``: the current request's ctx, for code that is given none."""

    @staticmethod
    def get() -> Context | None:
        return _current.get()

    @staticmethod
    def run(ctx: Context) -> contextvars.Token[Context | None]:
        return _current.set(ctx)

    @staticmethod
    def reset(token: contextvars.Token[Context | None]) -> None:
        _current.reset(token)


async def request_context_middleware(ctx: Context, next: Callable[[], Awaitable[Any]]) -> Any:
    """The outermost layer: the ctx of the request being served is ``RequestContext.get()`` below it."""
    token = _current.set(ctx)
    try:
        return await next()
    finally:
        _current.reset(token)
