"""The ``strapi`` object: assembles the parts (project, database, Document Service, auth, webhooks,
routes and middleware stack) and keeps the registries user code asks (``strapi.service(uid)``, ...).

Start-up follows Strapi: load the project → create the database schema and model lifecycles →
``register()`` → instantiate global middlewares (in ``config/middlewares`` order) → ``bootstrap()``
→ compose every route's endpoint.  Any unknown name stops start-up with an error naming it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .auth import ApiTokenStrategy, Auth, UsersPermissionsStrategy
from .compose import Middleware, compose
from .context import Context, RequestContext, request_context_middleware
from .controllers import CoreController
from .documents import DocumentService
from .endpoint import compose_endpoint
from .i18n import I18nPlugin
from .loader import Project, load_project
from .middlewares import BUILTINS
from .query import Database
from .rest import RestParams
from .router import Route, Router
from .routes import api_routes, health_route, openapi_route, users_permissions_routes
from .services import CoreService
from .stack import global_middlewares
from .upload import UploadPlugin
from .webhooks import EventHub, WebhookRunner

__all__ = ["RequestContext", "Strapi"]  # RequestContext: context.py; here for projects that import it from strapi


class Strapi:
    def __init__(self, project_dir: str | Path, database_url: str | None = None) -> None:
        self.dir = Path(project_dir).resolve()
        self.project: Project = load_project(self.dir)
        self.config = self.project.config
        self.content_types = self.project.content_types
        self.policies: dict[str, Any] = dict(self.project.policies)
        self.middlewares: dict[str, Any] = {**BUILTINS, **self.project.middlewares}
        self.request_context = RequestContext()
        self.query_parser: Callable[[str], dict[str, Any]] | None = None
        api_config = self.config.get("api", {})
        self.rest = RestParams(self.content_types, api_config.get("rest", {}))
        self.rest.components = self.project.components
        self.api_prefix = api_config.get("rest", {}).get("prefix", "/api")
        self.components = self.project.components
        self.i18n = I18nPlugin()
        self.upload = UploadPlugin(self)
        self.db: Database = Database(database_url or self._database_url(), self.content_types, self.components)
        self.documents = DocumentService(self)
        self.event_hub = EventHub()
        server = self.config.get("server", {})
        self.webhook_runner = WebhookRunner((server.get("webhooks") or {}).get("defaultHeaders"))
        self.event_hub.subscribe(self.webhook_runner)
        plugins = self.config.get("plugins", {})
        up_config = (plugins.get("users-permissions") or {}).get("config", {})
        admin = self.config.get("admin", {})
        self.auth = Auth(
            ApiTokenStrategy((admin.get("apiToken") or {}).get("salt", "reference-salt")),
            UsersPermissionsStrategy(up_config.get("jwtSecret", "reference-implementation-jwt-secret-0123456789")),
        )
        self.router = Router()
        self._system_routes: list[Route] = []
        self._content_routes: list[Route] = []
        self._controllers: dict[str, Any] = {}
        self._services: dict[str, Any] = {}
        self.handler: Callable[..., Awaitable[Any]] | None = None

    def _database_url(self) -> str:
        url = (self.config.get("database") or {}).get("url")
        if url:
            return str(url)
        tmp = self.dir / ".tmp"
        tmp.mkdir(exist_ok=True)
        return f"sqlite:///{tmp / 'data.db'}"

    # -- registries --------------------------------------------------------------------------------
    def _instance(self, kind: str, uid: str, cache: dict[str, Any], factories: dict[str, Any], core: type) -> Any:
        """The project's controller or service for ``uid``, built once; the core one when it has none."""
        instance = cache.get(uid)
        if instance is None:
            factory = factories.get(uid)
            if factory is not None:
                instance = factory(self) if callable(factory) else factory
            elif uid in self.content_types:
                instance = core(self, uid)
            else:
                raise LookupError(f"{kind} {uid} not found.")
            cache[uid] = instance
        return instance

    def service(self, uid: str) -> Any:
        return self._instance("Service", uid, self._services, self.project.services, CoreService)

    def controller(self, uid: str) -> Any:
        return self._instance("Controller", uid, self._controllers, self.project.controllers, CoreController)

    def plugin(self, name: str) -> Any:
        if name == "users-permissions":
            return self.auth.users_permissions
        if name == "i18n":
            return self.i18n
        if name == "upload":
            return self.upload
        raise LookupError(f"Plugin {name} not found.")

    def resolve_handler(self, handler: Any, api_name: str | None) -> Callable[[Context], Any]:
        """``"article.find"`` or ``"api::article.article.find"`` → the controller's bound action."""
        if callable(handler):
            return handler
        text = str(handler)
        uid, _, action = text.rpartition(".")
        if "::" not in uid and api_name:
            uid = f"api::{api_name}.{uid}"
        fn = getattr(self.controller(uid), action, None)
        if fn is None or not callable(fn):
            raise LookupError(f"Handler {text} not found.")
        return fn

    def resolve_route_middlewares(self, entries: list[Any], api_name: str | None) -> list[Middleware]:
        if not isinstance(entries, list):
            raise TypeError("Route middlewares config must be an array")
        out = []
        for entry in entries:
            if callable(entry):
                out.append(entry)
                continue
            name, config = (entry.get("name"), entry.get("config") or {}) if isinstance(entry, dict) else (entry, {})
            if name is None:
                raise ValueError("Invalid middleware configuration. Missing name or resolve properties.")
            factory = self.middlewares.get(name)
            if factory is None:
                raise LookupError(f"Middleware {name} not found.")
            out.append(factory(config, self))
        return out

    def add_route(self, route: Route, system: bool = False) -> None:
        (self._system_routes if system else self._content_routes).append(route)

    @property
    def content_routes(self) -> tuple[Route, ...]:
        """The content-api routes the project registered (core and custom), in registration order."""
        return tuple(self._content_routes)

    # -- start-up ----------------------------------------------------------------------------------
    async def start(self) -> None:
        self.db.create_schema()
        for uid, hooks in self.project.lifecycles.items():
            self.db.lifecycles.add_model_lifecycles(uid, hooks)
        await self._call_index("register")
        for ctrl in self.project.controllers:
            self.controller(ctrl)
        for svc in self.project.services:
            self.service(svc)
        global_stack = global_middlewares(self.config, self.middlewares, self)
        for route in api_routes(self.project, self.content_types, self.api_prefix):
            self.add_route(route)
        await self._call_index("bootstrap")
        # Content routes before the public catch-all GET route, which only answers what nothing else did.
        routes = [health_route(), openapi_route(self), *self._content_routes,
                  *users_permissions_routes(self), *self.upload.routes(self.api_prefix),
                  *self._system_routes]
        for route in routes:
            route.endpoint = compose_endpoint(self, route)
            self.router.add(route)
        self.handler = compose([request_context_middleware, *global_stack, self.router.middleware()])

    async def stop(self) -> None:
        await self._call_index("destroy")
        await self.webhook_runner.aclose()
        self.db.dispose()

    async def _call_index(self, hook: str) -> None:
        fn = getattr(self.project.index, hook, None) if self.project.index else None
        if fn is not None:
            result = fn(self)
            if inspect.isawaitable(result):
                await result

    # -- helpers for projects ------------------------------------------------------------------------
    def grant_public(self, actions: list[str]) -> None:
        """Give the Public role these actions (``api::article.article.find``)."""
        self.auth.users_permissions.grant("public", actions)

