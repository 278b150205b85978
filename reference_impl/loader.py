"""Project loading in Strapi's layout, with Python modules in place of JavaScript files::

    config/{middlewares,api,server,database,plugins,admin}.py   each exports ``config``
    src/index.py                                              ``register(strapi)``, ``bootstrap(strapi)``
    src/middlewares/<name>.py                                  ``middleware(config, strapi)`` → global::<name>
    src/policies/<name>.py                                     ``policy(ctx, config, strapi)`` → global::<name>
    src/api/<api>/content-types/<ct>/schema.json               Strapi's own schema format
    src/components/<category>/<name>.json                      component schemas (Strapi's format)
    src/api/<api>/content-types/<ct>/lifecycles.py             ``beforeCreate(event)``, ...
    src/api/<api>/routes/*.py                                  ``routes`` (a core router or route dicts)
    src/api/<api>/controllers/<name>.py                        ``controller`` → api::<api>.<name>
    src/api/<api>/services/<name>.py                           ``service`` → api::<api>.<name>
    src/api/<api>/policies/<name>.py                           ``policy`` → api::<api>.<name>
    src/api/<api>/middlewares/<name>.py                        ``middleware`` → api::<api>.<name>
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from . import upload
from .components import Component, load_components, unknown_components
from .errors import ProjectError
from .lifecycles import ACTIONS
from .schema import ContentType

__all__ = ["Project", "ProjectError", "load_config", "load_module", "load_project"]


def load_module(path: Path, root: Path) -> ModuleType:
    rel = path.relative_to(root).as_posix()
    name = "_strapi_project_" + hashlib.sha1(f"{root}:{rel}".encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProjectError(f"cannot load {rel}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ProjectError(f"{rel}: {type(exc).__name__}: {exc}") from exc
    return module


def _export(module: ModuleType, attr: str, path: Path) -> Any:
    if not hasattr(module, attr):
        raise ProjectError(f"{path.name} must define `{attr}`")
    return getattr(module, attr)


@dataclass
class Project:
    """Everything read from a project folder, before anything is instantiated."""

    root: Path
    config: dict[str, Any] = field(default_factory=dict)
    content_types: dict[str, ContentType] = field(default_factory=dict)
    components: dict[str, Component] = field(default_factory=dict)  # src/components/<category>/<name>.json
    lifecycles: dict[str, dict[str, Any]] = field(default_factory=dict)
    routes: list[tuple[str, Any]] = field(default_factory=list)  # (api name, routes export)
    controllers: dict[str, Any] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)
    policies: dict[str, Any] = field(default_factory=dict)
    middlewares: dict[str, Any] = field(default_factory=dict)
    index: ModuleType | None = None


def _py_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_")) if folder.is_dir() else []


def load_config(root: Path) -> dict[str, Any]:
    config: dict[str, Any] = {}
    folder = root / "config"
    if not folder.is_dir():
        return config
    for path in sorted(folder.glob("*.json")):
        try:
            config[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ProjectError(f"config/{path.name}: invalid JSON: {exc}") from exc
    for path in _py_files(folder):
        value = _export(load_module(path, root), "config", path)
        config[path.stem] = value() if callable(value) else value
    return config


def load_project(root: Path) -> Project:
    root = root.resolve()
    if not (root / "src").is_dir() and not (root / "config").is_dir():
        raise ProjectError(f"{root.name}: not a project folder (no src/ or config/)")
    project = Project(root, load_config(root))
    src = root / "src"
    if (src / "index.py").is_file():
        project.index = load_module(src / "index.py", root)
    for path in _py_files(src / "middlewares"):
        project.middlewares[f"global::{path.stem}"] = _export(load_module(path, root), "middleware", path)
    for path in _py_files(src / "policies"):
        project.policies[f"global::{path.stem}"] = _export(load_module(path, root), "policy", path)
    try:
        project.components = load_components(src / "components")
    except (ValueError, KeyError) as exc:
        raise ProjectError(f"src/components: invalid component schema: {exc}") from exc
    api_root = src / "api"
    for api in sorted(p for p in api_root.iterdir() if p.is_dir()) if api_root.is_dir() else []:
        _load_api(project, api.name, api)
    upload.register(project.content_types)  # the upload plugin's files type, target of media attributes
    _check_relations(project)
    return project


def _check_relations(project: Project) -> None:
    """A relation to a type, or a component, that does not exist is an error in the schema naming it, found now."""
    for ct in project.content_types.values():
        for name, attr in ct.relation_attributes().items():
            if attr.get("target") not in project.content_types:
                schema = f"src/api/{ct.api_name}/content-types/{ct.singular_name}/schema.json"
                raise ProjectError(f"{schema}: invalid schema: attribute {name}: unknown relation target {attr.get('target')}")
        for name, uid in unknown_components(ct, project.components):
            schema = f"src/api/{ct.api_name}/content-types/{ct.singular_name}/schema.json"
            raise ProjectError(f"{schema}: invalid schema: attribute {name}: unknown component {uid}")
    for component in project.components.values():
        for name, uid in unknown_components(component, project.components):
            raise ProjectError(f"src/components/{component.api_name}/{component.singular_name}.json: invalid schema: "
                               f"attribute {name}: unknown component {uid}")


def _load_api(project: Project, api_name: str, folder: Path) -> None:
    root = project.root
    for ct_dir in sorted(p for p in (folder / "content-types").glob("*") if p.is_dir()):
        schema = ct_dir / "schema.json"
        if not schema.is_file():
            continue
        try:
            ct = ContentType.from_file(schema, api_name)
        except (ValueError, KeyError) as exc:
            raise ProjectError(f"{schema.relative_to(root)}: invalid schema: {exc}") from exc
        project.content_types[ct.uid] = ct
        lifecycles = ct_dir / "lifecycles.py"
        if lifecycles.is_file():
            module = load_module(lifecycles, root)
            hooks = {}
            for action in ACTIONS:
                for when in ("before", "after"):
                    name = when + action[0].upper() + action[1:]
                    if hasattr(module, name):
                        hooks[name] = getattr(module, name)
            project.lifecycles[ct.uid] = hooks
    for path in _py_files(folder / "routes"):
        project.routes.append((api_name, _export(load_module(path, root), "routes", path)))
    for kind, attr, target in (
        ("controllers", "controller", project.controllers),
        ("services", "service", project.services),
        ("policies", "policy", project.policies),
        ("middlewares", "middleware", project.middlewares),
    ):
        for path in _py_files(folder / kind):
            target[f"api::{api_name}.{path.stem}"] = _export(load_module(path, root), attr, path)
