"""The router: path params, first match wins, 405 with Allow, OPTIONS, HEAD, unknown paths."""

from __future__ import annotations

import pytest

from reference_impl.router import Route, Router, compile_path

from .conftest import AppFactory

pytestmark = pytest.mark.anyio



def test_compile_path_names_params_and_allows_a_trailing_slash() -> None:
    pattern = compile_path("/api/articles/:id/comments/:comment_id")
    m = pattern.match("/api/articles/abc/comments/9/")
    assert m is not None and m.groupdict() == {"id": "abc", "comment_id": "9"}
    assert pattern.match("/api/articles/a/b/comments/9") is None  # a param is one segment
    assert compile_path("/a.b").match("/aXb") is None  # literal parts are escaped


def test_first_matching_route_wins_and_other_methods_are_collected() -> None:
    router = Router()
    router.add(Route("GET", "/things/special", "special"))
    router.add(Route("GET", "/things/:id", "one"))
    router.add(Route("put", "/things/:id", "update"))
    route, params, _ = router._find("GET", "/things/special")
    assert route is not None and route.handler == "special" and params == {}
    route, params, _ = router._find("PUT", "/things/7")
    assert route is not None and route.handler == "update" and params == {"id": "7"}
    route, _, allowed = router._find("DELETE", "/things/7")
    assert route is None and allowed == ["HEAD", "GET", "PUT"]
    route, _, _ = router._find("HEAD", "/things/7")
    assert route is not None and route.handler == "one"


CUSTOM_ROUTES = '''
async def echo(ctx):
    return {"params": ctx.params, "route": {k: ctx.state["route"][k] for k in ("method", "path")}}

routes = {"routes": [
    {"method": "GET", "path": "/echo/:slug/:n", "handler": echo, "config": {"auth": False}},
    {"method": "POST", "path": "/echo/:slug/:n", "handler": echo, "config": {"auth": False}},
]}
'''


async def test_params_are_url_decoded_and_route_info_is_in_state(make_app: AppFactory) -> None:
    async with make_app({"src/api/echo/routes/echo.py": CUSTOM_ROUTES}) as app:
        r = await app.get("/api/echo/hello%20world/3")
        assert r.status_code == 200
        assert r.json() == {"params": {"slug": "hello world", "n": "3"},
                            "route": {"method": "GET", "path": "/api/echo/:slug/:n"}}


async def test_known_path_with_another_method_is_405_with_allow(make_app: AppFactory) -> None:
    async with make_app({"src/api/echo/routes/echo.py": CUSTOM_ROUTES}) as app:
        r = await app.request("PATCH", "/api/echo/a/1")
        assert r.status_code == 405
        assert r.text == "Method Not Allowed"
        assert r.headers["allow"] == "HEAD, GET, POST"


async def test_unknown_path_non_get_is_405_because_of_the_public_catch_all(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.post("/no/such/path", json={})
        assert r.status_code == 405
        assert r.text == "Method Not Allowed"
        assert r.headers["allow"] == "HEAD, GET"
        assert r.headers["content-type"].startswith("text/plain")


async def test_unknown_path_get_is_the_json_404(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.get("/no/such/path")
        assert r.status_code == 404
        assert r.json() == {"data": None, "error": {"status": 404, "name": "NotFoundError",
                                                    "message": "Not Found", "details": {}}}


async def test_options_answers_200_with_the_allowed_methods(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.request("OPTIONS", "/api/articles")
        assert r.status_code == 200
        assert r.headers["allow"] == "HEAD, GET, POST"
        assert r.content == b""


async def test_head_runs_the_get_route_without_a_body(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.request("HEAD", "/api/articles")
        assert r.status_code == 200
        assert r.content == b""
        assert int(r.headers["content-length"]) > 0


async def test_health_answers_204_for_any_method(make_app: AppFactory) -> None:
    async with make_app() as app:
        for method in ("GET", "POST", "DELETE"):
            r = await app.request(method, "/_health")
            assert r.status_code == 204
            assert r.headers["strapi"] == "You are so French!"


async def test_root_redirects_to_admin(make_app: AppFactory) -> None:
    async with make_app() as app:
        r = await app.get("/")
        assert r.status_code == 302
        assert r.headers["location"] == "/admin"


async def test_public_files_are_served(make_app: AppFactory) -> None:
    async with make_app({"public/robots.txt": "User-agent: *\n"}) as app:
        r = await app.get("/robots.txt")
        assert r.status_code == 200
        assert r.text == "User-agent: *\n"
        r = await app.get("/../config/api.py")
        assert r.status_code == 404


