"""report.html and matrix.html in a real browser: headless Chromium (the system's, through its
chromedriver and selenium) loads each page from disk, uses the filters and checks the rows shown.

Skipped, with the reason, only when no Chromium is installed; `.ci/run` installs it and sets
CONFORMANCE_REQUIRE_BROWSER, which turns that skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.forked_cli import run_conformance

REPO = Path(__file__).resolve().parents[1]
SELECTION = "@id:PO-* or @id:RT-00* or @id:ST-*"  # three layers, with @should and @must scenarios
STALE = """
[[expected-failure]]
id = "RT-001"
reason = "listed as failing, but the reference implementation passes it: a stale entry"
evidence = "tests/test_browser.py"
message = "status"
"""


def _browser() -> tuple[str, str] | str:
    """(chromium, chromedriver), or why not."""
    binary = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                   if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver") or (
        str(Path(os.environ["CHROMEWEBDRIVER"]) / "chromedriver") if os.environ.get("CHROMEWEBDRIVER") else None)
    if binary is None:
        return "no Chromium installed (Debian: apt-get install chromium chromium-driver; .ci/run does)"
    if driver is None or not Path(driver).is_file():
        return "Chromium found but no chromedriver (Debian: apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return binary, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    found = _browser()
    if isinstance(found, str):
        if os.environ.get("CONFORMANCE_REQUIRE_BROWSER"):
            pytest.fail(f"CONFORMANCE_REQUIRE_BROWSER is set but {found}")
        pytest.skip(found)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _run(tmp: Path, name: str, features: Path, manifest: str) -> Path:
    out = tmp / "reports" / name
    (tmp / f"{name}.toml").write_text(manifest, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = run_conformance(["run", "--tags", SELECTION, "--features", str(features), "--report-dir", str(out),
                            "--expectations", str(tmp / f"{name}.toml")], env)  # forked from a warm process
    assert (out / "report.json").is_file(), done.stderr
    return out


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A run with PO-001 broken (failed) and RT-001 listed as a stale expected failure (unexpected
    pass), a passing run, and the matrix of both."""
    from conformance.report.matrix import build_matrix

    tmp = tmp_path_factory.mktemp("pages")
    broken = tmp / "broken" / "features"
    shutil.copytree(REPO / "features", broken)
    policies = broken / "policies.feature"
    policies.write_text(policies.read_text(encoding="utf-8").replace(
        "Then the error is 403 PolicyError", "Then the error is 404 PolicyError", 1), encoding="utf-8")
    failing = _run(tmp, "failing", broken, STALE)
    passing = _run(tmp, "passing", REPO / "features", "")
    matrix = build_matrix([passing / "report.json", failing / "report.json"], tmp / "matrix.html", "two runs")
    return {"tmp": tmp, "report": failing / "report.html", "matrix": matrix,
            "json": json.loads((failing / "report.json").read_text(encoding="utf-8"))}


def _shown(driver: Any, selector: str) -> list[str]:
    """Ids of the elements matching ``selector`` that a user sees: Selenium's own isDisplayed atom (what
    ``WebElement.is_displayed`` runs), applied to all of them in one script instead of one WebDriver
    round trip per element (hundreds per test)."""
    from selenium.webdriver.remote import webelement

    if webelement.isDisplayed_js is None:
        webelement._load_js()
    return list(driver.execute_script(
        f"const shown = ({webelement.isDisplayed_js});"
        "return Array.from(document.querySelectorAll(arguments[0])).filter(e => shown(e)).map(e => e.id);",
        selector))


def _offline(driver: Any) -> None:
    """Nothing but the page itself was fetched: no stylesheet, script, font or image from elsewhere."""
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    html = driver.page_source
    assert "<script src" not in html and 'rel="stylesheet"' not in html


