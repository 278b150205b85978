"""koa-compose: onion order, short-circuit, return values, next() twice."""

from __future__ import annotations

from typing import Any

import pytest

from reference_impl.compose import Middleware, Next, compose


async def _end() -> None:
    return None

pytestmark = pytest.mark.anyio


def tracer(log: list[str], name: str) -> Middleware:
    async def mw(ctx: Any, next: Next) -> Any:
        log.append(f"{name}:in")
        value = await next()
        log.append(f"{name}:out")
        return value

    return mw


async def test_onion_order_and_outer_next() -> None:
    log: list[str] = []

    async def outer_next() -> str:
        log.append("end")
        return "end-value"

    chain = compose([tracer(log, "a"), tracer(log, "b"), tracer(log, "c")])
    assert await chain(None, outer_next) == "end-value"
    assert log == ["a:in", "b:in", "c:in", "end", "c:out", "b:out", "a:out"]


async def test_short_circuit_skips_downstream_but_upstream_still_unwinds() -> None:
    log: list[str] = []

    async def stop(ctx: Any, next: Next) -> Any:
        log.append("stop")
        return "stopped"

    chain = compose([tracer(log, "a"), stop, tracer(log, "never")])
    assert await chain(None, _end) == "stopped"
    assert log == ["a:in", "stop", "a:out"]


async def test_return_values_travel_back_up() -> None:
    async def doubler(ctx: Any, next: Next) -> Any:
        return 2 * await next()

    async def leaf(ctx: Any, next: Next) -> Any:
        return 21

    assert await compose([doubler, leaf])(None, _end) == 42


async def test_next_called_twice_raises() -> None:
    async def twice(ctx: Any, next: Next) -> Any:
        await next()
        await next()

    with pytest.raises(RuntimeError, match="next\\(\\) called multiple times"):
        await compose([twice, tracer([], "x")])(None, _end)


async def test_ctx_is_shared_and_errors_propagate_through_the_onion() -> None:
    seen: list[Any] = []

    async def catcher(ctx: Any, next: Next) -> Any:
        try:
            await next()
        except ValueError as exc:
            seen.append((ctx["id"], str(exc)))
            return "caught"

    async def boom(ctx: Any, next: Next) -> Any:
        raise ValueError("boom")

    assert await compose([catcher, boom])({"id": 7}, _end) == "caught"
    assert seen == [(7, "boom")]


async def test_empty_stack_runs_the_outer_next() -> None:
    async def outer() -> int:
        return 1

    assert await compose([])(None, outer) == 1
