"""The Strapi fixture's SQLite settings (config/database.js of the template): a write-ahead log with
synchronous=NORMAL unless CONFORMANCE_SQLITE_JOURNAL=strapi asks for Strapi's own set-up, and prepared
statements kept by SQL text unless CONFORMANCE_SQLITE_STATEMENTS=strapi asks for knex's own."""

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
// prepare() of the stand-in: a new statement object per call, numbered.
const prepared = [];
const connection = { pragma: (p) => pragmas.push(p), prepare: (sql) => { prepared.push(sql); return { n: prepared.length }; } };
if (pool) pool.afterCreate(connection, (err, conn) => { handed = conn ? 'connection' : err; });
const a1 = connection.prepare('select 1'), b = connection.prepare('select 2'), a2 = connection.prepare('select 1');
for (let i = 0; i < 600; i += 1) connection.prepare(`select ${i + 3}`);
const a3 = connection.prepare('select 1');
process.stdout.write(JSON.stringify({ pool: Boolean(pool), pragmas, handed, same: a1 === a2 && a1 !== b,
                                      preparedFirst: prepared.length - 601, evicted: a3 !== a1 }));
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


@pytest.mark.parametrize(("value", "expected"), [(None, "cached"), (" ", "cached"), ("Strapi", "strapi")])
def test_the_statements_setting(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str) -> None:
    if value is None:
        monkeypatch.delenv(strapi_target.SQLITE_STATEMENTS_ENV, raising=False)
    else:
        monkeypatch.setenv(strapi_target.SQLITE_STATEMENTS_ENV, value)
    assert strapi_target.sqlite_statements() == expected


def test_bad_statements_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(strapi_target.SQLITE_STATEMENTS_ENV, "yes")
    with pytest.raises(TargetError, match=r"^CONFORMANCE_SQLITE_STATEMENTS='yes': expected one of cached, strapi$"):
        strapi_target.sqlite_statements()


def _template(journal: str, statements: str) -> dict[str, object]:
    assert NODE is not None
    done = subprocess.run([NODE, "-e", RUNNER, str(STRAPI_TEMPLATE / "config" / "database.js")], capture_output=True,
                          text=True, timeout=60, check=True,
                          env={**os.environ, strapi_target.SQLITE_JOURNAL_ENV: journal,
                               strapi_target.SQLITE_STATEMENTS_ENV: statements})
    return dict(json.loads(done.stdout))


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize(("journal", "pragmas"), [
    ("wal", ["journal_mode = WAL", "synchronous = NORMAL"]),
    ("strapi", None),
])
def test_the_template_sets_the_pragmas_asked_for(journal: str, pragmas: list[str] | None) -> None:
    seen = _template(journal, "strapi")
    # knex's own prepare: a statement per call (three for the first three calls).
    uncached = {"same": False, "preparedFirst": 3, "evicted": True}
    if pragmas is None:
        assert seen == {"pool": False, "pragmas": [], "handed": None, **uncached}
    else:
        assert seen == {"pool": True, "pragmas": pragmas, "handed": "connection", **uncached}


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("journal", ["wal", "strapi"])
def test_the_template_keeps_prepared_statements_when_asked(journal: str) -> None:
    seen = _template(journal, "cached")
    assert seen["pool"] is True and seen["handed"] == "connection"
    assert seen["pragmas"] == (["journal_mode = WAL", "synchronous = NORMAL"] if journal == "wal" else [])
    # The same SQL text gives the statement prepared the first time; 600 other texts later, the
    # bounded cache has let it go and prepares it again.
    assert seen["same"] is True and seen["preparedFirst"] == 2 and seen["evicted"] is True
