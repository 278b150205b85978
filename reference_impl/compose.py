"""The onion: koa-compose in Python.

Each middleware gets ``(ctx, next)``; awaiting ``next()`` runs the rest of the stack and returns its
value; returning without awaiting ``next()`` short-circuits everything downstream while the layers
upstream still run their code after their own ``await next()``, in exact reverse order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

Next = Callable[[], Awaitable[Any]]
Middleware = Callable[[Any, Next], Awaitable[Any]]


async def _end() -> None:
    return None


def compose(middlewares: Sequence[Middleware]) -> Middleware:
    """Compose ``middlewares`` into one middleware; the outer ``next`` runs after the last one."""
    stack = tuple(middlewares)
    size = len(stack)

    async def composed(ctx: Any, next: Next = _end) -> Any:
        called = -1

        def dispatch(i: int) -> Awaitable[Any]:
            # ``next`` hands back the next layer's awaitable itself (no wrapper coroutine per layer):
            # awaiting it runs that layer, exactly as awaiting koa-compose's dispatch(i) does.
            nonlocal called
            if i <= called:
                raise RuntimeError("next() called multiple times")
            called = i
            if i == size:
                return next()
            return stack[i](ctx, lambda: dispatch(i + 1))

        return await dispatch(0)

    return composed
