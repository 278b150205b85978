"""The Strapi fixture's SQLite journal: a write-ahead log with synchronous=NORMAL unless
CONFORMANCE_SQLITE_JOURNAL=strapi asks for Strapi's own set-up (config/database.js of the template)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conformance.fixture import STRAPI_TEMPLATE
from conformance.targets.base import TargetError
from conformance.targets.strapi import target as strapi_target

NODE = shutil.which("node")

# config/database.js evaluated as Strapi would (env() reads the environment); the pool's afterCreate
# run on a stand-in connection that records its pragmas.
RUNNER = r"""
const config = require(process.argv[1])({ env: (name, fallback) => process.env[name] ?? fallback });
const pool = config.connection.pool;
const pragmas = [];
let handed = null;
if (pool) pool.afterCreate({ pragma: (p) => pragmas.push(p) }, (err, conn) => { handed = conn ? 'connection' : err; });
process.stdout.write(JSON.stringify({ pool: Boolean(pool), pragmas, handed }));
"""


@pytest.mark.parametrize(("value", "expected"), [(None, "wal"), ("", "wal"), ("WAL", "wal"), ("strapi", "strapi")])
def test_the_journal_setting(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str) -> None:
    if value is None:
        monkeypatch.delenv(strapi_target.SQLITE_JOURNAL_ENV, raising=False)
    else:
        monkeypatch.setenv(strapi_target.SQLITE_JOURNAL_ENV, value)
    assert strapi_target.sqlite_journal() == expected


def test_a_bad_journal_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(strapi_target.SQLITE_JOURNAL_ENV, "memory")
    with pytest.raises(TargetError, match=r"^CONFORMANCE_SQLITE_JOURNAL='memory': expected one of wal, strapi$"):
        strapi_target.sqlite_journal()


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize(("journal", "pragmas"), [
    ("wal", ["journal_mode = WAL", "synchronous = NORMAL"]),
    ("strapi", None),
])
def test_the_template_sets_the_pragmas_asked_for(journal: str, pragmas: list[str] | None) -> None:
    assert NODE is not None
    done = subprocess.run([NODE, "-e", RUNNER, str(STRAPI_TEMPLATE / "config" / "database.js")], capture_output=True,
                          text=True, timeout=60, check=True,
                          env={**os.environ, strapi_target.SQLITE_JOURNAL_ENV: journal})
    seen = json.loads(done.stdout)
    if pragmas is None:
        assert seen == {"pool": False, "pragmas": [], "handed": None}
    else:
        assert seen == {"pool": True, "pragmas": pragmas, "handed": "connection"}
