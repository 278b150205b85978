"""``createCoreRouter``, ``createCoreController`` and ``createCoreService`` for Python projects.

A project extends the core behaviour by subclassing and calling ``super()``, the Python form of
Strapi's ``super.find(ctx)``::

    class ArticleController(CoreController):
        async def find(self, ctx):
            result = await super().find(ctx)
            ...
            return result

    controller = create_core_controller("api::article.article", ArticleController)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .controllers import CoreController
from .services import CoreService

if TYPE_CHECKING:
    from .schema import ContentType
    from .strapi import Strapi

COLLECTION_ROUTES = (
    ("find", "GET", "/{plural}"),
    ("findOne", "GET", "/{plural}/:id"),
    ("create", "POST", "/{plural}"),
    ("update", "PUT", "/{plural}/:id"),
    ("delete", "DELETE", "/{plural}/:id"),
)
SINGLE_ROUTES = (
    ("find", "GET", "/{singular}"),
    ("update", "PUT", "/{singular}"),
    ("delete", "DELETE", "/{singular}"),
)


@dataclass
class CoreRouter:
    """The routes ``createCoreRouter(uid, {prefix, only, except, config})`` generates."""

    uid: str
    prefix: str = ""
    only: list[str] | None = None
    except_: list[str] | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def routes(self, ct: ContentType) -> list[dict[str, Any]]:
        table = SINGLE_ROUTES if ct.is_single else COLLECTION_ROUTES
        out = []
        for action, method, path in table:
            if self.only is not None and action not in self.only:
                continue
            if self.except_ is not None and action in self.except_:
                continue
            out.append(
                {
                    "method": method,
                    "path": self.prefix + path.format(plural=ct.plural_name, singular=ct.singular_name),
                    "handler": f"{self.uid}.{action}",
                    # Each action gets its own config object: the auth scope is written into it.
                    "config": copy.deepcopy(self.config.get(action, {})),
                }
            )
        return out


def create_core_router(uid: str, *, prefix: str = "", only: list[str] | None = None,
                       except_: list[str] | None = None, config: dict[str, Any] | None = None) -> CoreRouter:
    return CoreRouter(uid, prefix, only, except_, config or {})


@dataclass
class Factory:
    """A controller or service factory: called with strapi once, at start-up."""

    uid: str
    build: Callable[[Strapi], Any]

    def __call__(self, strapi: Strapi) -> Any:
        return self.build(strapi)


def create_core_controller(uid: str, cls: type[CoreController] | None = None) -> Factory:
    klass = cls or CoreController
    if not issubclass(klass, CoreController):
        raise TypeError(f"{klass.__name__} must subclass CoreController")
    return Factory(uid, lambda strapi: klass(strapi, uid))


def create_core_service(uid: str, cls: type[CoreService] | None = None) -> Factory:
    klass = cls or CoreService
    if not issubclass(klass, CoreService):
        raise TypeError(f"{klass.__name__} must subclass CoreService")
    return Factory(uid, lambda strapi: klass(strapi, uid))
