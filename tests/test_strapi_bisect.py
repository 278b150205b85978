"""``conformance strapi bisect``: the search, with a fake release -> outcome function instead of installs."""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from pathlib import Path

import pytest

from conformance.strapi_bisect import (
    BisectError,
    annotate_matrix,
    bisect,
    bisect_many,
    drift_label,
    drift_releases,
    record,
    releases_between,
)

NPM = ["4.25.0", "5.0.0-beta.1", "5.0.0", "5.9.0", "5.10.0", "5.10.1-rc.0", "5.10.1", "5.2.0", "5.11.0", "5.12.0"]


def test_releases_are_plain_5xy_in_numeric_order_between_the_ends() -> None:
    assert releases_between(NPM, "5.2.0", "5.11.0") == ["5.2.0", "5.9.0", "5.10.0", "5.10.1", "5.11.0"]


@pytest.mark.parametrize(("good", "bad", "message"), [
    ("5.11.0", "5.2.0", "must be older"),
    ("5.3.0", "5.11.0", "5.3.0 is not a published release"),
    ("latest", "5.11.0", "'latest' is not a 5.x.y release"),
])
def test_bad_ends_are_refused(good: str, bad: str, message: str) -> None:
    with pytest.raises(BisectError, match=message):
        releases_between(NPM, good, bad)


VERSIONS = [f"5.{minor}.0" for minor in range(30, 55)]


@pytest.mark.parametrize("change", range(1, len(VERSIONS)))
def test_the_first_release_that_changed_is_found_in_logarithmic_runs(change: int) -> None:
    calls: list[str] = []

    def outcome(version: str) -> str:
        calls.append(version)
        return "passed" if VERSIONS.index(version) < change else "failed"

    result = bisect("AU-018", VERSIONS, outcome)
    assert result.first_changed == VERSIONS[change] and result.last_unchanged == VERSIONS[change - 1]
    assert len(calls) == len(set(calls)) <= math.ceil(math.log2(len(VERSIONS))) + 2
    assert result.outcomes[VERSIONS[0]] == "passed" and result.outcomes[VERSIONS[-1]] == "failed"


def test_ends_that_agree_are_refused() -> None:
    with pytest.raises(BisectError, match="agree"):
        bisect("RP-001", VERSIONS, lambda v: "passed")


def test_several_ids_share_the_runs_of_a_release() -> None:
    runs: list[str] = []

    def run(version: str, ids: list[str]) -> dict[str, str]:
        runs.append(version)
        minor = int(version.split(".")[1])
        return {"AU-018": "failed" if minor >= 41 else "passed", "RP-033": "passed" if minor >= 41 else "failed",
                "RP-090": "passed" if minor >= 37 else "failed"}

    results = bisect_many(["AU-018", "RP-033", "RP-090"], VERSIONS, run)
    assert [r.first_changed for r in results] == ["5.41.0", "5.41.0", "5.37.0"]
    assert len(runs) == len(set(runs))  # no release run twice
    assert len(runs) < sum(len(r.outcomes) for r in results)


def test_results_go_to_the_bisect_file_and_the_matrix_rows(tmp_path: Path) -> None:
    out = tmp_path / "strapi-bisect.json"
    first = bisect("AU-018", VERSIONS, lambda v: "passed" if v < "5.41.0" else "failed")
    record([first], out)
    record([bisect("RP-033", VERSIONS, lambda v: "failed" if v < "5.40.0" else "passed")], out)
    assert drift_releases(out) == {"AU-018": "5.41.0", "RP-033": "5.40.0"}
    from conformance.strapi_bisect import recorded_outcomes

    assert recorded_outcomes(out)["5.30.0"] == {"AU-018": "passed", "RP-033": "failed"}
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json.dumps({"title": "t", "columns": [], "rows": [
        {"id": "AU-018", "name": "n", "level": "must", "cells": [], "differs": True},
        {"id": "RP-001", "name": "n", "level": "must", "cells": [], "differs": False}]}), encoding="utf-8")
    assert annotate_matrix(matrix, drift_releases(out))
    rows = json.loads(matrix.read_text(encoding="utf-8"))["rows"]
    assert [r["drift_release"] for r in rows] == ["5.41.0", None]
    assert '<td class="drift">5.41.0</td>' in (tmp_path / "matrix.html").read_text(encoding="utf-8")


