"""Fixtures for the reference implementation's unit tests: small Strapi-layout projects written in
``tmp_path``, started on a real database (an SQLite file, and PostgreSQL when ``CONFORMANCE_PG_URL``
is set), and driven through httpx's ASGI transport.
"""

from __future__ import annotations

import json
import os
import textwrap
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from conformance.fuzz.hostile import leaked
from reference_impl import ReferenceApp
from reference_impl.strapi import Strapi

PG_ENV = "CONFORMANCE_PG_URL"

ARTICLE: dict[str, Any] = {
    "kind": "collectionType",
    "collectionName": "articles",
    "info": {"singularName": "article", "pluralName": "articles", "displayName": "Article"},
    "options": {"draftAndPublish": True},
    "attributes": {
        "title": {"type": "string"},
        "body": {"type": "text"},
        "views": {"type": "integer"},
        "rating": {"type": "decimal"},
        "featured": {"type": "boolean"},
        "publishDate": {"type": "datetime"},
        "secret": {"type": "string", "private": True},
        "author": {"type": "relation", "relation": "manyToOne", "target": "api::author.author", "inversedBy": "articles"},
        "tags": {"type": "relation", "relation": "manyToMany", "target": "api::tag.tag"},
    },
}
AUTHOR = {
    "kind": "collectionType",
    "collectionName": "authors",
    "info": {"singularName": "author", "pluralName": "authors", "displayName": "Author"},
    "options": {"draftAndPublish": False},
    "attributes": {
        "name": {"type": "string"},
        "articles": {"type": "relation", "relation": "oneToMany", "target": "api::article.article", "mappedBy": "author"},
    },
}
TAG = {
    "kind": "collectionType",
    "collectionName": "tags",
    "info": {"singularName": "tag", "pluralName": "tags", "displayName": "Tag"},
    "options": {"draftAndPublish": False},
    "attributes": {"label": {"type": "string"}},
}
HOMEPAGE = {
    "kind": "singleType",
    "collectionName": "homepages",
    "info": {"singularName": "homepage", "pluralName": "homepages", "displayName": "Homepage"},
    "options": {"draftAndPublish": False},
    "attributes": {"headline": {"type": "string"}},
}
ALL_ACTIONS = [
    f"api::{t}.{t}.{a}" for t in ("article", "author", "tag") for a in ("find", "findOne", "create", "update", "delete")
] + [f"api::homepage.homepage.{a}" for a in ("find", "update", "delete")]

DEFAULT_FILES: dict[str, Any] = {
    "src/api/article/content-types/article/schema.json": ARTICLE,
    "src/api/author/content-types/author/schema.json": AUTHOR,
    "src/api/tag/content-types/tag/schema.json": TAG,
    "src/api/homepage/content-types/homepage/schema.json": HOMEPAGE,
    "src/api/article/routes/article.py": 'from reference_impl.factories import create_core_router\n'
    'routes = create_core_router("api::article.article")\n',
    "src/api/author/routes/author.py": 'from reference_impl.factories import create_core_router\n'
    'routes = create_core_router("api::author.author")\n',
    "src/api/tag/routes/tag.py": 'from reference_impl.factories import create_core_router\n'
    'routes = create_core_router("api::tag.tag")\n',
    "src/api/homepage/routes/homepage.py": 'from reference_impl.factories import create_core_router\n'
    'routes = create_core_router("api::homepage.homepage")\n',
    # Everything public by default; auth tests write their own index.py.
    "src/index.py": f"def bootstrap(strapi):\n    strapi.grant_public({ALL_ACTIONS!r})\n",
}


def write_project(root: Path, files: dict[str, Any] | None = None, defaults: bool = True) -> Path:
    """Write a Strapi-layout project: the default types and routes plus ``files``.

    A value of ``None`` removes a default file; a dict or list is written as JSON; a string is
    dedented (so tests can indent their Python sources).
    """
    merged = {**(DEFAULT_FILES if defaults else {}), **(files or {})}
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in merged.items():
        if content is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (dict, list)):
            path.write_text(json.dumps(content, indent=2), encoding="utf-8")
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


class RefApp:
    """A started reference app with an httpx client on it."""

    def __init__(self, app: ReferenceApp, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def strapi(self) -> Strapi:
        return self.app.strapi

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.get(url, **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.post(url, **kw)

    async def put(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.put(url, **kw)

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.delete(url, **kw)

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, url, **kw)


AppFactory = Callable[..., Any]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: an SQLite file in tmp_path, or a new schema on ``$CONFORMANCE_PG_URL``."""
    with database(request.param, tmp_path) as url:
        yield url


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty ``kind`` database ("sqlite": a file in ``folder``; "postgresql": a new schema
    on ``$CONFORMANCE_PG_URL``, dropped afterwards; skipped without it)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'data.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL: set {PG_ENV} (see scripts/ci-postgres.sh)")
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def make_app(tmp_path: Path, db_url: str) -> AppFactory:
    """``async with make_app({files}) as app:`` starts a project on the test's database."""
    counter = iter(range(1000))

    @asynccontextmanager
    async def factory(files: dict[str, Any] | None = None, defaults: bool = True) -> AsyncIterator[RefApp]:
        project = write_project(tmp_path / f"project{next(counter)}", files, defaults)
        app = ReferenceApp(project, db_url)
        await app.startup()
        private = frozenset(n for ct in app.strapi.content_types.values() for n in ct.private_fields)

        async def no_private_attribute(response: httpx.Response) -> None:
            # Every answer of every test is checked: a private attribute never reaches a client.
            if private and "json" in response.headers.get("content-type", ""):
                await response.aread()
                where = leaked(_json_data(response), private)
                assert where is None, f"{response.request.method} {response.request.url}: data.{where} is private"

        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ref.test",
                                         event_hooks={"response": [no_private_attribute]}) as client:
                yield RefApp(app, client)
        finally:
            await app.shutdown()

    return factory


def _json_data(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("data") if isinstance(body, dict) else None


@pytest.fixture
def anyio_backend() -> str:
    """Coroutine tests (modules set ``pytestmark = pytest.mark.anyio``) run on asyncio."""
    return "asyncio"
