"""Ending a finished ``conformance run`` process without the interpreter's teardown.

When a run is over, Python would still free every object it made, module by module (the 418 test
items with their exchanges, pytest's and pytest-bdd's state, SQLAlchemy's caches): half a second
of CPU after the last report was written, in the command and in each xdist worker, whose exits
the command waits for. Nothing of it is needed: the reports are written, the target is stopped,
the files are closed. ``exit_now`` flushes the standard streams, runs the ``atexit`` handlers
(logging's flush, ``weakref.finalize`` clean-ups, temporary folders) and ends the process.

Only a process that is ending anyway calls it: ``conformance run`` as a command (never
``cli.main`` called from Python), and an xdist worker of such a run after it reported its end
(``ENV`` tells the worker).
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn

ENV = "CONFORMANCE_FAST_EXIT"


def exit_now(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed or replaced: nothing to flush
            pass
    try:
        atexit._run_exitfuncs()  # what a normal exit runs before tearing the interpreter down
    finally:
        os._exit(code)
