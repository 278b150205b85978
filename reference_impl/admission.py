"""Admission control for the served app: a bound on the requests in flight.

Past ``limit`` requests being handled at once, a new one is answered at once with
``503 Service Unavailable``, the error envelope and ``Retry-After``, before it reaches any layer of
the chain: nothing is read from its body and nothing is written. Without a bound, a burst queues in
the event loop and on the database pool until clients time out with half of it done. Strapi has no
such limit of its own (a reverse proxy usually plays this part); ``python -m reference_impl serve``
sets it with ``--max-in-flight`` (``REFERENCE_MAX_IN_FLIGHT``), 0 turns it off.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from .errors import error_envelope

log = logging.getLogger("reference_impl.admission")
MAX_IN_FLIGHT_ENV = "REFERENCE_MAX_IN_FLIGHT"
DEFAULT_MAX_IN_FLIGHT = 512
RETRY_AFTER_S = 1

_BODY = json.dumps(error_envelope(503, "ServiceUnavailableError", "Service Unavailable",
                                  {"reason": "too many requests in flight"}), separators=(",", ":")).encode()


def max_in_flight(value: int | None = None) -> int:
    """``value``, else ``$REFERENCE_MAX_IN_FLIGHT``, else the default; 0 means no limit."""
    if value is not None:
        return max(0, value)
    raw = os.environ.get(MAX_IN_FLIGHT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_IN_FLIGHT
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValueError(f"{MAX_IN_FLIGHT_ENV}={raw!r}: expected an integer (0: no limit)") from None


class AdmissionLimit:
    """ASGI middleware: at most ``limit`` HTTP requests in the wrapped app at once."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self.refused = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.refused += 1
            if self.refused == 1 or self.refused % 1000 == 0:
                log.warning("admission: %d requests in flight, %d refused with 503 so far", self.in_flight, self.refused)
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(_BODY)).encode()),
                (b"retry-after", str(RETRY_AFTER_S).encode()),
                (b"connection", b"close"),
            ]})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else _BODY})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
