"""How a variant injects its fault: wrap an original (``wrap``), replace an attribute (``replace``) or
a registry entry (``replace_item``, ``remove_item``), always through a ``pytest.MonkeyPatch`` so that
``undo()`` restores it.

``wrap`` is the usual one: the decorated function gets the original as its first argument and
changes what goes in or comes out, instead of copying the original's body::

    @wrap(mp, DocumentRepository, "update")
    async def _(original: Any, self: DocumentRepository, params: dict[str, Any]) -> Any:
        result = await original(self, params)
        return await self.create(params) if result is None else result

Every patch is recorded as a ``PatchTarget`` (what was patched and the original's signature): the
test ``tests/meta/test_patch_targets.py`` injects every variant and compares what it patched with
``patch_targets.json``, so that a renamed target or a changed signature fails a test instead of
quietly turning a variant into one that patches nothing or patches the wrong thing. After checking
the variants against such a change, rewrite the file with ``python -m tests.meta.patching``.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import json
import sys
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])
SNAPSHOT = Path(__file__).with_name("patch_targets.json")


@dataclass(frozen=True)
class PatchTarget:
    where: str  # "reference_impl.documents.DocumentRepository.create", "...middlewares.BUILTINS['strapi::body']"
    signature: str  # the original's call signature, or its type for a value that is not callable

    def __str__(self) -> str:
        return f"{self.where} {self.signature}"


RECORDED: list[PatchTarget] = []


def _owner_name(owner: object) -> str:
    if isinstance(owner, ModuleType):
        return owner.__name__
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}"
    raise TypeError(f"patch a module or a class, not {type(owner).__name__}")


def _describe(value: Any) -> str:
    func = value.__func__ if isinstance(value, staticmethod | classmethod) else value
    if isinstance(func, property):
        return "property"
    if callable(func):
        try:
            return str(inspect.signature(func))
        except (TypeError, ValueError):  # some built-ins have none
            return type(func).__name__
    return type(func).__name__


def _record(where: str, original: Any) -> None:
    RECORDED.append(PatchTarget(where, _describe(original)))


def _static(owner: object, name: str) -> Any:
    """The attribute as stored (a staticmethod stays one); AttributeError when it no longer exists."""
    return inspect.getattr_static(owner, name)


def _accepts(original: Any, value: Any, where: str, skip: int = 0) -> None:
    """A replacing function (past its first ``skip`` parameters: a wrapper's ``original``) takes as
    many arguments as the original and its keyword-only ones: a caller passing one the replacement
    lacks would crash the run instead of injecting the fault."""
    func = original.__func__ if isinstance(original, staticmethod | classmethod) else original
    if not (inspect.isfunction(func) and inspect.isfunction(value)):
        return
    mine = list(inspect.signature(value).parameters.values())[skip:]
    theirs = list(inspect.signature(func).parameters.values())
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    by_name = any(p.kind is p.VAR_KEYWORD for p in mine)  # optional ones may come by name into **kwargs
    needed = [p for p in theirs if p.kind in positional and not (by_name and p.default is not p.empty)]
    short = not any(p.kind is p.VAR_POSITIONAL for p in mine) and sum(p.kind in positional for p in mine) < len(needed)
    keywords = {p.name for p in mine if p.kind is not p.POSITIONAL_ONLY}
    missing = [] if by_name else [p.name for p in theirs if p.kind is p.KEYWORD_ONLY and p.name not in keywords]
    if short or missing:
        raise TypeError(f"the replacement of {where} takes fewer arguments than {inspect.signature(func)}")


def replace(mp: pytest.MonkeyPatch, owner: object, name: str, value: Any) -> None:
    """Replace ``owner.name`` (which must exist) with ``value``, a function taking what it takes."""
    where = f"{_owner_name(owner)}.{name}"
    stored = _static(owner, name)
    _record(where, stored)
    _accepts(stored, value, where)
    mp.setattr(owner, name, value)


def wrap(mp: pytest.MonkeyPatch, owner: object, name: str) -> Callable[[F], F]:
    """Decorator: replace ``owner.name`` by the decorated function, called with the original first.

    A staticmethod or classmethod stays one; a coroutine function stays one (``inspect`` and the
    reference's own checks see the same kind of callable as before).
    """

    def decorate(fn: F) -> F:
        stored = _static(owner, name)
        where = f"{_owner_name(owner)}.{name}"
        _record(where, stored)
        _accepts(stored, fn, where, skip=1)
        original = stored.__func__ if isinstance(stored, staticmethod | classmethod) else getattr(owner, name)
        patched: Callable[..., Any]
        if inspect.iscoroutinefunction(fn):
            async def patched_async(*args: Any, **kwargs: Any) -> Any:
                return await fn(original, *args, **kwargs)

            patched = patched_async
        else:
            def patched_sync(*args: Any, **kwargs: Any) -> Any:
                return fn(original, *args, **kwargs)

            patched = patched_sync
        functools.update_wrapper(patched, original, updated=())
        patched.__dict__.pop("__wrapped__")  # inspect should see the patch, not follow it to the original
        value: Any = patched
        if isinstance(stored, staticmethod):
            value = staticmethod(patched)
        elif isinstance(stored, classmethod):
            value = classmethod(patched)
        mp.setattr(owner, name, value)
        return fn

    return decorate


def during(mp: pytest.MonkeyPatch, owner: object, name: str) -> Callable[[], tuple[Any, ...] | None]:
    """Wrap ``owner.name`` (a coroutine function) so that, while a call of it runs, the returned
    function gives that call's arguments (None outside): for a fault that applies only inside it."""
    current: contextvars.ContextVar[tuple[Any, ...] | None] = contextvars.ContextVar(f"during {name}", default=None)

    @wrap(mp, owner, name)
    async def inside(original: Any, *args: Any, **kwargs: Any) -> Any:
        token = current.set(args)
        try:
            return await original(*args, **kwargs)
        finally:
            current.reset(token)

    return current.get


def replace_item(mp: pytest.MonkeyPatch, owner: ModuleType, mapping: str, key: str, value: Any) -> None:
    """Replace ``owner.mapping[key]`` (which must exist), e.g. a built-in middleware of ``BUILTINS``."""
    table: MutableMapping[str, Any] = getattr(owner, mapping)
    where = f"{owner.__name__}.{mapping}[{key!r}]"
    _record(where, table[key])
    _accepts(table[key], value, where)
    mp.setitem(table, key, value)


def wrap_item(mp: pytest.MonkeyPatch, owner: ModuleType, mapping: str, key: str) -> Callable[[F], F]:
    """Decorator: replace ``owner.mapping[key]`` by the decorated function, called with the original first."""

    def decorate(fn: F) -> F:
        original = getattr(owner, mapping)[key]
        _accepts(original, fn, f"{owner.__name__}.{mapping}[{key!r}]", skip=1)
        replace_item(mp, owner, mapping, key, functools.partial(fn, original))
        return fn

    return decorate


def remove_item(mp: pytest.MonkeyPatch, owner: ModuleType, mapping: str, key: str) -> None:
    """Remove ``owner.mapping[key]`` (which must exist)."""
    table: MutableMapping[str, Any] = getattr(owner, mapping)
    _record(f"{owner.__name__}.{mapping}[{key!r}]", table[key])
    mp.delitem(table, key)


def targets_of(inject: Callable[[pytest.MonkeyPatch], None]) -> list[str]:
    """What one injector patches (applied, recorded, undone)."""
    start = len(RECORDED)
    mp = pytest.MonkeyPatch()
    try:
        inject(mp)
    finally:
        mp.undo()
    found = [str(t) for t in RECORDED[start:]]
    del RECORDED[start:]
    return found


def all_targets() -> dict[str, list[str]]:
    """Every variant (the catalogue and the self-tests) and what it patches."""
    from .variants import REGISTRY, SELFTEST, all_variants

    all_variants()
    return {v.name: targets_of(v.inject) for v in [*REGISTRY.values(), *SELFTEST.values()]}


def main() -> int:
    """Rewrite ``patch_targets.json`` from the variants as they are."""
    data = all_targets()
    SNAPSHOT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT.name}: {len(data)} variants, {sum(map(len, data.values()))} patch targets")
    return 0


if __name__ == "__main__":
    from tests.meta import patching  # the module the variants import, not this __main__ copy

    sys.exit(patching.main())
