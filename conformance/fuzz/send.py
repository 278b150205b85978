"""Sending schemathesis cases through a target's ``httpx.Client``.

Every target hands out an httpx client (the in-process reference implementation through its own event
loop, HTTP targets over the network), so cases go through it rather than through schemathesis' own
``requests`` transport: one code path for every target. The request is prepared the way schemathesis
prepares it for its curl commands, so a replay line sends exactly the bytes that were sent.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import httpx

if TYPE_CHECKING:  # schemathesis and requests load when a case is sent: a diff replay needs neither
    import requests
    from schemathesis import Case, Response

# Only what ``requests.Request`` accepts; schemathesis adds transport options (timeouts, ...) we ignore.
REQUEST_KEYS = ("method", "url", "headers", "files", "data", "params", "json", "cookies")


def prepare(case: Case, base_url: str, headers: dict[str, str]) -> requests.PreparedRequest:
    import requests

    kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
    return requests.Request(**{k: v for k, v in kwargs.items() if k in REQUEST_KEYS}).prepare()


def send(client: httpx.Client, case: Case, base_url: str, headers: dict[str, str]) -> Response:
    """Send ``case`` and read the whole answer; transport errors propagate (httpx.TransportError).

    The answer comes back as schemathesis' own ``Response``, built from the request prepared here:
    handed an httpx response, schemathesis' checks would rebuild and re-encode the request through
    ``requests`` for every case (more time than the in-process reference takes to answer it).
    """
    from schemathesis import Response

    request = prepare(case, base_url, headers)
    body = request.body.encode() if isinstance(request.body, str) else request.body
    content = body if isinstance(body, bytes) or body is None else b""
    headers_out = {k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in request.headers.items()}
    started = time.perf_counter()
    response = client.request(str(request.method), str(request.url), headers=headers_out, content=content)
    response.close()
    elapsed = time.perf_counter() - started
    return Response(status_code=response.status_code,
                    headers={key: [value] for key, value in response.headers.items()},
                    content=response.content, request=request, elapsed=elapsed, verify=True,
                    message=response.reason_phrase, encoding=response.encoding,
                    http_version=response.http_version)


def curl_line(case: Case, base_url: str, headers: dict[str, str]) -> str:
    """The case as one curl command line (schemathesis' own rendering, warnings dropped)."""
    command = case.as_curl_command(headers=headers, base_url=base_url)
    return command.split("\n\n", 1)[0].replace("\n", " ")


def transport_kwargs(base_url: str, headers: dict[str, str]) -> dict[str, Any]:
    return {"base_url": base_url, "headers": dict(headers)}


class ClientTransport:
    """Schemathesis' transport for the requests its checks send themselves (``ignored_auth`` re-sends a
    case without and with invalid credentials), through the target's client like every other case.

    The in-process reference implementation has no address schemathesis' own transport could reach.
    Everything but ``send`` (serializers, ...) is the schema's own transport.
    """

    def __init__(self, client: httpx.Client, base_url: str, inner: Any) -> None:
        self._client = client
        self._base_url = base_url
        self._inner = inner

    def send(self, case: Case, *, session: Any = None, **kwargs: Any) -> Any:
        headers = {k: v for k, v in (kwargs.get("headers") or {}).items()}
        return send(self._client, case, self._base_url, headers)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def route_checks_through(schema: Any, transport: ClientTransport) -> None:
    """Make ``schema.transport`` (a read-only property of schemathesis' schema classes) answer ``transport``."""
    cls = type(schema)
    schema.__class__ = type(cls.__name__, (cls,), {"__slots__": (), "transport": property(lambda _self: transport)})


class AppClient(httpx.Client):
    """An httpx client for an in-process ASGI app whose ``request(method, url, headers=, content=)``
    hands the request to the app directly, on a private event loop in the calling thread.

    Through httpx, each request's URL is parsed and re-validated character by character, cookies are
    extracted and a Request and a Response are built: as much CPU again as a quarter of what the
    reference implementation takes to answer a fuzz case. The app gets the very scope httpx would
    give it (tests/fuzz/test_send.py): the URL as given (already encoded), httpx's default headers,
    ``host`` and ``content-length``. Other calls (``send``, streams, other options) take httpx's path.
    The fuzzer and the diff send one request at a time per app, and the reference implementation
    keeps no state bound to an event loop.
    """

    def __init__(self, app: Any, base_url: str, timeout: float = 30.0) -> None:
        # One loop for both paths: the app's background work (webhook deliveries) started by a
        # request on one path must advance, and be waited for, on the other.
        self._app_loop = asyncio.new_event_loop()
        super().__init__(base_url=base_url, timeout=timeout, transport=InProcessTransport(app, self._app_loop),
                         verify=False)
        from ..targets.reference import call_app  # the in-process target's own way of calling its app

        self._app = app
        self._call_app = call_app
        parts = urlsplit(base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._scheme = parts.scheme
        self._server = (parts.hostname or "", parts.port)
        self._defaults = {k.lower(): v for k, v in self.headers.items()}
        self._defaults["host"] = parts.netloc

    def request(self, method: str, url: Any, *, content: Any = None, headers: Any = None,  # type: ignore[override]
                **kwargs: Any) -> httpx.Response:
        if kwargs or not isinstance(url, str) or not url.isascii() or not (content is None or isinstance(content, bytes)) \
                or not (headers is None or isinstance(headers, dict)):
            return super().request(method, url, content=content, headers=headers, **kwargs)
        status, raw, body = self.exchange(method, url, headers, content)
        return httpx.Response(status, headers=raw, content=body)

    def exchange(self, method: str, url: str, headers: dict[str, str] | None,
                 content: bytes | None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """``request`` without building an httpx.Response: the status, the raw headers and the body.
        ``url`` is an ASCII string (a path, or an absolute URL)."""
        if url.startswith("/"):
            url = self._origin + url
        parts = urlsplit(url)
        out = dict(self._defaults)
        if content or method.upper() in ("POST", "PUT", "PATCH"):  # as httpx.Request sets it
            out["content-length"] = str(len(content or b""))
        for name, value in (headers or {}).items():
            out[name.lower()] = value
        path = parts.path or "/"
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method.upper(),
            "scheme": parts.scheme or self._scheme, "path": unquote(path), "raw_path": path.encode("ascii"),
            "query_string": parts.query.encode("ascii"), "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in out.items()],
            "client": ("127.0.0.1", 123), "server": self._server,
        }
        answer: tuple[int, list[tuple[bytes, bytes]], bytes] = self._app_loop.run_until_complete(
            self._call_app(self._app, scope, content or b""))
        return answer

    def close(self) -> None:
        super().close()
        if not self._app_loop.is_closed():
            self._app_loop.close()


def direct_client(target: Any, timeout: float) -> httpx.Client:
    """An ``AppClient`` for the started in-process reference implementation, else the target's own
    client (a target class with a client of its own, a test's altered reference say, keeps it)."""
    from ..targets.reference import ReferenceTarget

    if isinstance(target, ReferenceTarget) and type(target).client is ReferenceTarget.client \
            and target.app is not None:
        return AppClient(target.app, "http://reference.invalid", timeout)
    return target.client(timeout=timeout)


class InProcessTransport(httpx.BaseTransport):
    """Drives an ASGI app to completion on a private event loop in the calling thread.

    The in-process target's own client hands every request to the event loop thread it started the
    app on and waits for the answer: two thread switches a case, which cost more than the app's work
    on a busy machine. The fuzzer sends one request at a time and the reference implementation keeps
    no state bound to a loop, so its cases run the app here instead.
    """

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = loop or asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self._asgi.handle_async_request(inner)
            return response.status_code, response.headers.raw, await response.aread()

        status, headers, content = self._loop.run_until_complete(run())
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        self._loop.close()
