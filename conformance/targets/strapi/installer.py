"""Install a pinned Strapi 5 release into a cache folder outside the repository, once per version.

The cache is ``~/.cache/strapi-conformance/<version>/`` (root overridable with the environment
variable ``STRAPI_CONFORMANCE_CACHE``). It holds a ``package.json``, the ``node_modules`` every
fixture project of that version links to, ``install.log``, and a marker written only after an
install was checked, so an interrupted install is redone rather than trusted.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..base import TargetError

DEFAULT_VERSION = "5.54.0"
CACHE_ENV = "STRAPI_CONFORMANCE_CACHE"
BETTER_SQLITE3 = "12.8.0"  # what create-strapi-app@5.54.0 pins
MARKER = ".installed.json"
LOG_NAME = "install.log"
TAIL_LINES = 20

Progress = Callable[[str], None]

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def print_progress(line: str) -> None:
    """Default progress sink: one line on stderr, flushed, so a person at a terminal sees it at once."""
    print(line, file=sys.stderr, flush=True)


def parse_version(version: str) -> tuple[int, int, int]:
    """``"5.54.0"`` -> ``(5, 54, 0)``; anything but a plain 5.x.y release is a TargetError."""
    match = _VERSION_RE.match(version.strip())
    if not match:
        raise TargetError(f"Strapi version {version!r} is not of the form 5.x.y")
    parts = (int(match[1]), int(match[2]), int(match[3]))
    if parts[0] != 5:
        raise TargetError(f"Strapi version {version} is not supported: this fixture targets Strapi 5")
    return parts


def cache_root() -> Path:
    """Where installs live: ``$STRAPI_CONFORMANCE_CACHE`` or ``~/.cache/strapi-conformance``."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "strapi-conformance"


def version_dir(version: str, root: Path | None = None) -> Path:
    parse_version(version)
    return (root or cache_root()) / version


def package_json(version: str) -> dict[str, Any]:
    """The dependencies of a fixture project (the admin package's peers included, so npm resolves them)."""
    parts = parse_version(version)
    manifest: dict[str, Any] = {
        "name": f"strapi-conformance-{version.replace('.', '-')}",
        "private": True,
        "version": "0.0.0",
        "description": "Strapi conformance fixture (generated; see conformance/targets/strapi)",
        "dependencies": {
            "@strapi/strapi": version,
            "@strapi/plugin-users-permissions": version,
            "better-sqlite3": BETTER_SQLITE3,
            "react": "^18.3.1",
            "react-dom": "^18.3.1",
            "react-router-dom": "^6",
            "styled-components": "^6",
        },
        "engines": {"node": ">=18.0.0 <=24.x.x"},
    }
    if parts < (5, 12, 4):
        # Older releases depend on sharp 0.32, whose install downloads a library from GitHub.
        manifest["overrides"] = {"sharp": "0.33.5"}
    return manifest


def npm_install_args(version: str) -> list[str]:
    """``npm install`` arguments; 5.0.x resolves @strapi/email at start only with legacy peer deps."""
    args = ["install", "--no-audit", "--no-fund", "--loglevel=http", "--foreground-scripts"]
    if parse_version(version)[:2] == (5, 0):
        args.append("--legacy-peer-deps")
    return args


def node_headers_dir(node: str) -> Path | None:
    """The prefix whose ``include/node`` holds this Node's headers (node-gyp must not download them)."""
    prefix = Path(node).resolve().parent.parent
    return prefix if (prefix / "include" / "node" / "node_version.h").is_file() else None


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last lines of a log, without colour codes, for a TargetError message."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    kept = [_ANSI_RE.sub("", line).rstrip() for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:]) or "(empty log)"


PREBUILDS = "prebuilds"  # under the cache root: better-sqlite3 builds kept for the next install
_BINARY = Path("build") / "Release" / "better_sqlite3.node"


def prebuild_name(node: str) -> str | None:
    """The file better-sqlite3's installer (prebuild-install) looks for in its local prebuilds folder."""
    try:
        out = subprocess.run([node, "-p", "[process.versions.modules, process.platform, process.arch].join(' ')"],
                             capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) != 3:
        return None
    abi, platform, arch = out
    return f"better-sqlite3-v{BETTER_SQLITE3}-node-v{abi}-{platform}-{arch}.tar.gz"


