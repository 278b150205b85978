"""Route policies: the pass rule, 403 "Policy Failed", order, first failure stops the rest, config,
name resolution, start-up errors and validators."""

from __future__ import annotations

from typing import Any

import pytest

from reference_impl.errors import PolicyError

from .conftest import AppFactory
from .helpers import logged

pytestmark = pytest.mark.anyio

POLICIES: dict[str, Any] = {
    # Returns config["value"]; records its name and config.
    "src/policies/ret.py": """
        from tests.reference_impl.helpers import log

        def policy(policy_context, config, strapi):
            log(strapi, ("ret", dict(config)))
            return config.get("value")
    """,
    "src/policies/rec.py": """
        from tests.reference_impl.helpers import log

        def policy(policy_context, config, strapi):
            log(strapi, config.get("label", "rec"))
            return True
    """,
    "src/policies/peek.py": """
        async def policy(policy_context, config, strapi):
            policy_context.state["peeked"] = {
                "is_koa": policy_context.is_("koa"), "type": policy_context.type,
                "query": policy_context.request.query, "params": policy_context.params,
                "method": policy_context.request.method}
            return None
    """,
    "src/api/pol/policies/local.py": """
        from tests.reference_impl.helpers import log

        def policy(policy_context, config, strapi):
            log(strapi, "local")
    """,
    "src/api/pol/middlewares/mw.py": """
        from tests.reference_impl.helpers import log

        def middleware(config, strapi):
            async def mw(ctx, next):
                log(strapi, "route-middleware")
                return await next()
            return mw
    """,
}


def routes_file(routes: list[tuple[str, list[Any]]]) -> str:
    """A routes module: one GET route per (path, policies), each answering what the policies left in state."""
    lines = [
        "from tests.reference_impl.helpers import log",
        "async def handler(ctx):",
        "    log(ctx.app.strapi, 'controller')",
        "    return {'peeked': ctx.state.get('peeked')}",
        "routes = {'routes': [",
    ]
    for path, policies in routes:
        lines.append(f"    {{'method': 'GET', 'path': {path!r}, 'handler': handler, 'config': {{'auth': False, "
                     f"'policies': {policies!r}, 'middlewares': ['api::pol.mw']}}}},")
    lines.append("]}")
    return "\n".join(lines) + "\n"


def project(routes: list[tuple[str, list[Any]]], **extra: Any) -> dict[str, Any]:
    return {**POLICIES, "src/api/pol/routes/pol.py": routes_file(routes), **extra}


POLICY_FAILED = {"data": None, "error": {"status": 403, "name": "PolicyError", "message": "Policy Failed", "details": {}}}


@pytest.mark.parametrize("value", [True, None])
async def test_true_and_none_pass(make_app: AppFactory, value: Any) -> None:
    async with make_app(project([("/p", [{"name": "global::ret", "config": {"value": value}}])])) as app:
        r = await app.get("/api/p")
        assert r.status_code == 200
        assert logged(app.strapi)[-1] == "controller"


@pytest.mark.parametrize("value", [False, 0, 1, "ok", {}, [], "true"])
async def test_any_other_value_blocks_with_policy_failed(make_app: AppFactory, value: Any) -> None:
    async with make_app(project([("/p", [{"name": "global::ret", "config": {"value": value}}])])) as app:
        r = await app.get("/api/p")
        assert r.status_code == 403
        assert r.json() == POLICY_FAILED
        assert "controller" not in logged(app.strapi)
        assert "route-middleware" not in logged(app.strapi)


async def test_policies_run_in_order_before_route_middlewares(make_app: AppFactory) -> None:
    policies = [{"name": "global::rec", "config": {"label": "a"}}, {"name": "global::rec", "config": {"label": "b"}},
                "local", "global::rec"]
    async with make_app(project([("/p", policies)])) as app:
        assert (await app.get("/api/p")).status_code == 200
        assert logged(app.strapi) == ["a", "b", "local", "rec", "route-middleware", "controller"]


async def test_first_failure_stops_the_rest(make_app: AppFactory) -> None:
    policies = [{"name": "global::rec", "config": {"label": "a"}}, {"name": "global::ret", "config": {"value": False}},
                {"name": "global::rec", "config": {"label": "c"}}]
    async with make_app(project([("/p", policies)])) as app:
        assert (await app.get("/api/p")).status_code == 403
        assert logged(app.strapi) == ["a", ("ret", {"value": False})]


