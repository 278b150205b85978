"""The pytest module that binds every feature file's scenarios (see test_features.py)."""

from __future__ import annotations

from pathlib import Path

from .. import paths

# Passed to pytest with -c by conformance.cli: without it pytest looks for a configuration file
# upwards from its arguments' common folder and, for an installed copy, takes the one of whatever
# project holds the virtual environment (its addopts break the run).
PYTEST_CONFIG = Path(__file__).resolve().parent / "pytest.ini"


def features_dir() -> Path:
    """The catalogue: $CONFORMANCE_FEATURES, the checkout's features/ or the wheel's conformance/features/."""
    return paths.features_dir()
