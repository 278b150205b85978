"""The pytest module that binds every feature file's scenarios (see test_features.py)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_FEATURES = Path(__file__).resolve().parents[2] / "features"


def features_dir() -> Path:
    return Path(os.environ.get("CONFORMANCE_FEATURES") or DEFAULT_FEATURES)