def test_a_stopped_bisection_is_taken_as_far_as_the_releases_run_and_keeps_its_range(tmp_path: Path) -> None:
    from conformance.strapi_bisect import from_outcomes

    def outcome(version: str) -> str:
        return "passed" if VERSIONS.index(version) < 17 else "failed"

    full = bisect("AU-018", VERSIONS, outcome)
    assert from_outcomes("AU-018", VERSIONS, full.outcomes).first_changed == VERSIONS[17]
    first_three = dict(list(full.outcomes.items())[:3])  # the two ends and the first middle
    partial = from_outcomes("AU-018", VERSIONS, first_three)
    assert partial.first_changed is None and partial.candidates is not None
    low, high = (VERSIONS.index(v) for v in partial.candidates)
    assert low <= 17 <= high and high - low < len(VERSIONS) - 1
    out = tmp_path / "b.json"
    record([partial], out)
    assert drift_releases(out) == {"AU-018": f"between {partial.last_unchanged} and {partial.candidates[1]} (not finished)"}


@pytest.mark.parametrize("change", range(1, len(VERSIONS)))
def test_installed_releases_are_run_first_and_the_change_is_still_found(change: int) -> None:
    installed = set(VERSIONS[::4]) | {VERSIONS[-1]}  # every fourth release is in the cache
    calls: list[str] = []

    def outcome(version: str) -> str:
        calls.append(version)
        return "passed" if VERSIONS.index(version) < change else "failed"

    result = bisect("RP-090", VERSIONS, outcome, lambda v: 0 if v in installed else 1)
    assert result.first_changed == VERSIONS[change] and result.last_unchanged == VERSIONS[change - 1]
    assert len(calls) == len(set(calls))
    # Releases to install: at most those inside the gap between two installed ones (3 here), so
    # at most two installs (log2 of the gap), whatever the change.
    assert len([v for v in calls if v not in installed]) <= 2
    plain = bisect("RP-090", VERSIONS, lambda v: "passed" if VERSIONS.index(v) < change else "failed")
    assert plain.first_changed == result.first_changed


def test_the_cheapest_release_nearest_the_middle_is_picked() -> None:
    from conformance.strapi_bisect import pick_middle

    assert pick_middle(0, 10) == 5
    assert pick_middle(0, 10, lambda i: 0 if i in (2, 9) else 1) == 2  # nearer the middle than 9
    assert pick_middle(0, 10, lambda i: 0 if i == 9 else 1) == 9
    assert pick_middle(0, 10, lambda i: 1) == 5
    assert pick_middle(3, 5, lambda i: 1) == 4


