"""Project loading and start-up errors: each names what is wrong, in one clear message."""

from __future__ import annotations

import re
from typing import Any

import pytest

from reference_impl.loader import ProjectError

from .conftest import AppFactory, write_project

pytestmark = pytest.mark.anyio

DEFAULT_MIDDLEWARES = ["strapi::logger", "strapi::errors", "strapi::security", "strapi::cors", "strapi::poweredBy",
                       "strapi::query", "strapi::body", "strapi::session", "strapi::favicon", "strapi::public"]


def middlewares(*entries: Any) -> dict[str, str]:
    return {"config/middlewares.py": f"config = {list(entries)!r}\n"}


def tag_routes(**action_config: Any) -> dict[str, str]:
    return {"src/api/tag/routes/tag.py": "from reference_impl.factories import create_core_router\n"
            f"routes = create_core_router('api::tag.tag', config={{'find': {action_config!r}}})\n"}


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown global middleware", middlewares(*DEFAULT_MIDDLEWARES, "global::nope"), "Middleware global::nope not found."),
    ("missing required middlewares", middlewares("strapi::logger", "strapi::errors", "strapi::query"),
     'Missing required middlewares in configuration. Add the following middlewares: "strapi::security", '
     '"strapi::cors", "strapi::body", "strapi::public", "strapi::favicon"'),
    ("middleware entry without a name", middlewares(*DEFAULT_MIDDLEWARES, {"config": {}}),
     "Invalid middleware configuration. Missing name or resolve properties."),
    ("middleware factory that throws", {**middlewares(*DEFAULT_MIDDLEWARES, "global::bad"),
                                        "src/middlewares/bad.py": "def middleware(config, strapi):\n"
                                                                  "    raise ValueError('needs a key')\n"},
     'Middleware "global::bad": needs a key'),
    ("unknown route middleware", tag_routes(middlewares=["api::tag.nope"]),
     "Error creating endpoint GET /api/tags: Middleware api::tag.nope not found."),
    ("route middlewares not a list", tag_routes(middlewares="api::tag.nope"),
     "Error creating endpoint GET /api/tags: Route middlewares config must be an array"),
    ("unknown policy", tag_routes(policies=["global::nope"]),
     "Error creating endpoint GET /api/tags: Policy global::nope not found."),
    ("unknown handler", {"src/api/tag/routes/extra.py": "routes = {'routes': [{'method': 'GET', 'path': '/x', "
                                                         "'handler': 'tag.nope'}]}\n"},
     "Error creating endpoint GET /api/x: Handler tag.nope not found."),
    ("unknown controller", {"src/api/tag/routes/extra.py": "routes = {'routes': [{'method': 'GET', 'path': '/x', "
                                                            "'handler': 'ghost.find'}]}\n"},
     "Error creating endpoint GET /api/x: Controller api::tag.ghost not found."),
    ("core router of an unknown type", {"src/api/tag/routes/tag.py": "from reference_impl.factories import "
                                        "create_core_router\nroutes = create_core_router('api::nope.nope')\n"},
     "createCoreRouter: unknown content type api::nope.nope"),
]


@pytest.mark.parametrize(("files", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_startup_errors_name_the_culprit(make_app: AppFactory, files: dict[str, Any], message: str) -> None:
    with pytest.raises(ProjectError, match=re.escape(message)):
        async with make_app(files):
            pass


LOAD_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("broken schema.json", {"src/api/tag/content-types/tag/schema.json": '{"kind": "collectionType",'},
     "src/api/tag/content-types/tag/schema.json: invalid schema"),
    ("schema without singularName", {"src/api/tag/content-types/tag/schema.json": {"info": {"pluralName": "tags"}}},
     "src/api/tag/content-types/tag/schema.json: invalid schema"),
    ("unknown relation target", {"src/api/tag/content-types/tag/schema.json": {
        "info": {"singularName": "tag", "pluralName": "tags"},
        "attributes": {"owner": {"type": "relation", "relation": "manyToOne", "target": "api::nope.nope"}}}},
     "src/api/tag/content-types/tag/schema.json: invalid schema: attribute owner: unknown relation target api::nope.nope"),
    ("unknown component", {"src/api/tag/content-types/tag/schema.json": {
        "info": {"singularName": "tag", "pluralName": "tags"},
        "attributes": {"seo": {"type": "component", "repeatable": False, "component": "shared.nope"}}}},
     "src/api/tag/content-types/tag/schema.json: invalid schema: attribute seo: unknown component shared.nope"),
    ("unknown component in a dynamic zone", {"src/api/tag/content-types/tag/schema.json": {
        "info": {"singularName": "tag", "pluralName": "tags"},
        "attributes": {"blocks": {"type": "dynamiczone", "components": ["blocks.nope"]}}}},
     "src/api/tag/content-types/tag/schema.json: invalid schema: attribute blocks: unknown component blocks.nope"),
    ("broken component schema", {"src/components/shared/seo.json": '{"attributes": '},
     "src/components: invalid component schema"),
    ("syntax error in a module", {"src/policies/broken.py": "def policy(:\n"}, "src/policies/broken.py: SyntaxError"),
    ("module without its export", {"src/policies/empty.py": "x = 1\n"}, "empty.py must define `policy`"),
    ("broken JSON config", {"config/server.json": "{nope"}, "config/server.json: invalid JSON"),
]


@pytest.mark.parametrize(("files", "message"), [c[1:] for c in LOAD_CASES], ids=[c[0] for c in LOAD_CASES])
async def test_loading_errors_name_the_file(make_app: AppFactory, files: dict[str, Any], message: str) -> None:
    with pytest.raises(ProjectError, match=re.escape(message)):
        async with make_app(files):
            pass


def test_not_a_project_folder(tmp_path: Any) -> None:
    from reference_impl.loader import load_project

    with pytest.raises(ProjectError, match="not a project folder"):
        load_project(tmp_path)


async def test_a_factory_returning_nothing_is_a_pass_through(make_app: AppFactory) -> None:
    files = {**middlewares(*DEFAULT_MIDDLEWARES, "global::noop"),
             "src/middlewares/noop.py": "def middleware(config, strapi):\n    return None\n"}
    async with make_app(files) as app:
        assert (await app.get("/api/tags")).status_code == 200


async def test_default_middlewares_apply_without_a_config_file(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.get("/api/tags")
        assert r.headers["x-powered-by"] == "Strapi <strapi.io>"
        assert r.headers["x-frame-options"] == "SAMEORIGIN"


async def test_global_middlewares_get_their_config_once_and_run_in_order(make_app: AppFactory) -> None:
    files = {**middlewares(*DEFAULT_MIDDLEWARES, {"name": "global::tag", "config": {"label": "a"}}, "global::tag"),
             "src/middlewares/tag.py": """
                from tests.reference_impl.helpers import log

                def middleware(config, strapi):
                    label = config.get("label", "plain")
                    log(strapi, ("factory", label))

                    async def tag(ctx, next):
                        log(strapi, label)
                        return await next()
                    return tag
             """}
    async with make_app(files) as app:
        await app.get("/api/tags")
        await app.get("/api/tags")
        from .helpers import logged

        assert logged(app.strapi) == [("factory", "a"), ("factory", "plain"), "a", "plain", "a", "plain"]


def test_write_project_helper_removes_defaults(tmp_path: Any) -> None:
    root = write_project(tmp_path / "p", {"src/index.py": None})
    assert not (root / "src" / "index.py").exists()
