"""Reusable faulty building blocks for the variants: onions that are not quite koa-compose."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from typing import Any

from reference_impl.compose import Middleware, Next


async def _end() -> None:
    return None


def compose_calling_skipped_next(middlewares: Sequence[Middleware]) -> Middleware:
    """A middleware that returns without calling ``next()`` does not stop the chain: the rest runs."""
    stack = tuple(middlewares)

    async def composed(ctx: Any, next: Next = _end) -> Any:
        async def dispatch(i: int) -> Any:
            if i == len(stack):
                return await next()
            called = False

            async def downstream() -> Any:
                nonlocal called
                called = True
                return await dispatch(i + 1)

            result = await stack[i](ctx, downstream)
            if not called:
                await dispatch(i + 1)
            return result

        return await dispatch(0)

    return composed


def compose_unwinding_forward(middlewares: Sequence[Middleware]) -> Middleware:
    """The code after ``next()`` runs in the order the layers were entered, not in reverse.

    Every layer runs in its own task; ``next()`` starts the layer below and waits for its turn,
    and the turns are given outermost first once the way down has ended.  An error is raised to
    the caller once every layer has finished (no layer above sees it).
    """
    stack = tuple(middlewares)

    async def composed(ctx: Any, next: Next = _end) -> Any:
        turns = [asyncio.Event() for _ in stack]
        tasks: list[asyncio.Future[Any]] = []
        bottom = asyncio.Event()

        def start(i: int) -> None:
            async def layer() -> Any:
                if i == len(stack):
                    try:
                        return await next()
                    finally:
                        bottom.set()

                async def downstream() -> None:
                    start(i + 1)
                    await turns[i].wait()

                try:
                    return await stack[i](ctx, downstream)
                finally:
                    if len(tasks) == i + 1:  # nothing started below: the way down ends here
                        bottom.set()

            tasks.append(asyncio.ensure_future(layer()))

        start(0)
        await bottom.wait()
        error: BaseException | None = None
        for i, task in enumerate(tasks):
            if i < len(turns):
                turns[i].set()
            try:
                await task
            except Exception as exc:  # noqa: BLE001 (kept for the caller, like a lost error)
                error = error or exc
        if error is not None:
            raise error
        return None

    return composed


def compose_with_copied_params(middlewares: Sequence[Middleware]) -> Middleware:
    """Document Service middlewares each get a copy of the context: their changes reach no one."""
    stack = tuple(middlewares)

    async def composed(context: Any, next: Next = _end) -> Any:
        async def dispatch(i: int) -> Any:
            if i == len(stack):
                return await next()
            own = {**context, "params": copy.deepcopy(context["params"])}
            return await stack[i](own, lambda: dispatch(i + 1))

        return await dispatch(0)

    return composed
