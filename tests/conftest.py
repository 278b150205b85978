import os

import pytest

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    # `tox -e unit` leaves these out (-m "not strapi"): `tox -e own-project` runs them, after `tox -e
    # strapi` has installed the Strapi they start.
    config.addinivalue_line("markers", "strapi: starts a real Strapi (tox -e own-project runs it)")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core and one more, which fills the cores while tests wait on
    servers, sockets and subprocesses (on 2 cores 3 workers beat 2 and 4:
    python -m benchmarks.unit_speed --workers 2,3,4, reports/bench/unit-workers.json)."""
    return (os.cpu_count() or 1) + 1
