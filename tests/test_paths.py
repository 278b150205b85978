"""Where the catalogue and the reports are: in this checkout, and in an installed wheel's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import paths

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_FEATURES", raising=False)


def _site_packages(tmp_path: Path) -> Path:
    """The layout a wheel installs: site-packages/conformance/ with the catalogue inside."""
    package = tmp_path / "site-packages" / "conformance"
    (package / "features").mkdir(parents=True)
    (package / "features" / "a.feature").write_text("Feature: a\n", encoding="utf-8")
    return package


def test_in_the_checkout_features_and_reports_are_the_repository_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.checkout_root() == REPO
    assert paths.features_dir() == REPO / "features"
    assert paths.reports_root() == REPO / "reports"


def test_installed_the_catalogue_is_the_packaged_copy_and_reports_go_under_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = _site_packages(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert paths.checkout_root(package) is None
    assert paths.features_dir(package) == package / "features"
    assert paths.reports_root(package) == elsewhere / "reports"


def test_a_folder_with_another_project_s_pyproject_is_not_a_checkout(tmp_path: Path) -> None:
    package = _site_packages(tmp_path)
    (package.parent / "features").mkdir()
    (package.parent / "pyproject.toml").write_text('[project]\nname = "something-else"\n', encoding="utf-8")
    assert paths.checkout_root(package) is None
    (package.parent / "pyproject.toml").write_text(f'[project]\nname = "{paths.PROJECT_NAME}"\n', encoding="utf-8")
    assert paths.checkout_root(package) == package.parent


def test_conformance_features_overrides_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_FEATURES", str(tmp_path / "mine"))
    assert paths.features_dir() == tmp_path / "mine"
    assert paths.features_dir(_site_packages(tmp_path)) == tmp_path / "mine"