def keep_prebuild(root: Path, name: str, node_version: str) -> Path | None:
    """Pack a better-sqlite3 this Node built for an install in the cache (same version, same Node) as
    a prebuild, once: later installs unpack it instead of compiling SQLite again (minutes on a loaded
    machine; prebuild-install cannot download one here)."""
    target = root / PREBUILDS / name
    if target.is_file():
        return target
    for marker in sorted(root.glob(f"*/{MARKER}")):
        package = marker.parent / "node_modules" / "better-sqlite3"
        try:
            same_node = json.loads(marker.read_text(encoding="utf-8")).get("node") == node_version
            version = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            continue
        if same_node and version == BETTER_SQLITE3 and (package / _BINARY).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{name}.{os.getpid()}.tmp")
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(package / _BINARY, arcname=_BINARY.as_posix())
            partial.replace(target)
            return target
    return None


def require_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise TargetError(f"{name} is not on PATH: real Strapi targets need Node.js 18-22 and npm")
    return found


def _fingerprint(manifest: dict[str, Any], args: list[str], node_version: str) -> str:
    blob = json.dumps({"manifest": manifest, "args": args, "node": node_version}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _node_version(node: str) -> str:
    """``node --version``; a Node that cannot answer (NODE_OPTIONS it refuses, say) is a TargetError:
    an empty answer would not match the install's fingerprint, and the install would be wiped."""
    try:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise TargetError(f"cannot run {node} --version: {exc}") from exc
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise TargetError(f"{node} --version failed: {reason}")
    return version


def is_installed(version: str, root: Path | None = None) -> bool:
    """True when the cache holds a checked install of ``version`` for the Node on PATH."""
    vdir = version_dir(version, root)
    marker = vdir / MARKER
    if not marker.is_file() or not (vdir / "node_modules").is_dir():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return False
    node = shutil.which("node")
    if node is None:
        return False
    return recorded == _fingerprint(package_json(version), npm_install_args(version), _node_version(node))


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Serialise installs of one version between processes (xdist workers, two terminals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _NpmWatcher:
    """Reads npm's output into the log and tells the person what npm is doing, a line every few seconds."""

    # Phases only move forward: a late line naming better-sqlite3 must not undo "npm finished".
    PHASES = (
        ("resolving dependencies", None),
        ("downloading packages", re.compile(r"npm http (fetch|cache)", re.I)),
        ("building better-sqlite3 from source (node-gyp)", re.compile(r"gyp info|better-sqlite3@.*install", re.I)),
        ("npm finished", re.compile(r"^added \d+ packages", re.I)),
    )

    def __init__(self, stream: Any, log: Any, progress: Progress, label: str, started: float,
                 every: float = 10.0) -> None:
        self.stream, self.log, self.progress, self.label = stream, log, progress, label
        self.started, self.every = started, every
        self.phase_index = 0
        self.fetches = 0
        self.last = ""
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)

    @property
    def phase(self) -> str:
        return self.PHASES[self.phase_index][0]

    def _read(self) -> None:
        for raw in iter(self.stream.readline, ""):
            self.log.write(raw)
            self.log.flush()
            line = _ANSI_RE.sub("", raw).strip()
            if not line:
                continue
            with self.lock:
                self.last = line
                if line.startswith("npm http fetch"):
                    self.fetches += 1
                for index in range(len(self.PHASES) - 1, self.phase_index, -1):
                    pattern = self.PHASES[index][1]
                    if pattern is not None and pattern.search(line):
                        self.phase_index = index
                        self.progress(f"{self.label} {self.phase} ({self.elapsed():.0f} s)")
                        break

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def heartbeat(self) -> None:
        with self.lock:
            last = self.last if len(self.last) <= 100 else self.last[:97] + "..."
            fetched = f", {self.fetches} packages fetched" if self.phase == "downloading packages" else ""
            self.progress(f"{self.label} {self.phase}, {self.elapsed():.0f} s{fetched}; npm: {last or '...'}")


def install(version: str = DEFAULT_VERSION, root: Path | None = None, progress: Progress | None = None,
            force: bool = False, timeout: float = 1800.0) -> Path:
    """Install Strapi ``version`` into the cache if it is not there yet; returns the version folder."""
    say = progress or print_progress
    vdir = version_dir(version, root)
    with _lock(vdir.parent / f".{version}.lock"):
        if not force and is_installed(version, root):
            return vdir
        node, npm = require_tool("node"), require_tool("npm")
        manifest, args = package_json(version), npm_install_args(version)
        node_version = _node_version(node)
        label = f"[strapi {version}]"
        started = time.monotonic()
        say(f"{label} installing into {vdir} (npm, about 2 minutes the first time; log: {vdir / LOG_NAME})")
        # A half-finished node_modules may hold a broken native build: start from scratch.
        for stale in ("node_modules", MARKER, "package-lock.json"):
            target = vdir / stale
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        vdir.mkdir(parents=True, exist_ok=True)
        (vdir / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false")
        headers = node_headers_dir(node)
        if headers is not None and "npm_config_nodedir" not in env:
            env["npm_config_nodedir"] = str(headers)
        name = prebuild_name(node)
        if name and keep_prebuild(vdir.parent, name, node_version) is not None:
            env.setdefault("npm_config_better_sqlite3_local_prebuilds", str(vdir.parent / PREBUILDS))
        log_path = vdir / LOG_NAME
        with open(log_path, "w", encoding="utf-8") as log:
            log.write(f"$ npm {' '.join(args)}  (node {node_version})\n")
            log.flush()
            try:
                proc = subprocess.Popen([npm, *args], cwd=vdir, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace")
            except OSError as exc:
                raise TargetError(f"cannot run npm: {exc}") from exc
            watcher = _NpmWatcher(proc.stdout, log, say, label, started)
            watcher.thread.start()
            next_beat = watcher.every
            try:
                while proc.poll() is None:
                    if watcher.elapsed() > timeout:
                        proc.kill()
                        proc.wait()
                        raise TargetError(f"npm install of Strapi {version} took over {timeout:.0f} s; "
                                          f"log: {log_path}\n{tail(log_path)}")
                    time.sleep(0.2)
                    if watcher.elapsed() >= next_beat:
                        watcher.heartbeat()
                        next_beat += watcher.every
            except KeyboardInterrupt:
                proc.terminate()
                proc.wait()
                raise
            watcher.thread.join(timeout=10)
        if proc.returncode != 0:
            raise TargetError(f"npm install of Strapi {version} failed (exit {proc.returncode}); "
                              f"log: {log_path}\n{tail(log_path)}")
        say(f"{label} checking the install ({watcher.elapsed():.0f} s)")
        _check_install(vdir, version, node, log_path)
        fingerprint = _fingerprint(manifest, args, node_version)
        (vdir / MARKER).write_text(json.dumps({"version": version, "node": node_version,
                                               "fingerprint": fingerprint, "seconds": round(watcher.elapsed())},
                                              indent=2) + "\n", encoding="utf-8")
        say(f"{label} installed in {watcher.elapsed():.0f} s")
        return vdir


_CHECK_JS = """
const v = require('@strapi/strapi/package.json').version;
if (v !== process.argv[1]) { console.error('@strapi/strapi is ' + v + ', not ' + process.argv[1]); process.exit(3); }
new (require('better-sqlite3'))(':memory:').prepare('select 1').get();
console.log('ok ' + v);
"""


def _check_install(vdir: Path, version: str, node: str, log_path: Path) -> None:
    """The install is only trusted once Strapi resolves at the right version and SQLite opens."""
    try:
        result = subprocess.run([node, "-e", _CHECK_JS, version], cwd=vdir, capture_output=True, text=True,
                                timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise TargetError(f"cannot check the Strapi {version} install: {exc}") from exc
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n$ node -e <check>\n{result.stdout}{result.stderr}")
    if result.returncode != 0:
        raise TargetError(f"Strapi {version} installed but does not load (exit {result.returncode}); "
                          f"log: {log_path}\n{tail(log_path)}")
