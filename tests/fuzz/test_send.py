"""The in-process app client hands an ASGI app the very request httpx would."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from conformance.fuzz.send import AppClient, InProcessTransport

BASE = "http://reference.invalid"
SCOPE_KEYS = ("type", "http_version", "method", "scheme", "path", "raw_path", "query_string", "root_path", "server")


class Echo:
    """An ASGI app that records each scope and body, and answers with a header and a JSON body."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.seen.append({**{k: scope[k] for k in SCOPE_KEYS}, "headers": sorted(scope["headers"]), "body": body})
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"x-echo", b"1")]})
        await send({"type": "http.response.body", "body": json.dumps({"path": scope["path"]}).encode()})


REQUESTS = [
    ("GET", "/api/articles", None, {}),
    ("GET", "/api/articles?filters%5Btitle%5D%5B%24eq%5D=a%20b&populate[0]=author&sort=title:desc", None, {}),
    ("GET", "/api/art%C3%A9cles/x%2Fy?q=%E2%9C%93", None, {"Authorization": "Bearer t"}),
    ("POST", "/api/articles?status=draft", b'{"data":{"title":"\\u00e9"}}',
     {"Content-Type": "application/json", "Authorization": "Bearer t"}),
    ("PUT", f"{BASE}/api/articles/abc", b"", {"Content-Type": "text/plain"}),
    ("POST", "/api/articles", None, {}),
    ("DELETE", "/api/articles/abc", b"{}", {"X-Custom": "1", "content-length": "2"}),
]


@pytest.mark.parametrize(("method", "url", "content", "headers"), REQUESTS)
def test_the_app_gets_the_scope_and_body_httpx_gives_it(method: str, url: str, content: bytes | None,
                                                        headers: dict[str, str]) -> None:
    via_httpx, direct = Echo(), Echo()
    with httpx.Client(transport=InProcessTransport(via_httpx), base_url=BASE) as client:
        expected = client.request(method, url, content=content, headers=headers)
    with AppClient(direct, BASE) as client:
        got = client.request(method, url, content=content, headers=headers)
    assert direct.seen == via_httpx.seen
    assert (got.status_code, got.content, list(got.headers.multi_items())) == \
        (expected.status_code, expected.content, list(expected.headers.multi_items()))
    assert got.json() == expected.json() and got.encoding == "utf-8"
