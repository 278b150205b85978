"""conformance/lean_imports.py: the suite imports httpx without trio and httpx's command-line client,
and both import normally afterwards."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import conformance, httpx
httpx.Client().close()  # httpcore is imported for the first client at the latest
loaded = {name: name in sys.modules for name in ("trio", "click", "rich", "httpx._main")}
import trio, httpx._main  # still importable for whoever wants them
print(json.dumps({"loaded": loaded, "later": [trio.__name__, httpx._main.__name__]}))
"""


@pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("trio", "click", "rich")),
                    reason="trio, click and rich are not installed: nothing to skip")
def test_httpx_comes_without_trio_and_its_command_line_client() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    assert result["loaded"] == {"trio": False, "click": False, "rich": False, "httpx._main": False}
    assert result["later"] == ["trio", "httpx._main"]