def test_max_installs_stops_the_bisection_keeps_its_range_and_a_new_run_resumes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    import conformance.strapi_bisect as sb

    change = VERSIONS.index("5.43.0")
    installed = {"5.30.0", "5.54.0"}
    runs: list[str] = []

    def run_release(version: str, ids: list[str]) -> dict[str, str]:
        runs.append(version)
        installed.add(version)
        return {i: "failed" if VERSIONS.index(version) < change else "passed" for i in ids}

    monkeypatch.setattr(sb, "npm_versions", lambda package=sb.PACKAGE: [
        v for v in VERSIONS if package == sb.PACKAGE or v != "5.47.0"])  # 5.47.0's plugin never published
    monkeypatch.setattr(sb, "run_release", run_release)
    monkeypatch.setattr(sb, "is_installed", lambda version: version in installed)
    monkeypatch.setattr(sb, "reports_root", lambda: tmp_path)
    out = tmp_path / "strapi-bisect.json"
    args = argparse.Namespace(id=["RP-090"], good="5.30.0", bad="5.54.0", out=str(out), max_installs=1)
    assert sb.cmd_bisect(args) == 0
    assert runs == ["5.30.0", "5.54.0", "5.42.0"]  # the ends, then one install (the middle of 25 releases)
    assert "stopped before installing" in capsys.readouterr().out
    entry = json.loads(out.read_text(encoding="utf-8"))["bisections"][0]
    assert entry["complete"] is False and entry["candidates"] == ["5.43.0", "5.54.0"] and entry["untested"] == {}
    assert entry["outcomes"] == {"5.30.0": "failed", "5.42.0": "failed", "5.54.0": "passed"}
    assert drift_releases(out) == {"RP-090": "between 5.42.0 and 5.54.0 (not finished)"}
    args.max_installs = None
    assert sb.cmd_bisect(args) == 0
    assert runs[:3] == ["5.30.0", "5.54.0", "5.42.0"] and len(runs) == len(set(runs))  # nothing run twice
    assert drift_releases(out) == {"RP-090": "5.43.0"}
    entry = json.loads(out.read_text(encoding="utf-8"))["bisections"][0]
    assert entry["complete"] is True and set(runs) <= set(entry["outcomes"])
    assert entry["skipped"] == {"5.47.0": sb.plugin_missing_reason("5.47.0")} and "5.47.0" not in runs
    assert "@strapi/plugin-users-permissions 5.47.0 was never published" in entry["skipped"]["5.47.0"]


def _report(name: str, outcomes: dict[str, str]) -> dict[str, object]:
    return {"target": {"name": name, "version": name.rpartition("-")[2]},
            "summary": {"passed": 0, "failed": 0, "expected_failures": 0, "skipped": 0},
            "scenarios": [{"id": i, "name": i, "feature": "f", "level": "must", "outcome": o}
                          for i, o in outcomes.items()]}


def test_a_row_that_drifts_between_releases_names_its_release_or_says_it_is_not_bisected(tmp_path: Path) -> None:
    from conformance.report.matrix import build_matrix, undated_drifts

    runs = {"reference": {"RP-001": "passed", "RP-012": "passed", "RP-090": "passed", "VA-033": "passed"},
            "strapi-5.30.1": {"RP-001": "passed", "RP-012": "expected_failure", "RP-090": "expected_failure",
                              "VA-033": "expected_failure"},
            "strapi-5.54.0": {"RP-001": "passed", "RP-012": "expected_failure", "RP-090": "passed",
                              "VA-033": "passed"}}
    paths = []
    for name, outcomes in runs.items():
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(_report(name, outcomes)), encoding="utf-8")
    html = build_matrix(paths, tmp_path / "matrix.html", "t", {"RP-090": "5.37.0"})
    data = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    # RP-012 differs from the reference only: the same on every release, no drift.
    assert {r["id"]: r["drifts"] for r in data["rows"]} == {
        "RP-001": False, "RP-012": False, "RP-090": True, "VA-033": True}
    assert undated_drifts(data) == ["VA-033"]
    page = html.read_text(encoding="utf-8")
    assert '<td class="drift">5.37.0</td>' in page and '<td class="drift">not bisected</td>' in page



def test_releases_whose_plugin_was_never_published_are_skipped_but_not_the_ends() -> None:
    from conformance.strapi_bisect import installable

    versions = ["5.36.0", "5.36.1", "5.37.0", "5.37.1"]
    plugin = ["5.36.0", "5.36.1", "5.37.1", "5.38.0"]
    assert installable(versions, plugin, "5.36.0", "5.37.1") == (
        ["5.36.0", "5.36.1", "5.37.1"], {"5.37.0": "uninstallable: @strapi/plugin-users-permissions 5.37.0 was never published"})
    with pytest.raises(BisectError, match="--bad 5.37.0 cannot be installed"):
        installable(versions[:3], plugin, "5.36.0", "5.37.0")