def test_report_page_failures_first_filters_and_anchors(browser: Any, pages: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    report = pages["json"]
    total = len(report["scenarios"])
    failing = sorted(s["id"] for s in report["scenarios"] if s["outcome"] in ("failed", "unexpected_pass"))
    assert failing == ["PO-001", "RT-001"]
    browser.get(pages["report"].as_uri())
    _offline(browser)
    rows = _shown(browser, "details.scenario")
    assert len(rows) == total and browser.find_element(By.ID, "shown").text == f"{total} of {total} scenarios shown"
    assert sorted(rows[:2]) == failing, "failures first"
    # No path of the machine that ran it: the page names features/… and nothing under the temporary folder.
    text = browser.find_element(By.TAG_NAME, "body").text
    assert str(pages["tmp"]) not in browser.page_source and str(REPO) not in browser.page_source
    assert "features/policies.feature" in browser.page_source
    # The chart: one bar per layer, the failure in the policies bar.
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#chart .label")]
    assert labels == sorted({Path(s["feature"]).stem for s in report["scenarios"]})
    assert browser.find_elements(By.CSS_SELECTOR, "#chart .seg.failed")
    # Outcome: untick "passed" -> only the failures.
    browser.find_element(By.CSS_SELECTOR, "input[name=outcome][value=passed]").click()
    assert sorted(_shown(browser, "details.scenario")) == failing
    browser.find_element(By.CSS_SELECTOR, "input[name=outcome][value=passed]").click()
    # Level.
    Select(browser.find_element(By.NAME, "level")).select_by_visible_text("should")
    should = sorted(s["id"] for s in report["scenarios"] if s["level"] == "should")
    assert should and sorted(_shown(browser, "details.scenario")) == should
    Select(browser.find_element(By.NAME, "level")).select_by_index(0)
    # Layer, from the chart's label.
    browser.find_element(By.CSS_SELECTOR, "#chart .label[data-layer=routing]").click()
    routing = sorted(s["id"] for s in report["scenarios"] if s["feature"] == "features/routing.feature")
    assert sorted(_shown(browser, "details.scenario")) == routing
    Select(browser.find_element(By.NAME, "layer")).select_by_index(0)
    # Free text: a word of a failure's message.
    box = browser.find_element(By.NAME, "q")
    box.send_keys("expected 404")
    assert _shown(browser, "details.scenario") == ["PO-001"]
    box.clear()
    box.send_keys("x")  # `clear()` fires no input event; typing does
    box.clear()
    # An anchor reveals its scenario even when the filters hide it.
    browser.find_element(By.CSS_SELECTOR, "input[name=outcome][value=passed]").click()
    assert "PO-002" not in _shown(browser, "details.scenario")
    browser.execute_script("location.hash = '#PO-002'")
    assert "PO-002" in _shown(browser, "details.scenario")
    assert browser.find_element(By.ID, "PO-002").get_attribute("open") is not None
    assert "verdict" in text.lower()


def test_matrix_page_opens_on_the_rows_that_differ(browser: Any, pages: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By

    data = json.loads(pages["matrix"].with_suffix(".json").read_text(encoding="utf-8"))
    differ = sorted(r["id"] for r in data["rows"] if r["differs"] or not r["documented"])
    assert differ == ["PO-001", "RT-001"]
    browser.get(pages["matrix"].as_uri())
    _offline(browser)
    assert sorted(_shown(browser, "tr.row")) == differ
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#chart .label")]
    assert labels == ["reference", "reference"], "one bar per column"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart .bar")[1].find_elements(By.CSS_SELECTOR, ".seg")) >= 2
    browser.find_element(By.NAME, "showall").click()
    assert len(_shown(browser, "tr.row")) == len(data["rows"])
    browser.find_element(By.NAME, "q").send_keys("ST-00")
    assert _shown(browser, "tr.row") == sorted(r["id"] for r in data["rows"] if r["id"].startswith("ST-00"))


def test_matrix_has_a_drift_release_column_when_rows_carry_one(tmp_path: Path) -> None:
    """`conformance diff` adds ``drift_release`` to matrix rows: the page shows it as a column."""
    from conformance.report.matrix import write_matrix_html

    cell = {"outcome": "passed", "message": ""}
    data: dict[str, Any] = {"title": "t", "columns": [{"name": "a", "version": "1", "summary": {"passed": 1, "failed": 0,
                                                                            "expected_failures": 0, "skipped": 0},
                                       "verdict": None}],
            "rows": [{"id": "RP-001", "name": "n", "feature": "features/x.feature", "level": "must", "cells": [cell],
                      "differs": False, "documented": True}]}
    plain = write_matrix_html(data, tmp_path / "plain.html").read_text(encoding="utf-8")
    data["rows"][0]["drift_release"] = "5.31.0"
    drift = write_matrix_html(data, tmp_path / "drift.html").read_text(encoding="utf-8")
    assert "drift release" not in plain
    assert "<th>drift release</th>" in drift and '<td class="drift">5.31.0</td>' in drift
