"""Then steps about the answer: status, JSON body, error envelope, headers."""

from __future__ import annotations

import json
from typing import Any

from pytest_bdd import parsers, then

from ..assertions import at_path, fail, is_missing, mismatches, show
from ..world import HarnessError, World


def _load(world: World, text: str) -> Any:
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return text  # a kind of value: <string>, <null>, <absent> ...
    try:
        return json.loads(world.substitute(text))
    except ValueError as exc:
        raise HarnessError(f"the step's expected JSON is not JSON: {exc}") from exc


@then(parsers.re(r"the status is (?P<status>\d+)$"))
def status_is(world: World, status: str) -> None:
    actual = world.require_response().status_code
    if actual != int(status):
        fail(f"status: expected {status}, got {actual}", world)


@then(parsers.re(r"the body matches:$"))
def body_matches(world: World, docstring: str) -> None:
    problems = mismatches(_load(world, docstring), world.json())
    if problems:
        fail("body: " + problems[0], world, "\n".join(problems[1:6]))


@then(parsers.re(r"the body is exactly:$"))
def body_exactly(world: World, docstring: str) -> None:
    """The whole body, no key beyond those given (kinds such as ``<string>`` still stand for values)."""
    problems = mismatches(_load(world, docstring), world.json(), exact=True)
    if problems:
        fail("body (exact): " + problems[0], world, "\n".join(problems[1:6]))


# ``is exactly …`` and ``is absent`` have their own steps: keep them out of this pattern.
@then(parsers.re(r'the JSON at "(?P<path>[^"]+)" is (?!exactly\b)(?!absent$)(?P<value>.+)$'))
def json_at_is(world: World, path: str, value: str) -> None:
    expected = _load(world, value)
    actual = at_path(world.json(), path)
    problems = mismatches(expected, actual, path)
    if problems:
        fail(problems[0], world)


@then(parsers.re(r'the JSON at "(?P<path>[^"]+)" is:$'))
def json_at_is_docstring(world: World, path: str, docstring: str) -> None:
    json_at_is(world, path, docstring)


@then(parsers.re(r'the JSON at "(?P<path>[^"]+)" is exactly (?P<value>.+)$'))
def json_at_is_exactly(world: World, path: str, value: str) -> None:
    expected = _load(world, value)
    actual = at_path(world.json(), path)
    problems = mismatches(expected, actual, path, exact=True)
    if problems:
        fail(problems[0] + " (exact)", world, "\n".join(problems[1:6]))


@then(parsers.re(r'the JSON at "(?P<path>[^"]+)" is exactly:$'))
def json_at_is_exactly_docstring(world: World, path: str, docstring: str) -> None:
    json_at_is_exactly(world, path, docstring)


@then(parsers.re(r'the JSON at "(?P<path>[^"]+)" is absent$'))
def json_at_absent(world: World, path: str) -> None:
    actual = at_path(world.json(), path)
    if not is_missing(actual):
        fail(f"{path}: expected no such key, got {show(actual)}", world)


@then(parsers.re(r'"(?P<path>[^"]+)" has (?P<count>\d+) items?$'))
def has_items(world: World, path: str, count: str) -> None:
    actual = at_path(world.json(), path)
    if not isinstance(actual, list) or len(actual) != int(count):
        size = len(actual) if isinstance(actual, list) else show(actual)
        fail(f"{path}: expected {count} items, got {size}", world)


@then(parsers.re(r'the "(?P<field>\w+)" of "(?P<path>[^"]+)" are, in order: (?P<values>.*)$'))
def values_in_order(world: World, field: str, path: str, values: str) -> None:
    items = at_path(world.json(), path)
    if not isinstance(items, list):
        fail(f"{path}: expected a list, got {show(items)}", world)
    actual = [str(item.get(field)) if isinstance(item, dict) else show(item) for item in items]
    expected = [] if values.strip() in ("", "(none)") else [v.strip() for v in values.split(",")]
    if actual != expected:
        fail(f"{path}[].{field}: expected {expected}, got {actual}", world)


# Strapi's documented error envelope: ``{data: null, error: {status, name, message, details}}``.
# ``details`` may be left out: Strapi omits it for 500s and for errors Koa builds itself
# (ctx.throw, body parser), see conformance/targets/strapi/NOTES.md; nothing else may be added.
def envelope_problems(body: Any, status: int, name: str, message: str) -> list[str]:
    """Where ``body`` is not exactly the documented error envelope with these values."""
    expected: dict[str, Any] = {"data": None, "error": {"status": status, "name": name, "message": message}}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and "details" in error:
        expected["error"]["details"] = "<object>"
    return mismatches(expected, body, exact=True)


