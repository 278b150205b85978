"""When steps: the request under test (it carries the control header and the chosen credentials)."""

from __future__ import annotations

import json

from pytest_bdd import parsers, when

from ..world import HarnessError, World


@when(parsers.re(r'I (?P<method>GET|DELETE|HEAD|OPTIONS|POST|PUT|PATCH) "(?P<path>[^"]+)"$'))
def send(world: World, method: str, path: str) -> None:
    world.request(method, path)


@when(parsers.re(r'I (?P<method>GET|DELETE) "(?P<path>[^"]+)" with the header "(?P<name>[^:"]+): (?P<value>[^"]*)"$'))
def send_with_header(world: World, method: str, path: str, name: str, value: str) -> None:
    world.request(method, path, headers={name: value})


@when(parsers.re(r'I (?P<method>POST|PUT|PATCH) "(?P<path>[^"]+)" with:$'))
def send_json(world: World, method: str, path: str, docstring: str) -> None:
    try:
        body = json.loads(world.substitute(docstring))
    except ValueError as exc:
        raise HarnessError(f"the step's body is not JSON: {exc}") from exc
    world.request(method, path, json_body=body)


@when(parsers.re(r'I (?P<method>POST|PUT|PATCH) "(?P<path>[^"]+)" with the (?P<ctype>[\w/+.-]+) body:$'))
def send_raw(world: World, method: str, path: str, ctype: str, docstring: str) -> None:
    world.request(method, path, content=world.substitute(docstring), headers={"Content-Type": ctype})


@when(parsers.re(r'I (?P<method>POST|PUT) "(?P<path>[^"]+)" with a JSON body of (?P<size>\d+) bytes'))
def send_big(world: World, method: str, path: str, size: str) -> None:
    prefix = '{"data":{"title":"big","body":"'
    suffix = '"}}'
    filler = "x" * max(0, int(size) - len(prefix) - len(suffix))
    world.request(method, path, content=prefix + filler + suffix, headers={"Content-Type": "application/json"})


@when(parsers.re(r'I call the Document Service "(?P<action>[A-Za-z]+)" of "(?P<uid>[a-z:.-]+)" with:$'))
def call_documents(world: World, action: str, uid: str, docstring: str) -> None:
    params = json.loads(world.substitute(docstring))
    world.request("POST", "/api/conformance/documents", json_body={"uid": uid, "action": action, "params": params})
