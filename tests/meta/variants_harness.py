"""Hollow targets: implementations that look conformant to a harness that believes what it is told.

Each one hides a fault behind something the harness takes on trust (a declared capability, a fixed
wait, the first matching delivery, a subset comparison).  The suite must catch each: the affected
scenarios fail on their own assertions, or the run refuses to start (exit 2) naming what it could
not prove.  Those the harness on main cannot catch yet are listed in ``PENDING_HARNESS``
(variants.py) with what will catch them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conformance.fixture.python import components, probe
from reference_impl import context, controllers, documents, errors
from reference_impl.webhooks import WebhookRunner

from .patching import replace, wrap
from .variants import variant

MP = pytest.MonkeyPatch

# The scenarios whose only trace assertion is an absence: with an empty trace they prove nothing.
_ABSENCE_ONLY = "AU-016 AU-017 CH-009 CT-006 CT-007 GM-003 GM-005 GM-006 LC-006 LC-012 LC-017 PO-019 RM-003 RM-005 RM-013 SV-008"


@variant("hollow-trace-declared-but-empty", "harness: capabilities",
         "the fixture declares the trace capability but records no marker (the header is always empty)",
         kills=_ABSENCE_ONLY, exit2=r"\btrace\b")
def _(mp: MP) -> None:
    replace(mp, probe, "mark", lambda *args, **kwargs: None)


@variant("hollow-discovery-500", "harness: capabilities",
         "GET /api/conformance/info answers 500: the harness must not fall back to a black-box run",
         kills="PO-001 AU-007 WH-004", exit2=r"conformance/info")
def _(mp: MP) -> None:
    async def info(self: Any, ctx: Any) -> Any:
        raise RuntimeError("discovery is broken")

    replace(mp, components.ConformanceController, "info", info)


def _sent_for_aborted_creates(mp: MP) -> None:
    """A create that fails (a lifecycle hook or the query throws) still sends ``entry.create``."""
    @wrap(mp, documents.DocumentRepository, "create")
    async def create(original: Any, self: documents.DocumentRepository, params: dict[str, Any]) -> Any:
        try:
            return await original(self, params)
        except Exception:
            data = dict(params.get("data") or {})
            self.strapi.event_hub.emit("entry.create", {"model": self.ct.singular_name, "uid": self.ct.uid,
                                                        "entry": data})
            raise


@variant("webhook-sent-for-aborted-create", "webhooks",
         "a create that a lifecycle hook aborts still sends entry.create", kills="WH-012")
def _(mp: MP) -> None:
    _sent_for_aborted_creates(mp)


@variant("hollow-webhooks-1s-late", "harness: webhooks",
         "webhook-sent-for-aborted-create with every delivery posted 1 s late, after a fixed negative wait",
         kills="WH-012", exit2=r"webhook")
def _(mp: MP) -> None:
    _sent_for_aborted_creates(mp)

    @wrap(mp, WebhookRunner, "_deliver")
    async def deliver(original: Any, self: WebhookRunner, previous: asyncio.Task[None] | None, url: str, event: str,
                      body: str, headers: dict[str, str]) -> None:
        # Each delivery waits 1 s on its own, then keeps its turn: late, not a growing queue.
        await asyncio.sleep(1.0)
        await original(self, previous, url, event, body, headers)


@variant("hollow-webhooks-twice", "harness: webhooks", "every webhook delivery is posted twice",
         kills="WH-001 WH-002 WH-003 WH-004 WH-005 WH-006 WH-007 WH-008 WH-009 WH-011", exit2=r"webhook")
def _(mp: MP) -> None:
    @wrap(mp, WebhookRunner, "_post")
    async def post(original: Any, self: WebhookRunner, url: str, event: str, body: str, headers: dict[str, str]) -> None:
        await original(self, url, event, body, headers)
        await original(self, url, event, body, headers)


@variant("hollow-error-stack-key", "harness: exact shapes",
         "error objects carry an extra stack key (what a development error page leaks)",
         kills="ER-009 ER-001 ER-003 PO-001 AU-003 RT-006 GM-007")
def _(mp: MP) -> None:
    @wrap(mp, errors, "error_envelope")
    def envelope(original: Any, status: int, name: str, message: str, details: Any = None) -> dict[str, Any]:
        body = original(status, name, message, details)
        body["error"]["stack"] = f"{name}: {message}\n    at handler (src/index.js:1:1)"
        return body

    # Every error body is built here: by strapi::errors for thrown errors, by the context for the rest.
    replace(mp, context, "error_envelope", errors.error_envelope)  # the patched one: wrap returns the bare function


@variant("hollow-findone-meta-pagination", "harness: exact shapes",
         "findOne answers meta {pagination} instead of the empty meta", kills="CT-003 RT-002")
def _(mp: MP) -> None:
    @wrap(mp, controllers.CoreController, "findOne")
    async def find_one(original: Any, self: controllers.CoreController, ctx: Any) -> Any:
        body = await original(self, ctx)
        if isinstance(body, dict) and body.get("meta") == {}:
            body["meta"] = {"pagination": {"page": 1, "pageSize": 25, "pageCount": 1, "total": 1}}
        return body

