"""Given steps that direct the fixture's instrumented components (conformance/PROTOCOL.md §5)."""

from __future__ import annotations

import json
from typing import Any

from pytest_bdd import given, parsers, then, when

from ..world import HarnessError, World


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise HarnessError(f"not JSON in a step: {text!r}") from exc


def _throw(error: str, message: str | None, details: str | None) -> dict[str, Any]:
    directive: dict[str, Any] = {"do": "throw", "error": error}
    if message is not None:
        directive["message"] = message
    if details is not None:
        directive["details"] = _json(details)
    return directive


@given(parsers.re(r'"(?P<address>[a-z]+:[a-z-]+)" is told (?P<directive>\{.*\})$'))
def told(world: World, address: str, directive: str) -> None:
    world.direct(address, _json(directive))


@given(parsers.re(r'"(?P<address>[a-z]+:[a-z-]+)" is told:$'))
def told_docstring(world: World, address: str, docstring: str) -> None:
    world.direct(address, _json(docstring))


@given(parsers.re(r'the policy "(?P<name>[a-z]+)" returns nothing$'))
def policy_returns_nothing(world: World, name: str) -> None:
    world.direct(f"policy:{name}", {"do": "return"})


@given(parsers.re(r'the policy "(?P<name>[a-z]+)" returns (?P<value>(?!nothing$).+)$'))
def policy_returns(world: World, name: str, value: str) -> None:
    world.direct(f"policy:{name}", {"do": "return", "value": _json(value)})


@given(parsers.re(r'the policy "(?P<name>[a-z]+)" denies the request'))
def policy_denies(world: World, name: str) -> None:
    world.direct(f"policy:{name}", {"do": "deny"})


@given(parsers.re(
    r'"(?P<address>[a-z]+:[a-z-]+)" throws (?:an? )?(?P<error>[A-Za-z]+)(?: "(?P<message>[^"]*)")?'
    r'(?: with details (?P<details>\{.*\}))?(?P<after> after next)?(?: on (?P<action>[A-Za-z]+))?$'
))
def component_throws(world: World, address: str, error: str, message: str | None, details: str | None,
                     after: str | None, action: str | None) -> None:
    directive = _throw(error, message, details)
    if after:
        directive["do"] = "throw-after"
    if action:
        directive["action"] = action
    world.direct(address, directive)


@given(parsers.re(r'"(?P<address>[a-z]+:[a-z-]+)" responds (?P<status>\d+) with (?P<body>.+)$'))
def component_responds(world: World, address: str, status: str, body: str) -> None:
    world.direct(address, {"do": "respond", "status": int(status), "body": _json(body)})


@given(parsers.re(r'"(?P<address>[a-z]+:[a-z-]+)" returns without calling next(?: on (?P<action>[A-Za-z]+))?$'))
def component_halts(world: World, address: str, action: str | None) -> None:
    directive: dict[str, Any] = {"do": "halt"}
    if action:
        directive["action"] = action
    world.direct(address, directive)


@given(parsers.re(r'"(?P<address>[a-z]+:[a-z-]+)" returns the value (?P<value>.+?)(?: on (?P<action>[A-Za-z]+))?$'))
def component_returns_value(world: World, address: str, value: str, action: str | None) -> None:
    directive: dict[str, Any] = {"do": "return-value", "value": _json(value)}
    if action:
        directive["action"] = action
    world.direct(address, directive)


@given("no component is directed any more")
@when("no component is directed any more")
@then("no component is directed any more")
def clear_directives(world: World) -> None:
    world.control.clear()
