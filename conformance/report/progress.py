"""Progress of a run: scenarios done of the total and failures so far.

On a terminal it is one line rewritten in place (instead of pytest's dots); in CI logs (``CI`` set,
or output that is not a terminal) nothing, unless asked with ``--progress``, and then a plain line
every tenth of the run, since a log cannot rewrite a line.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

import pytest

from .verdict import FAILING

FAILED_LETTERS = frozenset({"failed", "error"})


def wanted(flag: bool | None, stream: TextIO | None = None) -> bool:
    """``--progress`` / ``--no-progress`` win; by default only on a terminal outside CI."""
    if flag is not None:
        return flag
    stream = stream or sys.stdout
    return bool(stream.isatty()) and not os.environ.get("CI")


class Progress:
    """A pytest plugin for the controlling process (with xdist, reports arrive there too)."""

    conformance_controller_only = True  # not in forked workers (conformance/forked.py)

    def __init__(self, total: int, live: bool) -> None:
        self.total = total
        self.live = live  # True: rewrite one line; False: a line per tenth
        self.done: set[str] = set()
        self.failed: set[str] = set()
        self.started = time.monotonic()
        self.next_tenth = 1
        self.reporter: Any = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.reporter = config.pluginmanager.get_plugin("terminalreporter")

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> Any:
        """No dots: the progress line says the same, and dots would break the line being rewritten."""
        result = yield
        if isinstance(result, tuple) and len(result) == 3:
            category, _letter, word = result
            return category, "", word
        return result

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        meta: dict[str, Any] = dict(report.user_properties).get("conformance") or {}  # type: ignore[assignment]
        if report.failed or meta.get("outcome") in FAILING:
            self.failed.add(report.nodeid)
        if report.when == "teardown":
            self.done.add(report.nodeid)
            self.show()

    def line(self) -> str:
        done = len(self.done)
        share = 100 * done // self.total if self.total else 100
        return (f"conformance: {done}/{self.total} scenarios ({share}%), {len(self.failed)} failed, "
                f"{time.monotonic() - self.started:.0f} s")

    def show(self) -> None:
        if self.reporter is None:
            return
        if self.live:
            self.reporter.rewrite(self.line())
            return
        if self.total and len(self.done) * 10 >= self.next_tenth * self.total:
            while len(self.done) * 10 >= self.next_tenth * self.total:
                self.next_tenth += 1
            self.reporter.write_line(self.line())

    @pytest.hookimpl(tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.live and self.done:
            terminalreporter.rewrite(self.line())
            terminalreporter.write_line("")
