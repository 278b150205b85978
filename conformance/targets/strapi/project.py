"""Write a fresh Strapi fixture project: the JS template, the shared schemas, fixture.json, a new .env.

``node_modules`` is a symlink to the cached install of the same version (conformance.targets.strapi.
install), so a project costs a few hundred kilobytes and a second to write.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path

from ...fixture import STRAPI_TEMPLATE, copy_schemas
from ...fixture.facts import FIXTURE_JSON
from ..base import TargetError
from .installer import package_json

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
