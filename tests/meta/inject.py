"""A pytest plugin that applies the variant named in ``CONFORMANCE_META_VARIANT`` at start-up,
before the in-process reference target is built, and undoes it at the end of the session.

The runner loads it through ``PYTEST_PLUGINS=tests.meta.inject`` in the ``conformance run``
subprocess of each variant.
"""

from __future__ import annotations

import os

import pytest

ENV_VARIANT = "CONFORMANCE_META_VARIANT"


def pytest_configure(config: pytest.Config) -> None:
    name = os.environ.get(ENV_VARIANT)
    if not name:
        return
    from .variants import get_variant

    patcher = pytest.MonkeyPatch()
    get_variant(name).inject(patcher)
    config.add_cleanup(patcher.undo)


def pytest_report_header(config: pytest.Config) -> str | None:
    name = os.environ.get(ENV_VARIANT)
    return f"meta-test variant: {name}" if name else None
