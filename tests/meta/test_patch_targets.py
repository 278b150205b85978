"""Every variant patches through tests/meta/patching.py, and what it patches still exists with the
signature recorded in patch_targets.json: a renamed function or a changed signature fails here,
instead of turning a variant into one that patches nothing, or patches with the wrong arguments.

After checking the variants against such a change, rewrite the record: ``python -m tests.meta.patching``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .patching import SNAPSHOT, all_targets

HERE = Path(__file__).parent
RAW_PATCH = re.compile(r"\bmp\.(setattr|setitem|delitem|delattr)\(")


@pytest.fixture(scope="module")
def targets() -> dict[str, list[str]]:
    return all_targets()


def test_every_variant_patches_what_was_recorded(targets: dict[str, list[str]]) -> None:
    recorded: dict[str, list[str]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = {name: {"now": targets.get(name), "recorded": recorded.get(name)}
               for name in sorted(set(targets) | set(recorded)) if targets.get(name) != recorded.get(name)}
    assert not changed, ("patch targets changed (check each variant still injects its fault, then run "
                         f"`python -m tests.meta.patching`): {json.dumps(changed, indent=1)}")


def test_every_variant_patches_something(targets: dict[str, list[str]]) -> None:
    assert [name for name, found in targets.items() if not found] == []


def test_variants_patch_only_through_the_helper() -> None:
    raw = [f"{path.name}:{n}" for path in sorted(HERE.glob("variants_*.py"))
           for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if RAW_PATCH.search(line)]
    assert raw == [], "patch with tests/meta/patching.py (wrap, replace, replace_item, remove_item)"