async def test_config_is_given_for_object_entries_and_empty_for_strings(make_app: AppFactory) -> None:
    policies = ["global::ret", {"name": "global::ret", "config": {"value": True, "x": 1}}]
    async with make_app(project([("/p", policies)])) as app:
        await app.get("/api/p")
        assert logged(app.strapi)[:2] == [("ret", {}), ("ret", {"value": True, "x": 1})]


async def test_policy_context_shares_state_and_exposes_the_request(make_app: AppFactory) -> None:
    async with make_app(project([("/p/:id", ["global::peek"])])) as app:
        r = await app.get("/api/p/42?a[b]=c")
        assert r.json() == {"peeked": {"is_koa": True, "type": "koa", "query": {"a": {"b": "c"}},
                                       "params": {"id": "42"}, "method": "GET"}}


async def test_async_policy_and_thrown_policy_error(make_app: AppFactory) -> None:
    extra = {"src/policies/deny.py": """
        from reference_impl.errors import PolicyError

        async def policy(policy_context, config, strapi):
            raise PolicyError("You shall not pass", {"policy": "deny"})
    """}
    async with make_app(project([("/p", ["global::deny", "global::rec"])], **extra)) as app:
        r = await app.get("/api/p")
        assert r.status_code == 403
        assert r.json()["error"] == {"status": 403, "name": "PolicyError", "message": "You shall not pass",
                                     "details": {"policy": "deny"}}
        assert logged(app.strapi) == []


async def test_bare_name_resolves_to_the_routes_own_api_only(make_app: AppFactory) -> None:
    async with make_app(project([("/p", ["local"])])) as app:
        assert (await app.get("/api/p")).status_code == 200
        assert logged(app.strapi)[0] == "local"
    # A bare name of a global policy is not looked up in global::.
    with pytest.raises(Exception, match=r"Error creating endpoint GET /api/p: Policy rec not found\."):
        async with make_app(project([("/p", ["rec"])])):
            pass


async def test_api_policy_from_another_api_needs_its_full_name(make_app: AppFactory) -> None:
    other = {"src/api/other/routes/other.py": """
        routes = {"routes": [{"method": "GET", "path": "/other", "handler": lambda ctx: {"ok": 1},
                              "config": {"auth": False, "policies": ["api::pol.local"]}}]}
    """}
    async with make_app(project([("/p", [])], **other)) as app:
        assert (await app.get("/api/other")).json() == {"ok": 1}
        assert logged(app.strapi) == ["local"]
    other["src/api/other/routes/other.py"] = other["src/api/other/routes/other.py"].replace("api::pol.local", "local")
    with pytest.raises(Exception, match="Policy local not found"):
        async with make_app(project([("/p", [])], **other)):
            pass


async def test_unknown_policy_is_a_startup_error_naming_it(make_app: AppFactory) -> None:
    with pytest.raises(Exception, match=r"Error creating endpoint GET /api/p: Policy global::nope not found\."):
        async with make_app(project([("/p", ["global::nope"])])):
            pass


VALIDATED = {"src/policies/limited.py": """
    def validator(config):
        if not isinstance(config.get("max"), int):
            raise ValueError("max must be an integer")

    policy = {"name": "limited", "validator": validator, "handler": lambda ctx, config, strapi: config["max"] > 1}
"""}


async def test_validator_runs_at_startup_and_a_failing_one_stops_it(make_app: AppFactory) -> None:
    good = project([("/p", [{"name": "global::limited", "config": {"max": 5}}])], **VALIDATED)
    async with make_app(good) as app:
        assert (await app.get("/api/p")).status_code == 200
    bad = project([("/p", [{"name": "global::limited", "config": {"max": "many"}}])], **VALIDATED)
    with pytest.raises(Exception, match='Invalid config passed to "global::limited" policy.'):
        async with make_app(bad):
            pass
    low = project([("/p", [{"name": "global::limited", "config": {"max": 1}}])], **VALIDATED)
    async with make_app(low) as app:
        assert (await app.get("/api/p")).json() == POLICY_FAILED


def test_policy_error_defaults() -> None:
    err = PolicyError()
    assert (err.status, err.name, err.message, err.details) == (403, "PolicyError", "Policy Failed", {})
