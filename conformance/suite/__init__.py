"""The pytest module that binds every feature file's scenarios (see test_features.py)."""

from __future__ import annotations

from pathlib import Path

from .. import paths


def features_dir() -> Path:
    """The catalogue: $CONFORMANCE_FEATURES, the checkout's features/ or the wheel's conformance/features/."""
    return paths.features_dir()