def test_an_id_stopped_by_max_installs_does_not_stop_the_next_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    import conformance.strapi_bisect as sb

    installed = {"5.30.0", "5.40.0", "5.41.0", "5.42.0", "5.54.0"}
    runs: list[tuple[str, tuple[str, ...]]] = []

    def run_release(version: str, ids: list[str]) -> dict[str, str]:
        runs.append((version, tuple(ids)))
        minor = int(version.split(".")[1])
        # VA-033 changed between two releases not installed; RP-090 in 5.41.0, between installed ones.
        return {"VA-033": "passed" if minor >= 50 else "failed", "RP-090": "passed" if minor >= 41 else "failed"}

    monkeypatch.setattr(sb, "npm_versions", lambda package=sb.PACKAGE: list(VERSIONS))
    monkeypatch.setattr(sb, "run_release", run_release)
    monkeypatch.setattr(sb, "is_installed", lambda version: version in installed)
    monkeypatch.setattr(sb, "reports_root", lambda: tmp_path)
    out = tmp_path / "strapi-bisect.json"
    args = argparse.Namespace(id=["VA-033", "RP-090"], good="5.30.0", bad="5.54.0", out=str(out), max_installs=0)
    assert sb.cmd_bisect(args) == 0
    assert drift_releases(out)["RP-090"] == "5.41.0"
    assert drift_releases(out)["VA-033"] == "between 5.42.0 and 5.54.0 (not finished)"
    assert {version for version, _ in runs} <= installed
    assert all(ids == ("VA-033", "RP-090") for _, ids in runs) and len(runs) == len({v for v, _ in runs})


def test_the_committed_matrix_names_the_first_changed_release_on_every_row_that_drifts() -> None:
    from conformance.report.matrix import undated_drifts

    root = Path(__file__).resolve().parents[1] / "reports"
    data = json.loads((root / "matrix.json").read_text(encoding="utf-8"))
    assert any(r.get("drifts") for r in data["rows"])
    assert undated_drifts(data) == []
    drift = drift_releases(root / "strapi-bisect.json")
    entries = {e["id"]: e for e in json.loads((root / "strapi-bisect.json").read_text(encoding="utf-8"))["bisections"]}
    page = (root / "matrix.html").read_text(encoding="utf-8")
    releases = [(i, c["version"]) for i, c in enumerate(data["columns"]) if str(c["name"]).startswith("strapi")]
    for row in data["rows"]:
        if not row["drifts"]:
            continue
        entry = entries[row["id"]]
        assert row["drift_release"] == drift[row["id"]]
        # The page's own row for this id shows it (not just some row with the same release).
        shown = re.search(rf'<tr [^>]*id="{row["id"]}".*?<td class="drift">(.*?)</td>', page, re.DOTALL)
        assert shown is not None and html.unescape(shown.group(1)) == row["drift_release"], row["id"]
        # Named: the first release that changed, or, only when every release left in the range cannot
        # be run, the range with each of them and its reason. Never a bisection left unfinished.
        if entry["complete"]:
            assert re.fullmatch(r"5\.\d+\.\d+", entry["first_changed"])
            assert row["drift_release"] == drift_label(entry) and row["drift_release"].startswith(entry["first_changed"])
            # A later change the runs show is named by its exact release too, not left as a range.
            assert all(not change["between"] for change in entry["later_changes"]), row["id"]
        else:
            assert entry["untested"] and all(reason for reason in entry["untested"].values()), row["id"]
            assert entry["candidates"][0] in entry["untested"], row["id"]
            assert row["drift_release"].startswith(f"between {entry['last_unchanged']} and {entry['candidates'][1]} ("), row["id"]
        # The bisection ran between the two neighbouring releases of the matrix whose outcomes differ.
        changes = [(before, after) for (i, before), (j, after) in itertools.pairwise(releases)
                   if row["cells"][i]["outcome"] != row["cells"][j]["outcome"]]
        assert [(entries[row["id"]]["good"], entries[row["id"]]["bad"])] == changes


