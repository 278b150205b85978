"""Given steps that choose the request's credentials."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers

from ..world import World


@given(parsers.re(r"I use the (?P<kind>full-access|read-only) API token"))
def use_token(world: World, kind: str) -> None:
    token = world.target.tokens.get(kind)
    if not token:
        pytest.skip(f"the target reports no {kind} API token")
    world.authorization = f"Bearer {token}"


@given(parsers.re(r'I use the bearer token "(?P<token>[^"]*)"'))
def use_bearer(world: World, token: str) -> None:
    world.authorization = f"Bearer {token}"


@given("I send no credentials")
def no_credentials(world: World) -> None:
    world.authorization = None


@given("I am logged in as the fixture user")
def logged_in(world: World) -> None:
    user = world.target.user
    if not user:
        pytest.skip("the target reports no fixture user")
    response = world.request("POST", "/api/auth/local", main=False,
                             json_body={"identifier": user.get("identifier"), "password": user.get("password")})
    if response.status_code != 200:
        world.last = world.exchanges[-1]
        from ..assertions import fail

        fail(f"set-up failed: logging in answered {response.status_code}", world)
    world.authorization = f"Bearer {response.json()['jwt']}"
