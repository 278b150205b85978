import pytest

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    # `tox -e unit` leaves these out (-m "not strapi"): `tox -e own-project` runs them, after `tox -e
    # strapi` has installed the Strapi they start.
    config.addinivalue_line("markers", "strapi: starts a real Strapi (tox -e own-project runs it)")
