"""The ``strapi`` object: registries, start-up sequence and the server's middleware stack.

Start-up follows Strapi: load the project → create the database schema and model lifecycles →
``register()`` → instantiate global middlewares (in ``config/middlewares`` order) → ``bootstrap()``
→ compose every route's endpoint.  Any unknown name stops start-up with an error naming it.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .auth import ApiTokenStrategy, Auth, RateLimit, UsersPermissionsStrategy
from .compose import Middleware, Next, compose
from .context import Context
from .controllers import CoreController
from .documents import DocumentService
from .endpoint import compose_endpoint
from .factories import CoreRouter
from .i18n import I18nPlugin
from .loader import Project, ProjectError, load_project
from .middlewares import BUILTINS, DEFAULT_ORDER, REQUIRED
from .query import Database
from .rest import RestParams
from .router import Route, Router
from .services import CoreService
from .upload import UploadPlugin
from .webhooks import EventHub, WebhookRunner

_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar("request_context", default=None)


class RequestContext:
    """``strapi.requestContext``: the current request's ctx, for code that is given none."""

    @staticmethod
    def get() -> Context | None:
        return _current.get()

    @staticmethod
    def run(ctx: Context) -> contextvars.Token[Context | None]:
        return _current.set(ctx)

    @staticmethod
    def reset(token: contextvars.Token[Context | None]) -> None:
        _current.reset(token)


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
        self.db = Database(database_url or self._database_url(), self.content_types, self.components)
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
        global_stack = self._global_middlewares()
        self._register_api_routes()
        await self._call_index("bootstrap")
        # Content routes before the public catch-all GET route, which only answers what nothing else did.
        routes = [self._health_route(), self._openapi_route(), *self._content_routes,
                  *self._users_permissions_routes(), *self.upload.routes(self.api_prefix), *self._system_routes]
        for route in routes:
            route.endpoint = compose_endpoint(self, route)
            self.router.add(route)
        self.handler = compose([self._request_context_middleware, *global_stack, self.router.middleware()])

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

    async def _request_context_middleware(self, ctx: Context, next: Next) -> Any:
        token = _current.set(ctx)
        try:
            return await next()
        finally:
            _current.reset(token)

    def _global_middlewares(self) -> list[Middleware]:
        entries = self.config.get("middlewares", DEFAULT_ORDER)
        names = [e if isinstance(e, str) else (e.get("name") if isinstance(e, dict) else None) for e in entries]
        missing = [n for n in REQUIRED if n not in names]
        if missing:
            raise ProjectError(
                "Missing required middlewares in configuration. Add the following middlewares: "
                + ", ".join(f'"{n}"' for n in missing)
            )
        stack = []
        for entry in entries:
            config: dict[str, Any]
            if isinstance(entry, str):
                name, config = entry, {}
            elif isinstance(entry, dict) and entry.get("name"):
                name, config = entry["name"], entry.get("config") or {}
            else:
                raise ProjectError("Invalid middleware configuration. Missing name or resolve properties.")
            factory = self.middlewares.get(name)
            if factory is None:
                raise ProjectError(f"Middleware {name} not found.")
            try:
                mw = factory(config, self)
            except Exception as exc:
                raise ProjectError(f'Middleware "{name}": {exc}') from exc
            stack.append(mw if mw is not None else _pass_through)
        return stack

    def _register_api_routes(self) -> None:
        for api_name, export in self.project.routes:
            if isinstance(export, CoreRouter):
                if export.uid not in self.content_types:
                    raise ProjectError(f"createCoreRouter: unknown content type {export.uid}")
                route_defs = export.routes(self.content_types[export.uid])
            elif isinstance(export, dict):
                route_defs = export.get("routes", [])
            else:
                route_defs = list(export)
            for spec in route_defs:
                config = spec.setdefault("config", {})
                handler = spec["handler"]
                if config.get("auth") is not False and isinstance(handler, str):
                    uid, _, action = handler.rpartition(".")
                    if "::" not in uid:
                        uid = f"api::{api_name}.{uid}"
                    auth = config.setdefault("auth", {})
                    auth.setdefault("scope", [f"{uid}.{action}"])
                path = self.api_prefix + spec["path"]
                route = Route(spec["method"], path, handler, config, {"apiName": api_name, "type": "content-api"})
                self.add_route(route)

    def _users_permissions_routes(self) -> list[Route]:
        """The users-permissions plugin's content API route used by clients to log in."""
        strategy = self.auth.users_permissions

        async def login(ctx: Context) -> Any:
            body = ctx.request_body if isinstance(ctx.request_body, dict) else {}
            return strategy.login(str(body.get("identifier", "")), str(body.get("password", "")))

        info = {"pluginName": "users-permissions", "type": "content-api"}
        up_config = ((self.config.get("plugins", {}).get("users-permissions") or {}).get("config") or {})
        config = {"auth": False, "middlewares": [RateLimit(up_config.get("ratelimit"))]}
        return [Route("POST", f"{self.api_prefix}/auth/local", login, config, info)]

    def _health_route(self) -> Route:
        async def health(ctx: Context) -> None:
            ctx.set("strapi", "You are so French!")
            ctx.status = 204

        return Route("ALL", "/_health", health, {"auth": False})

    def _openapi_route(self) -> Route:
        """``GET /openapi.json``: the content API as loaded (built per request: permissions may change)."""

        async def openapi(ctx: Context) -> None:
            from .openapi import build_openapi

            ctx.body = build_openapi(self)

        return Route("GET", "/openapi.json", openapi, {"auth": False})

    # -- helpers for projects ------------------------------------------------------------------------
    def grant_public(self, actions: list[str]) -> None:
        """Give the Public role these actions (``api::article.article.find``)."""
        self.auth.users_permissions.grant("public", actions)


async def _pass_through(ctx: Context, next: Next) -> Any:
    return await next()
