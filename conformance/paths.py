"""Where the suite's files are, in a source checkout and in an installed wheel.

In a checkout the catalogue is ``features/`` at the top level of the repository and reports go to the
repository's ``reports/`` whatever the current folder. The wheel packages ``features/`` as
``conformance/features/`` (see setup.py); an installed tool has no repository, so its reports go to
``./reports`` under the folder it is run from.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_NAME = "strapi-conformance"


def checkout_root(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The repository this package runs from, or None when it runs from an installed wheel."""
    root = package_dir.parent
    pyproject = root / "pyproject.toml"
    if not ((root / "features").is_dir() and pyproject.is_file()):
        return None
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    # A site-packages folder never holds our pyproject.toml; the name check keeps a stray one out.
    return root if f'name = "{PROJECT_NAME}"' in text else None


def features_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """$CONFORMANCE_FEATURES, else the checkout's features/, else the copy packaged in the wheel."""
    override = os.environ.get("CONFORMANCE_FEATURES")
    if override:
        return Path(override)
    root = checkout_root(package_dir)
    return root / "features" if root is not None else package_dir / "features"


def reports_root(package_dir: Path = PACKAGE_DIR) -> Path:
    """Default parent of the report folders: the checkout's reports/, else ./reports (installed tool)."""
    root = checkout_root(package_dir)
    return (root if root is not None else Path.cwd()) / "reports"


def cache_root() -> Path:
    """Where the suite keeps what it can rebuild (parsed feature files, compiled report templates):
    ``$CONFORMANCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/conformance`` (``~/.cache/conformance``)."""
    override = os.environ.get("CONFORMANCE_CACHE_DIR")
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "conformance"
