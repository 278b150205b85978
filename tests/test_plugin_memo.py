"""conformance/plugin.py's speed patches of pytest-bdd keep its answers: the step signatures read
once per process are the ones inspect gives."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import conformance.plugin  # noqa: F401  (applies the patches)

# the module, not the ``scenario`` function pytest_bdd exports under the same name
bdd_scenario: Any = importlib.import_module("pytest_bdd.scenario")


def _step(world: Any, request: Any, how: str = "x", *rest: Any, datatable: Any = None) -> None:
    return None


def test_step_signatures_are_read_once_and_stay_right() -> None:
    first = bdd_scenario.signature(_step)
    assert first is bdd_scenario.signature(_step)  # remembered, not read again
    assert first == inspect.signature(_step)
    required = bdd_scenario.get_required_args(_step)
    assert required == ["world", "request"]
    required.append("mutated")  # a caller changing its list does not change the next answer
    assert bdd_scenario.get_required_args(_step) == ["world", "request"]
