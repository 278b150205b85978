"""The variant registry: a variant is a name, a layer, one line saying what is wrong, the scenario
ids it must make fail and a function that injects the fault with a ``pytest.MonkeyPatch``.

Faults are applied from outside ``reference_impl`` (a patched function or method, a replaced
built-in middleware, a wrapper around a composed chain); its own code has no switches for them.

A variant is caught when each declared scenario fails on its own assertion (a Then step, not its
set-up, and not by a 5xx status unless the variant says ``crash_ok``: its point is a 500) while a
sample of the scenarios it does not declare still passes; or, for a variant that declares
``exit2`` (a regular expression), when the run refuses to start with exit code 2 and a reason
matching it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

Injector = Callable[[pytest.MonkeyPatch], None]

# Variants of hollow targets that the harness on main cannot catch yet; each names what will catch
# it.  They are left out of the CI test (tests/meta/test_meta.py) and reported apart by
# ``python -m tests.meta``; run one with ``python -m tests.meta --variant NAME``.  Empty this once
# the named work is merged and the variants are caught.
PENDING_HARNESS: dict[str, str] = {}


@dataclass(frozen=True)
class Variant:
    name: str
    layer: str
    description: str
    kills: tuple[str, ...]
    inject: Injector
    crash_ok: bool = False  # the variant's point is a 5xx: declared ids may fail on "expected X, got 5xx"
    exit2: str | None = None  # a regex: the run exiting 2 with a matching reason also catches it

    @property
    def pending(self) -> str | None:
        """What will catch this variant, when the harness on main cannot yet (``PENDING_HARNESS``)."""
        return PENDING_HARNESS.get(self.name)


REGISTRY: dict[str, Variant] = {}
SELFTEST: dict[str, Variant] = {}  # variants that test the meta-test itself, not part of the catalogue


def variant(name: str, layer: str, description: str, kills: str, *, crash_ok: bool = False,
            exit2: str | None = None, registry: dict[str, Variant] | None = None) -> Callable[[Injector], Injector]:
    """Register the decorated injector; ``kills`` is a space-separated list of scenario ids."""
    into = REGISTRY if registry is None else registry

    def register(inject: Injector) -> Injector:
        if name in REGISTRY or name in SELFTEST:
            raise ValueError(f"variant {name!r} is declared twice")
        ids = tuple(kills.split())
        if not ids:
            raise ValueError(f"variant {name!r} declares no scenario it must make fail")
        into[name] = Variant(name, layer, description, ids, inject, crash_ok, exit2)
        return inject

    return register


def all_variants() -> list[Variant]:
    """Every variant, in declaration order (importing the layer modules registers them)."""
    from . import (  # noqa: F401
        variants_chain,
        variants_data,
        variants_handlers,
        variants_harness,
        variants_model,
        variants_rest,
        variants_route,
        variants_selftest,
    )

    return list(REGISTRY.values())


def get_variant(name: str) -> Variant:
    all_variants()
    found = REGISTRY.get(name) or SELFTEST.get(name)
    if found is None:
        raise KeyError(f"no variant named {name!r}")
    return found