@then(parsers.re(r'the error is (?P<status>\d+) (?P<name>\w+) "(?P<message>.*)"$'))
def error_is(world: World, status: str, name: str, message: str) -> None:
    message = world.substitute(message.replace('\\"', '"'))
    actual_status = world.require_response().status_code
    problems = ([f"status: expected {status}, got {actual_status}"] if actual_status != int(status) else [])
    problems += envelope_problems(world.json(), int(status), name, message)
    if problems:
        fail("error: " + problems[0], world, "\n".join(problems[1:6]))


@then(parsers.re(r"the error is (?P<status>\d+) (?P<name>\w+), whatever its message$"))
def error_is_named(world: World, status: str, name: str) -> None:
    """The envelope, exactly, where the message is not documented (a parser's own wording)."""
    error_is(world, status, name, "<string>")


@then(parsers.re(r"the error is (?P<status>\d+), whatever its name and message$"))
def error_is_any(world: World, status: str) -> None:
    error_is(world, status, "<string>", "<string>")


@then(parsers.re(r"the error details are (?P<details>.+)$"))
def error_details(world: World, details: str) -> None:
    """Exactly these details, type-strict (``{"x": 1}`` is not ``{"x": true}``)."""
    expected = _load(world, details)
    actual = at_path(world.json(), "error.details")
    problems = mismatches(expected, actual, "error.details", exact=True)
    if problems:
        fail(f"error.details: expected exactly {show(expected)}, got {show(actual)} ({problems[0]})", world)


@then("the error has no details")
def error_no_details(world: World) -> None:
    actual = at_path(world.json(), "error.details")
    if not is_missing(actual):
        fail(f"error.details: expected the key to be absent, got {show(actual)}", world)


@then(parsers.re(r'the header "(?P<name>[^"]+)" is "(?P<value>[^"]*)"$'))
def header_is(world: World, name: str, value: str) -> None:
    actual = world.require_response().headers.get(name)
    if actual != value:
        fail(f"header {name}: expected {value!r}, got {actual!r}", world)


@then(parsers.re(r'the header "(?P<name>[^"]+)" is absent$'))
def header_absent(world: World, name: str) -> None:
    actual = world.require_response().headers.get(name)
    if actual is not None:
        fail(f"header {name}: expected no such header, got {actual!r}", world)


@then(parsers.re(r'the header "(?P<name>[^"]+)" is present$'))
def header_present(world: World, name: str) -> None:
    if world.require_response().headers.get(name) is None:
        fail(f"header {name}: expected it to be present", world)


@then(parsers.re(r'the body is the text "(?P<text>[^"]*)"$'))
def body_text(world: World, text: str) -> None:
    actual = world.require_response().text
    if actual != text:
        fail(f"body: expected the text {text!r}, got {actual[:200]!r}", world)


@then("the body is empty")
def body_empty(world: World) -> None:
    actual = world.require_response().content
    if actual:
        fail(f"body: expected it to be empty, got {actual[:200]!r}", world)


@then(parsers.re(r'the JSON at "(?P<path>[^"]+)" has the keys (?P<keys>.+)$'))
def has_keys(world: World, path: str, keys: str) -> None:
    actual = at_path(world.json(), path)
    want = [k.strip() for k in keys.split(",")]
    if not isinstance(actual, dict) or any(k not in actual for k in want):
        have = sorted(actual) if isinstance(actual, dict) else show(actual)
        fail(f"{path}: expected the keys {want}, got {have}", world)


@then(parsers.re(r'the JSON at "(?P<path>[^"]+)" lists, after "(?P<prefix>[^"]*)", in any order: (?P<items>.+)$'))
def lists_in_any_order(world: World, path: str, prefix: str, items: str) -> None:
    """A message naming a list whose order the documentation leaves open (Strapi's own order can
    follow its registry, which follows the file system): the text after ``prefix`` is exactly these
    comma-separated items, each once, in any order."""
    actual = at_path(world.json(), path)
    want = sorted(i.strip() for i in items.split(","))
    if not isinstance(actual, str) or not actual.startswith(prefix) \
            or sorted(i.strip() for i in actual[len(prefix):].split(",")) != want:
        fail(f"{path}: expected {prefix!r} then, in any order, {', '.join(want)}; got {show(actual)}", world)
