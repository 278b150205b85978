"""Steps for the upload plugin: multipart uploads to ``POST /api/upload``, as a client sends them."""

from __future__ import annotations

import httpx
from pytest_bdd import given, parsers, when

from ..assertions import fail
from ..world import World
from .data import setup_auth

UPLOAD_PATH = "/api/upload"


def multipart(name: str, text: str, fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with one ``files`` part (text/plain), encoded by httpx."""
    request = httpx.Request("POST", "http://upload.invalid", data=fields or {},
                            files={"files": (name, text.encode(), "text/plain")})
    return request.read(), request.headers["Content-Type"]


@given(parsers.re(r'the uploaded file "(?P<alias>[A-Z]\w*)" named "(?P<name>[^"]+)" with the text "(?P<text>[^"]*)"$'))
def given_uploaded_file(world: World, alias: str, name: str, text: str) -> None:
    body, content_type = multipart(name, text)
    response = world.request("POST", UPLOAD_PATH, content=body, headers={"Content-Type": content_type}, main=False,
                             authorization=setup_auth(world))
    if response.status_code != 201:
        world.last = world.exchanges[-1]
        fail(f"set-up failed: uploading {name} answered {response.status_code}", world)
    world.aliases[alias] = response.json()[0]


@when(parsers.re(r'I upload the file "(?P<name>[^"]+)" with the text "(?P<text>[^"]*)"$'))
def upload_file(world: World, name: str, text: str) -> None:
    body, content_type = multipart(name, text)
    world.request("POST", UPLOAD_PATH, content=body, headers={"Content-Type": content_type})


@when(parsers.re(r'I upload the file "(?P<name>[^"]+)" with the text "(?P<text>[^"]*)" to the "(?P<field>\w+)" '
                 r'of the (?P<singular>[a-z]+) "(?P<alias>[A-Z]\w*)"$'))
def upload_file_to_entry(world: World, name: str, text: str, field: str, singular: str, alias: str) -> None:
    """The upload's ``ref`` (the type's uid), ``refId`` (the entry's id) and ``field``."""
    entry_id = world.substitute(f"{{{alias}.id}}")
    fields = {"ref": f"api::{singular}.{singular}", "refId": entry_id, "field": field}
    body, content_type = multipart(name, text, fields)
    world.request("POST", UPLOAD_PATH, content=body, headers={"Content-Type": content_type})


@when(parsers.re(r'I upload a multipart body with the field "(?P<field>[^"]+)" and no file$'))
def upload_without_file(world: World, field: str) -> None:
    # httpx sends fields without files as a urlencoded form: this multipart body is written out.
    boundary = "conformance-upload"
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\nno file\r\n--{boundary}--\r\n'
    world.request("POST", UPLOAD_PATH, content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
