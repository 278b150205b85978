"""conformance/fast_exit.py: a finished process ends with its exit code, its buffered output written
and its atexit handlers run, without the interpreter's teardown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, sys
from conformance.fast_exit import exit_now
atexit.register(lambda: open(sys.argv[1], "w").write("atexit ran"))
class Noisy:
    def __del__(self):  # the interpreter's teardown would run this
        print("teardown ran")
keep = Noisy()
sys.stdout.write("buffered output")  # no newline, no flush: still in the buffer
exit_now(3)
"""


def test_exit_now_keeps_the_code_the_output_and_the_atexit_handlers(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # the output stays in its buffer
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(marker)], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1], env=env, timeout=60)
    assert result.returncode == 3, result.stderr
    assert result.stdout == "buffered output", result.stdout
    assert marker.read_text() == "atexit ran"
