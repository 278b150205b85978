"""The meta fork server warms what every forked run would otherwise import again."""

from __future__ import annotations

from .server import _submodules


def test_the_warm_up_walks_into_namespace_packages() -> None:
    # conformance/targets has no __init__.py: pkgutil.walk_packages alone never imported the
    # reference target in the server, so every forked run imported it again.
    names = _submodules("conformance")
    assert {"conformance.targets.reference", "conformance.targets.launch", "conformance.cli"} <= set(names)
    assert len(names) == len(set(names))
