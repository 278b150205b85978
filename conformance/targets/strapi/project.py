"""Write a fresh Strapi fixture project: the JS template, the shared schemas, fixture.json, a new .env.

``node_modules`` is a symlink to the cached install of the same version (conformance.targets.strapi.
install), so a project costs a few hundred kilobytes and a second to write.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...fixture import STRAPI_TEMPLATE, copy_schemas
from ...fixture.facts import FIXTURE_JSON
from ..base import TargetError
from . import installer
from .installer import package_json
from .server import START_SCRIPT

TEMPLATE_DIR = STRAPI_TEMPLATE
FIXTURE_DEST = Path("src") / "conformance" / "fixture.json"
DATABASE_FILENAME = ".tmp/data.db"


def _secret(nbytes: int = 16) -> str:
    return secrets.token_urlsafe(nbytes)


def env_file(host: str = "127.0.0.1", port: int = 1337) -> str:
    """A ``.env`` with fresh random secrets and the SQLite file inside the project."""
    values = {
        "HOST": host,
        "PORT": str(port),
        "APP_KEYS": ",".join(_secret() for _ in range(4)),
        "API_TOKEN_SALT": _secret(),
        "ADMIN_JWT_SECRET": _secret(),
        "TRANSFER_TOKEN_SALT": _secret(),
        "JWT_SECRET": _secret(),
        "ENCRYPTION_KEY": _secret(24),
        "DATABASE_CLIENT": "sqlite",
        "DATABASE_FILENAME": DATABASE_FILENAME,
        "STRAPI_TELEMETRY_DISABLED": "true",
    }
    return "".join(f"{key}={value}\n" for key, value in values.items())


def write_project(dest: Path, version: str, node_modules: Path | None, port: int = 1337,
                  host: str = "127.0.0.1") -> Path:
    """Create ``dest`` (replacing it) as a runnable fixture project for Strapi ``version``.

    ``node_modules`` is linked into the project when given (the cache's install); tests pass None.
    """
    dest = Path(dest)
    try:
        if dest.is_symlink() or dest.is_file():
            dest.unlink()
        elif dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(TEMPLATE_DIR, dest, ignore=shutil.ignore_patterns("node_modules", ".tmp", ".DS_Store"))
        copy_schemas(dest)
        fixture_copy = dest / FIXTURE_DEST
        fixture_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURE_JSON, fixture_copy)
        (dest / "package.json").write_text(json.dumps(package_json(version), indent=2) + "\n", encoding="utf-8")
        (dest / ".env").write_text(env_file(host, port), encoding="utf-8")
        os.chmod(dest / ".env", 0o600)
        # The upload plugin refuses to start without its folder.
        (dest / "public" / "uploads").mkdir(parents=True, exist_ok=True)
        (dest / ".tmp").mkdir(exist_ok=True)
        if node_modules is not None:
            if not node_modules.is_dir():
                raise TargetError(f"no Strapi install at {node_modules}")
            (dest / "node_modules").symlink_to(node_modules, target_is_directory=True)
    except OSError as exc:
        raise TargetError(f"cannot write the Strapi fixture project at {dest}: {exc}") from exc
    return dest


# -- your own Strapi project as a target ----------------------------------------------------------------

OWN_TEMPLATES = Path(__file__).resolve().parent / "own"
KEPT = Path(".conformance")  # the project's files the fixture replaces, kept for the generated ones to load
# Not copied: installs, builds, caches, data, version control.
COPY_IGNORE = ("node_modules", ".tmp", "build", "dist", ".cache", ".strapi", ".git", ".env", "*.db", "*.log")
# The fixture's settings win over the project's: a test copy must never reach the project's database,
# its host and port are the harness's, and the admin panel is not built.
FIXTURE_CONFIG = ("database.js", "server.js", "admin.js")
FIXTURE_MIDDLEWARES = ("conformance-trace", "gmw-first", "gmw-second", "conformance-project")


@dataclass
class OwnProject:
    """What was done to a copy of the user's project: for the terminal and the report."""

    source: Path
    version: str
    set_aside: list[str] = field(default_factory=list)  # the project's parts the fixture replaced, and why
    kept: list[str] = field(default_factory=list)  # the project's middlewares and plugins left in the chain

    def as_json(self) -> dict[str, Any]:
        return {"name": self.source.name, "set_aside": self.set_aside, "kept": self.kept}


def project_key(source: Path) -> str:
    """A short, file-name-safe key for a project folder (``sample_project-1a2b3c4d``): its name for the
    person, a hash of its resolved path for two projects of the same name."""
    import hashlib
    import re

    resolved = Path(source).resolve()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", resolved.name).strip("-.") or "project"
    return f"{name}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:8]}"


def project_version(source: Path) -> str:
    """The exact Strapi version a project depends on (``"^5.30.0"`` -> ``"5.30.0"``), or a TargetError."""
    try:
        manifest = json.loads((source / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TargetError(f"{source} is not a Strapi project: cannot read its package.json ({exc})") from exc
    spec = str((manifest.get("dependencies") or {}).get("@strapi/strapi") or "")
    version = spec.lstrip("^~=v ")
    if not version:
        raise TargetError(f"{source}/package.json does not depend on @strapi/strapi")
    installer.parse_version(version)
    return version


def _fixture_names() -> tuple[set[str], set[str]]:
    """The fixture's api folder names and its content types' singular and plural names."""
    from ...fixture import CONTENT_TYPES_DIR

    apis = {p.name for p in (TEMPLATE_DIR / "src" / "api").iterdir() if p.is_dir()}
    names: set[str] = set()
    for schema in CONTENT_TYPES_DIR.glob("*/*/schema.json"):
        apis.add(schema.parent.parent.name)
        info = json.loads(schema.read_text(encoding="utf-8")).get("info", {})
        names |= {info.get("singularName", ""), info.get("pluralName", "")}
    return apis, names - {""}


def _project_types(api: Path) -> set[str]:
    names: set[str] = set()
    for schema in api.glob("content-types/*/schema.json"):
        try:
            info = json.loads(schema.read_text(encoding="utf-8")).get("info", {})
        except (OSError, ValueError):
            continue
        names |= {info.get("singularName", ""), info.get("pluralName", "")}
    return names - {""}


def _check_clashes(source: Path) -> None:
    """Names the fixture needs as they are (the scenarios call them): a clash is exit 2, named."""
    if any(source.glob("src/index.ts")) or any(source.glob("config/*.ts")):
        raise TargetError(f"{source} is a TypeScript project: --project supports JavaScript projects "
                          "(TypeScript ones need `strapi build` first, not done by the harness yet)")
    for folder, names in (("src/middlewares", FIXTURE_MIDDLEWARES),
                          ("src/policies", tuple(p.stem for p in (TEMPLATE_DIR / "src" / "policies").glob("*.js")))):
        for name in names:
            if any((source / folder).glob(f"{name}.*")):
                raise TargetError(f"{source}/{folder}/{name}: the conformance fixture reserves this name")
    if (source / "src" / "conformance").exists():
        raise TargetError(f"{source}/src/conformance: the conformance fixture reserves this folder")


def write_own_project(dest: Path, source: Path, version: str, node_modules: Path | None, port: int = 1337,
                      host: str = "127.0.0.1") -> OwnProject:
    """A copy of the Strapi project ``source`` at ``dest`` with the conformance fixture added.

    The project keeps its own plugins, global middlewares (each wrapped so that the trace shows it),
    register/bootstrap and content types; an api of the project that has a fixture content type's
    name (``article``...) is set aside in the copy, since the scenarios address those by name.
    """
    source, dest = Path(source).resolve(), Path(dest)
    if not (source / "package.json").is_file():
        raise TargetError(f"--project {source}: no package.json there (give the folder of a Strapi 5 project)")
    _check_clashes(source)
    own = OwnProject(source, version)
    fixture_apis, fixture_types = _fixture_names()
    try:
        if dest.exists() or dest.is_symlink():
            shutil.rmtree(dest) if dest.is_dir() and not dest.is_symlink() else dest.unlink()
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*COPY_IGNORE), symlinks=True)
        kept = dest / KEPT
        # The project's api folders that clash with the fixture's names: aside, said out loud.
        for api in sorted((dest / "src" / "api").glob("*")) if (dest / "src" / "api").is_dir() else []:
            clash = _project_types(api) & fixture_types
            if api.name in fixture_apis or clash:
                target = kept / "set-aside" / "api" / api.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(api), target)
                why = f"content type names {', '.join(sorted(clash))}" if clash else "its folder name"
                own.set_aside.append(f"src/api/{api.name} (the fixture's api::{api.name} needs {why})")
        # config/env/<env>/ would override the fixture's database and server settings.
        if (dest / "config" / "env").exists():
            shutil.move(str(dest / "config" / "env"), kept / "config-env")
            own.set_aside.append("config/env/ (environment overrides: the copy runs on the fixture's SQLite)")
        for name in FIXTURE_CONFIG:
            if (dest / "config" / name).exists():
                (kept / "config").mkdir(parents=True, exist_ok=True)
                shutil.move(str(dest / "config" / name), kept / "config" / name)
                own.set_aside.append(f"config/{name} (the copy runs on the fixture's settings: SQLite in the "
                                     "copy, the harness's port, no admin panel)")
        # The fixture template on top: its components, middlewares, policies, apis and config; the
        # project's own REST settings (config/api.js) are the project's behaviour and stay, and so does
        # its own logger configuration.
        own_config = {name: (dest / "config" / name).read_bytes() for name in ("api.js", "logger.js")
                      if (dest / "config" / name).exists()}
        shutil.copytree(TEMPLATE_DIR, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("node_modules", ".tmp", ".DS_Store", "index.js",
                                                      "middlewares.js", "plugins.js", START_SCRIPT))
        copy_schemas(dest)
        for name, content in own_config.items():
            (dest / "config" / name).write_bytes(content)
        (kept / "config").mkdir(parents=True, exist_ok=True)
        for name, empty in (("middlewares.js", _DEFAULT_MIDDLEWARES), ("plugins.js", "module.exports = {};\n")):
            original = dest / "config" / name
            if original.exists():
                shutil.move(str(original), kept / "config" / name)
            else:
                (kept / "config" / name).write_text(empty, encoding="utf-8")
            shutil.copyfile(OWN_TEMPLATES / name, dest / "config" / name)
        shutil.copyfile(TEMPLATE_DIR / "config" / "plugins.js", kept / "fixture-plugins.js")
        index = dest / "src" / "index.js"
        if index.exists():
            shutil.move(str(index), dest / "src" / "index.project.js")
        else:
            (dest / "src" / "index.project.js").write_text("module.exports = {};\n", encoding="utf-8")
        shutil.copyfile(OWN_TEMPLATES / "index.js", index)
        shutil.copyfile(OWN_TEMPLATES / "conformance-project.js", dest / "src" / "middlewares" / "conformance-project.js")
        fixture_copy = dest / FIXTURE_DEST
        fixture_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURE_JSON, fixture_copy)
        (dest / ".env").write_text(_env_lines(source / ".env") + env_file(host, port), encoding="utf-8")
        os.chmod(dest / ".env", 0o600)
        (dest / "public" / "uploads").mkdir(parents=True, exist_ok=True)
        (dest / ".tmp").mkdir(exist_ok=True)
        own.kept = (_own_middlewares(kept / "config" / "middlewares.js") + _own_plugins(source)
                    + [f"api {api.name}" for api in sorted((source / "src" / "api").glob("*"))
                       if api.is_dir() and not (kept / "set-aside" / "api" / api.name).exists()])
        if node_modules is not None:
            _link_or_install(dest, node_modules, version)
    except OSError as exc:
        raise TargetError(f"cannot write the copy of {source} at {dest}: {exc}") from exc
    return own


