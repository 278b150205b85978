"""Variants that test the meta-test itself (``SELFTEST``, not part of the catalogue or the score).

Each is a break the meta-test must refuse to count as a targeted kill: a crash answering 500
everywhere, the same crash declared as being about a 500 (then too broad: nothing else passes), and
a fault that only breaks the scenarios' set-up.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance import probes
from conformance.fixture.python import components
from reference_impl import documents, errors, middlewares
from reference_impl.compose import Middleware, Next
from reference_impl.context import Context

from .patching import replace, wrap, wrap_item
from .variants import SELFTEST, variant

MP = pytest.MonkeyPatch


def _trust_capabilities(mp: MP) -> None:
    """Skip the capability probes: these variants test how the meta-test counts scenario failures,
    and the probes would refuse their broken targets (exit 2) before any scenario runs."""

    def verify(client: Any, info: Any, events_url: Any, webhook_timeout_s: float = 0.0, quiesce: Any = None) -> Any:
        info.declared = info.capabilities
        return info

    replace(mp, probes, "verify", verify)


def _everything_500(mp: MP) -> None:
    """Every request answers 500, except the fixture's own routes (discovery still works)."""
    _trust_capabilities(mp)
    @wrap_item(mp, middlewares, "BUILTINS", "strapi::errors")
    def factory(original: Any, config: dict[str, Any], strapi: Any) -> Middleware:
        inner = original(config, strapi)

        async def mw(ctx: Context, next: Next) -> Any:
            if ctx.path.startswith("/api/conformance/"):
                return await inner(ctx, next)
            ctx.status = 500
            ctx.body = errors.error_envelope(500, "InternalServerError", "Internal Server Error")
            return None

        return mw


@variant("selftest-everything-500", "meta self-test", "every content route answers 500 (a crash, not a targeted fault)",
         kills="RT-003 WH-004", registry=SELFTEST)
def _(mp: MP) -> None:
    _everything_500(mp)


@variant("selftest-everything-500-declared", "meta self-test",
         "every content route answers 500, declared as being about a 500: too broad",
         kills="RT-003 WH-004", crash_ok=True, registry=SELFTEST)
def _(mp: MP) -> None:
    _everything_500(mp)


@variant("selftest-setup-broken", "meta self-test",
         "the Document Service refuses every create: scenarios fail in their Given steps", kills="CT-003 RT-002",
         registry=SELFTEST)
def _(mp: MP) -> None:
    _trust_capabilities(mp)

    async def create(self: documents.DocumentRepository, params: dict[str, Any]) -> Any:
        raise errors.ValidationError("creates are refused")

    replace(mp, documents.DocumentRepository, "create", create)


@variant("selftest-protocol-99", "meta self-test",
         "discovery answers protocol 99: the run must refuse to start (exit 2), which catches the variant",
         kills="GM-016", exit2=r"protocol", registry=SELFTEST)
def _(mp: MP) -> None:
    @wrap(mp, components.ConformanceController, "info")
    async def info(original: Any, self: Any, ctx: Any) -> Any:
        return {**await original(self, ctx), "protocol": "99"}