@pytest.mark.parametrize(("change", "expected"), [
    # 5.43.0 cannot be run: a change in it or in 5.44.0 cannot be told apart, so neither is named.
    ("5.43.0", "between 5.42.0 and 5.44.0 (5.43.0 uninstallable: never published)"),
    ("5.44.0", "between 5.42.0 and 5.44.0 (5.43.0 uninstallable: never published)"),
    ("5.45.0", "5.45.0"),  # 5.44.0 runs and still has the old outcome: the skip does not matter
    ("5.42.0", "5.42.0"),
])
def test_a_release_that_cannot_be_run_is_skipped_and_named_with_its_reason_when_it_hides_the_change(
        tmp_path: Path, change: str, expected: str) -> None:
    calls: list[str] = []

    def outcome(version: str) -> str:
        calls.append(version)
        return "failed" if VERSIONS.index(version) < VERSIONS.index(change) else "passed"

    skipped = {"5.43.0": "uninstallable: never published"}
    result = bisect("RP-090", VERSIONS, outcome, skipped=skipped)
    assert "5.43.0" not in calls
    out = tmp_path / "b.json"
    record([result], out)
    assert drift_releases(out) == {"RP-090": expected}
    entry = json.loads(out.read_text(encoding="utf-8"))["bisections"][0]
    assert entry["complete"] is (result.first_changed is not None)
    if not entry["complete"]:
        assert entry["candidates"] == ["5.43.0", "5.44.0"] and entry["untested"] == skipped
        assert entry["last_unchanged"] == "5.42.0"
        assert entry["outcomes"]["5.42.0"] == "failed" and entry["outcomes"]["5.44.0"] == "passed"


def test_releases_that_fail_to_install_or_run_are_skipped_for_every_id_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    import conformance.strapi_bisect as sb

    runs: list[str] = []
    broken = {"5.41.0": "uninstallable: npm install of Strapi 5.41.0 failed (exit 1)",
              "5.42.0": "cannot run the fixture (exit 2): Strapi did not start"}

    def run_release(version: str, ids: list[str]) -> dict[str, str]:
        runs.append(version)
        if version in broken:
            raise sb.ReleaseUnavailable(broken[version])
        minor = int(version.split(".")[1])
        return {"RP-090": "passed" if minor >= 41 else "failed", "AU-018": "failed" if minor >= 44 else "passed"}

    monkeypatch.setattr(sb, "npm_versions", lambda package=sb.PACKAGE: list(VERSIONS))
    monkeypatch.setattr(sb, "run_release", run_release)
    monkeypatch.setattr(sb, "is_installed", lambda version: True)
    monkeypatch.setattr(sb, "reports_root", lambda: tmp_path)
    out = tmp_path / "strapi-bisect.json"
    args = argparse.Namespace(id=["RP-090", "AU-018"], good="5.30.0", bad="5.54.0", out=str(out), max_installs=None)
    assert sb.cmd_bisect(args) == 0
    assert len(runs) == len(set(runs))  # a broken release is tried once, for both ids
    entries = {e["id"]: e for e in json.loads(out.read_text(encoding="utf-8"))["bisections"]}
    # RP-090 changed in 5.41.0 or 5.42.0, neither of which runs: the range and both reasons.
    assert drift_releases(out)["RP-090"] == (
        "between 5.40.0 and 5.43.0 (5.41.0 uninstallable: npm install of Strapi 5.41.0 failed (exit 1); "
        "5.42.0 cannot run the fixture (exit 2): Strapi did not start)")
    assert entries["RP-090"]["untested"] == broken and entries["RP-090"]["complete"] is False
    # AU-018 changed in 5.44.0, after the broken releases: found, with them listed as skipped.
    assert drift_releases(out)["AU-018"] == "5.44.0" and entries["AU-018"]["last_unchanged"] == "5.43.0"
    assert entries["AU-018"]["skipped"] == broken and entries["AU-018"]["untested"] == {}