_DEFAULT_MIDDLEWARES = """module.exports = ['strapi::logger', 'strapi::errors', 'strapi::security', 'strapi::cors',
  'strapi::poweredBy', 'strapi::query', 'strapi::body', 'strapi::session', 'strapi::favicon', 'strapi::public'];
"""


def _env_lines(path: Path) -> str:
    """The project's own .env values (its custom settings); the fixture's lines come after and win."""
    try:
        return path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    except OSError:
        return ""


def _own_middlewares(config: Path) -> list[str]:
    """The project's global middlewares as named in its config (for the terminal; the trace is the proof)."""
    import re

    text = config.read_text(encoding="utf-8", errors="replace")
    return [f"middleware {m}" for m in dict.fromkeys(re.findall(r"['\"]((?:global|plugin)::[\w.@/-]+)['\"]", text))]


def _own_plugins(source: Path) -> list[str]:
    plugins = source / "src" / "plugins"
    return [f"plugin {p.name}" for p in sorted(plugins.iterdir()) if p.is_dir()] if plugins.is_dir() else []


def _link_or_install(dest: Path, node_modules: Path, version: str) -> None:
    """The cached install of ``version`` when it has every dependency of the project; else npm install."""
    manifest = json.loads((dest / "package.json").read_text(encoding="utf-8"))
    deps = {**(manifest.get("dependencies") or {})}
    missing = [name for name in deps if not (node_modules / name).is_dir()]
    if not missing:
        (dest / "node_modules").symlink_to(node_modules, target_is_directory=True)
        return
    import subprocess

    npm = installer.require_tool("npm")
    log = dest / "npm-install.log"
    with open(log, "wb") as out:
        code = subprocess.call([npm, *installer.npm_install_args(version)], cwd=dest, stdout=out,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if code != 0:
        raise TargetError(f"npm install in the copy of the project failed (exit {code}; it needs "
                          f"{', '.join(missing)}, which the cached Strapi {version} lacks); log: {log}\n"
                          f"{installer.tail(log)}")
