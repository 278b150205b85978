"""Query Engine lifecycle hooks: ``before<Action>`` / ``after<Action>`` around every query.

Subscribers run in Strapi's order: the timestamps subscriber, then the models' ``lifecycles``
modules, then programmatic subscribers in subscription order.  Each subscriber gets its own
``event.state`` and finds the same object (even if replaced) in its after hook for that query.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ACTIONS = (
    "create",
    "createMany",
    "update",
    "updateMany",
    "delete",
    "deleteMany",
    "count",
    "findOne",
    "findMany",
)


@dataclass
class Event:
    """What a hook receives: ``action`` is the hook name (``beforeCreate``), ``model`` the content type."""

    action: str
    model: Any
    params: dict[str, Any]
    state: Any = field(default_factory=dict)
    result: Any = None


Subscriber = dict[str, Any] | Callable[[Event], Any]


def _hook_name(when: str, action: str) -> str:
    return when + action[0].upper() + action[1:]


# Every query asks for its hook names: worked out once.
_HOOK_NAMES = {action: (_hook_name("before", action), _hook_name("after", action)) for action in ACTIONS}


def _timestamps(event: Event) -> None:
    """The built-in subscriber that stamps ``createdAt``/``updatedAt`` before writes."""
    data = event.params.get("data")
    if not isinstance(data, dict):
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    if event.action in ("beforeCreate", "beforeCreateMany"):
        data.setdefault("createdAt", now)
        data.setdefault("updatedAt", now)
    elif event.action in ("beforeUpdate", "beforeUpdateMany"):
        data["updatedAt"] = now


class Lifecycles:
    """``strapi.db.lifecycles``: the subscriber list and the runner the Query Engine calls."""

    def __init__(self) -> None:
        self._builtin: list[Subscriber] = [_timestamps]
        self._models: list[Subscriber] = []
        self._programmatic: list[Subscriber] = []
        self._by_uid: dict[str, list[Subscriber]] = {}  # every query asks: worked out once per model

    def add_model_lifecycles(self, uid: str, hooks: dict[str, Callable[..., Any]]) -> None:
        self._models.append({"models": [uid], **hooks})
        self._by_uid.clear()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber (a dict with ``models`` and hooks, or a function of every event)."""
        self._programmatic.append(subscriber)
        self._by_uid.clear()

        def unsubscribe() -> None:
            if subscriber in self._programmatic:
                self._programmatic.remove(subscriber)
                self._by_uid.clear()

        return unsubscribe

    def _matching(self, uid: str) -> list[Subscriber]:
        out = self._by_uid.get(uid)
        if out is None:
            out = self._by_uid[uid] = [
                sub for sub in (*self._builtin, *self._models, *self._programmatic)
                if not (isinstance(sub, dict) and sub.get("models") and uid not in sub["models"])
            ]
        return out

    async def run(self, action: str, model: Any, params: dict[str, Any], execute: Callable[[], Awaitable[Any]],
                  after_on_none: bool = True) -> Any:
        """Run the before hooks, the query, then the after hooks with each subscriber's state.

        ``after_on_none=False``: a ``None`` result (an update or delete that matched nothing) returns
        at once, without after hooks, as Strapi's entity manager does.
        """
        subscribers = self._matching(model.uid)
        names = _HOOK_NAMES.get(action)
        before, after = names if names is not None else (_hook_name("before", action), _hook_name("after", action))
        states: list[Any] = []
        for sub in subscribers:
            event = Event(before, model, params)
            await _call(sub, before, event)
            states.append(event.state)
        result = await execute()
        if result is None and not after_on_none:
            return None
        for sub, state in zip(subscribers, states, strict=True):
            await _call(sub, after, Event(after, model, params, state, result))
        return result


async def _call(sub: Subscriber, hook: str, event: Event) -> None:
    fn = sub.get(hook) if isinstance(sub, dict) else sub
    if fn is None:
        return
    out = fn(event)
    if out is not None and inspect.isawaitable(out):  # most hooks are plain functions returning None
        await out