def test_a_release_that_does_not_install_or_does_not_run_gives_a_one_line_reason_without_paths(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    import conformance.strapi_bisect as sb
    import conformance.targets.strapi.installer as installer
    from conformance.targets.base import TargetError

    home = str(Path.home())

    def failing_install(version: str) -> Path:
        raise TargetError(f"npm install of Strapi {version} failed (exit 1); log: {home}/x/install.log\nnpm ERR! 404")

    monkeypatch.setattr(installer, "install", failing_install)
    with pytest.raises(sb.ReleaseUnavailable) as stop:
        sb.run_release("5.37.0", ["RP-090"])
    assert str(stop.value) == "uninstallable: npm install of Strapi 5.37.0 failed (exit 1)"

    monkeypatch.setattr(installer, "install", lambda version: Path(home))
    monkeypatch.setattr(sb.subprocess, "run", lambda command, **kw: subprocess.CompletedProcess(
        command, 2, "", f"starting\nconformance: Strapi 5.0.2 exited before it answered; log {home}/s.log\n"))
    with pytest.raises(sb.ReleaseUnavailable) as stop:
        sb.run_release("5.0.2", ["RP-090"])
    assert str(stop.value) == "cannot run the fixture (exit 2): conformance: Strapi 5.0.2 exited before it answered; log ~/s.log"
    assert "exited before it answered" in capsys.readouterr().err  # the run's own error stays visible


def test_an_outcome_that_goes_back_after_the_first_change_is_narrowed_and_named_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    import conformance.strapi_bisect as sb

    runs: list[str] = []

    def run_release(version: str, ids: list[str]) -> dict[str, str]:
        runs.append(version)
        minor = int(version.split(".")[1])
        # AU-018 is fixed in 5.36.0, broken again in 5.44.0 and fixed for good in 5.50.0 (CP-009 on
        # 5.0.4, 5.0.6 and 5.1.0); RP-090's bisection runs releases inside the broken stretch.
        au = "passed" if 36 <= minor < 44 or minor >= 50 else "failed"
        return {"RP-090": "passed" if minor >= 47 else "failed", "AU-018": au}

    monkeypatch.setattr(sb, "npm_versions", lambda package=sb.PACKAGE: list(VERSIONS))
    monkeypatch.setattr(sb, "run_release", run_release)
    monkeypatch.setattr(sb, "is_installed", lambda version: True)
    monkeypatch.setattr(sb, "reports_root", lambda: tmp_path)
    out = tmp_path / "strapi-bisect.json"
    args = argparse.Namespace(id=["RP-090", "AU-018"], good="5.30.0", bad="5.54.0", out=str(out), max_installs=None)
    assert sb.cmd_bisect(args) == 0
    assert len(runs) == len(set(runs))
    labels = drift_releases(out)
    assert labels["RP-090"] == "5.47.0"
    assert labels["AU-018"] == "5.36.0 (then failed in 5.44.0, passed in 5.50.0)"
    entry = {e["id"]: e for e in json.loads(out.read_text(encoding="utf-8"))["bisections"]}["AU-018"]
    assert entry["first_changed"] == "5.36.0" and [c["first"] for c in entry["later_changes"]] == ["5.44.0", "5.50.0"]
    assert entry["outcomes"]["5.43.0"] == "passed" and entry["outcomes"]["5.49.0"] == "failed"


def test_later_changes_between_releases_not_run_are_named_as_a_range() -> None:
    from conformance.strapi_bisect import later_changes

    outcomes = {"5.30.0": "failed", "5.35.0": "failed", "5.36.0": "passed", "5.40.0": "failed", "5.54.0": "passed"}
    assert later_changes(VERSIONS, outcomes, "5.36.0") == [
        {"outcome": "failed", "last_before": "5.36.0", "first": "5.40.0", "between": ["5.37.0", "5.38.0", "5.39.0"]},
        {"outcome": "passed", "last_before": "5.40.0", "first": "5.54.0",
         "between": [f"5.{m}.0" for m in range(41, 54)]}]
    assert later_changes(VERSIONS, outcomes, None) == []
    assert drift_label({"first_changed": "5.36.0", "later_changes": later_changes(VERSIONS, outcomes, "5.36.0")}) == (
        "5.36.0 (then failed between 5.36.0 and 5.40.0, passed between 5.40.0 and 5.54.0)")
