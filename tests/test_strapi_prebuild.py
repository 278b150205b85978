"""A better-sqlite3 built by one cached Strapi install is kept as a prebuild for the next install."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from conformance.targets.strapi.installer import BETTER_SQLITE3, MARKER, PREBUILDS, keep_prebuild

NAME = f"better-sqlite3-v{BETTER_SQLITE3}-node-v115-linux-x64.tar.gz"


def _install(root: Path, version: str, node: str, sqlite: str = BETTER_SQLITE3, built: bool = True) -> None:
    package = root / version / "node_modules" / "better-sqlite3"
    (package / "build" / "Release").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": sqlite}), encoding="utf-8")
    if built:
        (package / "build" / "Release" / "better_sqlite3.node").write_bytes(b"\x7fELF " + version.encode())
    (root / version / MARKER).write_text(json.dumps({"version": version, "node": node}), encoding="utf-8")


def test_the_binary_of_a_cached_install_is_packed_where_prebuild_install_looks(tmp_path: Path) -> None:
    _install(tmp_path, "5.30.1", "v18.0.0")  # another Node: its binary does not load on this one
    _install(tmp_path, "5.34.0", "v20.20.2", sqlite="11.0.0")  # another better-sqlite3
    _install(tmp_path, "5.36.0", "v20.20.2", built=False)  # npm stopped before the build
    assert keep_prebuild(tmp_path, NAME, "v20.20.2") is None
    _install(tmp_path, "5.54.0", "v20.20.2")
    kept = keep_prebuild(tmp_path, NAME, "v20.20.2")
    assert kept == tmp_path / PREBUILDS / NAME
    with tarfile.open(kept) as tar:
        member = tar.extractfile("build/Release/better_sqlite3.node")
        assert member is not None and member.read() == b"\x7fELF 5.54.0"
        assert tar.getnames() == ["build/Release/better_sqlite3.node"]
    assert not [p for p in kept.parent.iterdir() if p.name.endswith(".tmp")]
    assert keep_prebuild(tmp_path, NAME, "v20.20.2") == kept  # once
