"""Importing httpx without what the suite never uses from it.

httpcore imports trio whenever it is installed (for trio-based clients), and httpx imports its
command-line client (click, rich, pygments) whenever those are installed: here they come with the
fuzzer's dependencies, and importing them cost about a sixth of every ``conformance run``
process's import time (each xdist worker's too). Both imports are optional in httpx and
httpcore (``try: import … except ImportError``): during httpx's import they are made to fail, and
afterwards they import normally again for anything else that wants them.
"""

from __future__ import annotations

import sys

_SKIPPED = ("trio", "httpx._main")


def import_httpx() -> None:
    """Import httpx and httpcore (which httpx imports on its first client) without trio and
    without httpx's command-line client."""
    if "httpcore" in sys.modules:
        return
    absent = [name for name in _SKIPPED if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # type: ignore[assignment]  # ``import name`` raises ImportError
    try:
        import httpcore  # noqa: F401
        import httpx  # noqa: F401
    finally:
        for name in absent:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
