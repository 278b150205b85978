"""The variant registry: a variant is a name, a layer, one line saying what is wrong, the scenario
ids it must make fail and a function that injects the fault with a ``pytest.MonkeyPatch``.

Faults are applied from outside ``reference_impl`` (a patched function or method, a replaced
built-in middleware, a wrapper around a composed chain); its own code has no switches for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

Injector = Callable[[pytest.MonkeyPatch], None]


@dataclass(frozen=True)
class Variant:
    name: str
    layer: str
    description: str
    kills: tuple[str, ...]
    inject: Injector


REGISTRY: dict[str, Variant] = {}


def variant(name: str, layer: str, description: str, kills: str) -> Callable[[Injector], Injector]:
    """Register the decorated injector; ``kills`` is a space-separated list of scenario ids."""

    def register(inject: Injector) -> Injector:
        if name in REGISTRY:
            raise ValueError(f"variant {name!r} is declared twice")
        ids = tuple(kills.split())
        if not ids:
            raise ValueError(f"variant {name!r} declares no scenario it must make fail")
        REGISTRY[name] = Variant(name, layer, description, ids, inject)
        return inject

    return register


def all_variants() -> list[Variant]:
    """Every variant, in declaration order (importing the layer modules registers them)."""
    from . import variants_chain, variants_data, variants_handlers, variants_rest, variants_route  # noqa: F401

    return list(REGISTRY.values())


def get_variant(name: str) -> Variant:
    for v in all_variants():
        if v.name == name:
            return v
    raise KeyError(f"no variant named {name!r}")
