"""Faults around the reference served over real HTTP (benchmarks/faults.py, smaller): PostgreSQL
stopped and restarted mid-run, a webhook receiver down, slow or failing, a SQLite file locked by
another process. The figures (latencies, recovery time) come from ``python benchmarks/faults.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.faults import postgres_outage, sqlite_lock, webhook_receiver
from benchmarks.pg_server import server_bin
from reference_impl.query import BUSY_TIMEOUT_ENV
from reference_impl.webhooks import SHUTDOWN_GRACE_ENV

WRITES = 20


@pytest.mark.skipif(server_bin() is None, reason="no PostgreSQL server binaries on this machine")
def test_postgres_down_answers_503_and_the_server_recovers_without_a_restart() -> None:
    # half a second down is scores of requests at the load's pace (one every 10 ms)
    result = postgres_outage(down_s=0.5, settle_s=0.3)
    assert result["not_the_503_envelope"] == []  # no 500, no 5xx without the envelope and Retry-After
    down = result["answers"]["down"]
    assert down.get("503", 0) > 0
    assert not any(k for k in down if not k.isdigit())  # every request was answered: no hang, no reset
    assert result["same_server_process"]
    assert result["recovered_s_after_restart"] is not None and result["after_2xx"] > 0
    assert result["log_lines_database_unavailable"] > 0


@pytest.mark.parametrize("kind", ["down", "error", "slow"])
def test_a_failing_webhook_receiver_leaves_the_answers_alone(kind: str, tmp_path: Path) -> None:
    # slow: stopping gives the held deliveries a grace period (3 s by default) before dropping them;
    # a shorter one drops them the same way, sooner
    env = {SHUTDOWN_GRACE_ENV: "0.3"} if kind == "slow" else {}
    result = webhook_receiver(kind, WRITES, f"sqlite:///{tmp_path / 'data.db'}", max_pending=10, env=env)
    assert result["statuses"] == {"201": WRITES}
    if kind == "down":
        # each of the 2 deliveries a create makes, up to the backlog bound, failed and was logged
        assert result["log_failed"] + result["log_dropped_backlog_full"] == 2 * WRITES
        assert result["log_failed"] >= 10
    if kind == "error":
        assert result["log_answered_500"] + result["log_dropped_backlog_full"] == 2 * WRITES
    if kind == "slow":
        # the writes were all answered while the receiver held every delivery open
        assert result["deliveries_answered_during_the_writes"] == 0
        assert result["deliveries_held_open_when_the_writes_were_done"] > 0
        # bounded: 10 pending at most, the rest dropped and logged; the backlog left at shutdown
        # is dropped too, so stopping does not wait for the receiver
        assert result["log_dropped_backlog_full"] == 2 * WRITES - 10
        assert result["log_dropped_at_shutdown"] == 1


def test_a_locked_sqlite_file_is_a_503_not_a_hang(tmp_path: Path) -> None:
    # a busy timeout of 0.5 s instead of the default 5 s: the same 503, ten times sooner
    result = sqlite_lock(tmp_path, env={BUSY_TIMEOUT_ENV: "0.5"})
    assert result["write_before"] == 201
    assert result["write_while_locked"]["seconds"] >= 0.4  # it waited for the lock before giving up
    assert result["write_while_locked"]["status"] == 503 and result["write_while_locked"]["envelope_503"]
    assert result["write_while_locked"]["body"]["error"]["details"] == {"reason": "the database is unavailable"}
    assert result["read_while_locked"]["status"] == 200
    assert result["write_after"] == 201
    assert result["titles"] == ["after", "before"]  # the refused write left nothing
    assert result["log_lines_database_unavailable"] == 1


def test_the_busy_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from reference_impl.errors import ProjectError
    from reference_impl.query import SQLITE_BUSY_TIMEOUT_S, sqlite_busy_timeout

    monkeypatch.delenv(BUSY_TIMEOUT_ENV, raising=False)
    assert sqlite_busy_timeout() == SQLITE_BUSY_TIMEOUT_S == 5.0  # better-sqlite3's default, as Strapi's
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "0.25")
    assert sqlite_busy_timeout() == 0.25
    for bad in ("soon", "0", "-1", "nan", "inf"):
        monkeypatch.setenv(BUSY_TIMEOUT_ENV, bad)
        with pytest.raises(ProjectError, match=rf"^{BUSY_TIMEOUT_ENV}='{bad}': expected a positive number of seconds$"):
            sqlite_busy_timeout()
