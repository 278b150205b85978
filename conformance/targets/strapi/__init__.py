"""Real Strapi 5 as a conformance target.

Python API::

    from conformance.targets.strapi import StrapiTarget, up, down, status, install

    with StrapiTarget("5.54.0") as target:      # installs once (cached), starts, discovers
        client = target.client()
    state = up("5.54.0")                         # leave a server running; state.url, state.pid
    down("5.54.0")                               # stop it by its PID

The fixture project is conformance/fixture/strapi/project/ (JavaScript twin of conformance/fixture/python/components.py) plus
the shared schemas and ``fixture.json``; see conformance/PROTOCOL.md and NOTES.md here.
"""

from __future__ import annotations

from .installer import (
    CACHE_ENV,
    DEFAULT_VERSION,
    cache_root,
    install,
    is_installed,
    package_json,
    version_dir,
)
from .project import TEMPLATE_DIR, write_project
from .target import ServerState, StrapiTarget, down, read_state, state_path, status, up

__all__ = [
    "CACHE_ENV",
    "DEFAULT_VERSION",
    "TEMPLATE_DIR",
    "ServerState",
    "StrapiTarget",
    "cache_root",
    "down",
    "install",
    "is_installed",
    "package_json",
    "read_state",
    "state_path",
    "status",
    "up",
    "version_dir",
    "write_project",
]
