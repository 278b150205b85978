"""Route policies: read-only checks that run after authorization and before route middlewares.

A policy is ``policy(policy_context, config, strapi)``; it passes when it returns ``True`` or
``None``.  Any other value throws ``PolicyError`` (403 "Policy Failed"); a thrown ``PolicyError``
keeps its message and details.  Policies run in listed order and the first failure stops the rest.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .compose import Middleware, Next
from .errors import PolicyError

if TYPE_CHECKING:
    from .context import Context
    from .strapi import Strapi

PolicyHandler = Callable[..., Any]


class PolicyContext:
    """What a policy sees: the request, ``state`` and ``params`` of ctx, but no way to answer."""

    __slots__ = ("request", "state", "params", "type")

    def __init__(self, ctx: Context) -> None:
        self.request = SimpleNamespace(
            method=ctx.method,
            path=ctx.path,
            url=ctx.url,
            headers=ctx.headers,
            query=ctx.query,
            body=ctx.request_body,
        )
        self.state = ctx.state
        self.params = ctx.params
        self.type = "koa"

    def is_(self, kind: str) -> bool:
        return kind == self.type


def _entry_name_and_config(entry: Any) -> tuple[Any, dict[str, Any]]:
    if isinstance(entry, dict):
        return entry.get("name"), entry.get("config") or {}
    return entry, {}


def resolve_policies(strapi: Strapi, entries: list[Any], api_name: str | None) -> list[tuple[PolicyHandler, dict[str, Any]]]:
    """Resolve route policy entries to handlers; an unknown name is an error naming it."""
    resolved = []
    for entry in entries:
        name, config = _entry_name_and_config(entry)
        if callable(name):
            resolved.append((name, config))
            continue
        policy = strapi.policies.get(name)
        if policy is None and api_name and "::" not in str(name):
            policy = strapi.policies.get(f"api::{api_name}.{name}")
        if policy is None:
            raise LookupError(f"Policy {name} not found.")
        handler = policy
        if isinstance(policy, dict):
            validator = policy.get("validator")
            if validator is not None:
                try:
                    validator(config)
                except Exception as exc:
                    raise ValueError(f'Invalid config passed to "{name}" policy.') from exc
            handler = policy["handler"]
        resolved.append((handler, config))
    return resolved


def policies_middleware(strapi: Strapi, policies: list[tuple[PolicyHandler, dict[str, Any]]]) -> Middleware:
    async def run_policies(ctx: Context, next: Next) -> Any:
        policy_context = PolicyContext(ctx)
        for handler, config in policies:
            result = handler(policy_context, config, strapi)
            if inspect.isawaitable(result):
                result = await result
            if not (result is True or result is None):
                raise PolicyError()
        return await next()

    return run_policies
