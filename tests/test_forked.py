"""``--workers N`` against the in-process reference: workers forked from the collected pytest
process (conformance/forked.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.forked import units_of, worker_count
from tests.harness_helpers import PASSING, feature_dir, outcomes, read_report, run_cli

# Records, in the folder named by FORK_LOG, the pid of the process that collected, per scenario
# the pid that ran it (in the order they ran), and which processes probed their target.
RECORDER = '''import os
from pathlib import Path

_log = Path(os.environ["FORK_LOG"])
with (_log / "collector").open("a") as out:
    out.write(f"{os.getpid()}\\n")


def pytest_runtest_call(item):
    sid = next(m.args[0] for m in item.iter_markers("scenario_id"))
    with (_log / f"ran-{os.getpid()}").open("a") as out:
        out.write(f"{sid}\\n")


from conformance import probes

_verify = probes.verify


def verify(*args, **kwargs):
    (_log / f"probed-{os.getpid()}").touch()
    return _verify(*args, **kwargs)


probes.verify = verify
'''

# A worker that dies in the middle of a scenario.
KILLER = '''import os
import signal


def pytest_runtest_call(item):
    if any(m.args[0] == "ZZ-001" for m in item.iter_markers("scenario_id")):
        os.kill(os.getpid(), signal.SIGKILL)
'''

# The reference's middlewares no longer mark the trace: its trace capability cannot be proven.
NO_TRACE = '''from conformance.fixture.python import probe

probe.mark = lambda *args, **kwargs: None
'''


def _scenario(sid: str, tags: str = "") -> str:
    return (f'  @id:{sid} @must @doc:cms/api/rest {tags}\n  Scenario: Scenario {sid}\n'
            '    When I GET "/api/articles?filters[batch][$eq]={batch}"\n    Then the status is 200\n\n')


def _plugin_env(tmp: Path, name: str, text: str, **extra: str) -> dict[str, str]:
    import os

    folder = tmp / "plugins"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(text, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTEST_PLUGINS": name, "PYTHONPATH": path, **extra}


class _Item:
    def __init__(self, group: str | None) -> None:
        self.group = group

    def get_closest_marker(self, name: str) -> Any:
        assert name == "xdist_group"
        return pytest.mark.xdist_group(self.group).mark if self.group else None


def test_units_keep_a_group_together_in_order_where_it_first_stood() -> None:
    items: list[Any] = [_Item(None), _Item("g"), _Item(None), _Item("h"), _Item("g"), _Item(None), _Item("g")]
    assert units_of(items) == [[0], [1, 4, 6], [2], [3], [5]]


def test_worker_count() -> None:
    assert worker_count(None) == 1 and worker_count("0") == 1 and worker_count("3") == 3
    assert worker_count("auto") >= 1
    for bad in ("two", "-1"):
        with pytest.raises(ValueError, match="a number or 'auto'"):
            worker_count(bad)


def test_a_bad_workers_value_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run_cli("run", "--features", str(feature_dir(tmp_path, ok=PASSING)), "--report-dir",
                     str(tmp_path / "r"), "--workers", "two")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["conformance: --workers 'two': a number or 'auto'"]


def test_forked_workers_run_every_scenario_and_a_group_in_one_worker_in_order(tmp_path: Path) -> None:
    text = "Feature: Self-test\n\n" + "".join(
        _scenario(f"ZZ-0{n}", "@group:g" if n % 2 == 0 else "") for n in range(10, 22))
    features = feature_dir(tmp_path, grouped=text)
    log = tmp_path / "log"
    log.mkdir()
    env = _plugin_env(tmp_path, "recorder", RECORDER, FORK_LOG=str(log))
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"), "--workers", "2",
                     "--verbose", env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    # each scenario's line whole, as serially, however the workers' reports interleave
    lines = [line for line in result.stdout.splitlines() if "::test_" in line]
    assert len(lines) == 12 and all(line.endswith(" PASSED") for line in lines), lines
    collector = (log / "collector").read_text().split()
    assert len(collector) == 1, collector  # one interpreter collected: the workers are its forks
    ran = {path.name.removeprefix("ran-"): path.read_text().split() for path in log.glob("ran-*")}
    assert collector[0] not in ran and 1 <= len(ran) <= 2, ran
    assert sorted(sid for sids in ran.values() for sid in sids) == [f"ZZ-0{n}" for n in range(10, 22)]
    # one worker's target is probed; the other restores its results (and its scenarios pass)
    assert len(list(log.glob("probed-*"))) == 1, sorted(p.name for p in log.iterdir())
    group = [f"ZZ-0{n}" for n in range(10, 22, 2)]
    assert any([sid for sid in sids if sid in group] == group for sids in ran.values()), ran
    report = read_report(tmp_path / "r")
    assert set(outcomes(report).values()) == {"passed"} and len(report["scenarios"]) == 12


def test_a_target_that_cannot_prove_a_capability_stops_a_forked_run_as_a_serial_run(tmp_path: Path) -> None:
    features = feature_dir(tmp_path, several="Feature: Self-test\n\n" + "".join(_scenario(f"ZZ-00{n}") for n in range(1, 5)))
    env = _plugin_env(tmp_path, "notrace", NO_TRACE)
    runs = [run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / f"r{len(w)}"), *w, env=env)
            for w in ([], ["--workers", "2"])]
    for result in runs:
        assert result.returncode == 2, result.stdout[-2000:] + result.stderr
        reason = [line for line in result.stdout.splitlines() if "_pytest.outcomes.Exit" in line]
        assert len(reason) == 1 and "could not prove: trace" in reason[0], result.stdout
        assert "Traceback" not in result.stdout + result.stderr and "crash" not in result.stdout
    serial, forked = ([line for line in r.stdout.splitlines() if "_pytest.outcomes.Exit" in line] for r in runs)
    assert serial == forked


def test_a_worker_that_dies_names_the_scenario_it_was_running(tmp_path: Path) -> None:
    text = "Feature: Self-test\n\n" + "".join(_scenario(f"ZZ-00{n}") for n in range(1, 6))
    features = feature_dir(tmp_path, several=text)
    env = _plugin_env(tmp_path, "killer", KILLER)
    result = run_cli("run", "--features", str(features), "--report-dir", str(tmp_path / "r"), "--workers", "2",
                     env=env)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr
    assert "a forked worker ended (signal 9) while running" in result.stdout
    assert "scenario_zz001" in result.stdout.lower(), result.stdout
