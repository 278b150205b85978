"""Events and webhooks: payload and headers posted to a real local receiver, after the commit,
never on rollback, and without delaying the response."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from conformance.webhooks import WebhookReceiver, fetch_deliveries
from reference_impl.errors import ValidationError

from .conftest import AppFactory

pytestmark = pytest.mark.anyio


def webhook_project(url: str, events: tuple[str, ...] = ("entry.create", "entry.update", "entry.delete",
                                                          "entry.publish", "entry.unpublish")) -> dict[str, Any]:
    return {
        "config/server.py": 'config = {"webhooks": {"defaultHeaders": {"X-Default": "d", "X-Both": "default"}}}\n',
        "src/index.py": f"""
            from tests.reference_impl.conftest import ALL_ACTIONS

            def bootstrap(strapi):
                strapi.grant_public(ALL_ACTIONS)
                strapi.webhook_runner.create_webhook("test", {url!r}, {list(events)!r}, {{"X-Both": "hook"}})
                strapi.webhook_runner.create_webhook("off", {url!r}, ["entry.create"], is_enabled=False)
        """,
    }


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver().start()
    yield r
    r.stop()


async def wait_for(receiver: WebhookReceiver, count: int, timeout_s: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        found = await asyncio.to_thread(fetch_deliveries, receiver.events_url)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.02)


async def test_payload_and_headers(make_app: AppFactory, receiver: WebhookReceiver) -> None:
    async with make_app(webhook_project(receiver.hook_url)) as app:
        r = await app.post("/api/articles", json={"data": {"title": "Hi", "secret": "s3"}})
        assert r.status_code == 201
        # Deliveries run concurrently (as Strapi's runner does): their arrival order is not fixed.
        deliveries = sorted(await wait_for(receiver, 2), key=lambda d: d["body"]["event"])
        assert [d["body"]["event"] for d in deliveries] == ["entry.create", "entry.publish"]
        create = deliveries[0]
        assert set(create["body"]) == {"event", "createdAt", "model", "uid", "entry"}
        assert create["body"]["model"] == "article"
        assert create["body"]["uid"] == "api::article.article"
        assert create["body"]["createdAt"].endswith("Z")
        entry = create["body"]["entry"]
        assert entry["title"] == "Hi" and entry["documentId"] == r.json()["data"]["documentId"]
        assert entry["publishedAt"] is None  # the draft row
        assert "secret" not in entry  # private attributes are sanitized out
        headers = create["headers"]
        assert headers["x-strapi-event"] == "entry.create"
        assert headers["content-type"] == "application/json"
        assert headers["x-default"] == "d" and headers["x-both"] == "hook"
        assert deliveries[1]["headers"]["x-strapi-event"] == "entry.publish"


async def test_update_and_delete_events(make_app: AppFactory, receiver: WebhookReceiver) -> None:
    async with make_app(webhook_project(receiver.hook_url)) as app:
        doc = (await app.post("/api/articles", json={"data": {"title": "a"}})).json()["data"]["documentId"]
        await app.put(f"/api/articles/{doc}", json={"data": {"title": "b"}})
        await app.delete(f"/api/articles/{doc}")
        deliveries = await wait_for(receiver, 6)
        assert sorted(d["body"]["event"] for d in deliveries) == sorted([
            "entry.create", "entry.publish", "entry.update", "entry.publish", "entry.delete", "entry.delete"])


async def test_events_are_emitted_after_commit_and_not_on_rollback(make_app: AppFactory, db_url: str) -> None:
    async with make_app() as app:
        strapi = app.strapi
        other = sa.create_engine(db_url, poolclass=sa.pool.NullPool)  # another connection sees committed rows only
        seen: list[Any] = []

        def on_create(info: dict[str, Any]) -> None:
            with other.connect() as conn:
                rows = conn.execute(sa.text("SELECT count(*) FROM tags WHERE document_id = :d"),
                                    {"d": info["entry"]["documentId"]}).scalar_one()
            seen.append((info["entry"]["label"], rows))

        strapi.event_hub.on("entry.create", on_create)
        await app.post("/api/tags", json={"data": {"label": "ok"}})
        assert seen == [("ok", 1)]

        def fail(event: Any) -> None:
            if event.params["data"].get("label") == "boom":
                raise ValueError("rollback")

        strapi.db.lifecycles.subscribe({"models": ["api::tag.tag"], "afterCreate": fail})
        r = await app.post("/api/tags", json={"data": {"label": "boom"}})
        assert r.status_code == 500
        assert seen == [("ok", 1)]
        other.dispose()


class _GatedHandler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.received.set()
        self.server.gate.wait(10)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


async def test_a_slow_receiver_does_not_delay_the_response(make_app: AppFactory) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GatedHandler)
    server.daemon_threads = True
    server.received = threading.Event()  # type: ignore[attr-defined]
    server.gate = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        async with make_app(webhook_project(url, ("entry.create",))) as app:
            r = await app.post("/api/tags", json={"data": {"label": "x"}})
            assert r.status_code == 201
            # The answer is out while the receiver still holds the delivery open.
            assert await asyncio.to_thread(server.received.wait, 5)  # type: ignore[attr-defined]
            assert not server.gate.is_set()  # type: ignore[attr-defined]
            server.gate.set()  # type: ignore[attr-defined]
    finally:
        server.gate.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


async def test_an_unreachable_receiver_does_not_break_the_request(make_app: AppFactory) -> None:
    async with make_app(webhook_project("http://127.0.0.1:9/unreachable")) as app:
        assert (await app.post("/api/tags", json={"data": {"label": "x"}})).status_code == 201


def test_unknown_events_are_rejected() -> None:
    from reference_impl.webhooks import WebhookRunner

    with pytest.raises(ValidationError, match="Webhook event entry.nope is not supported"):
        WebhookRunner().create_webhook("x", "http://127.0.0.1:9", ["entry.nope"])


class _CountingHandler(BaseHTTPRequestHandler):
    """Records each delivery and the client port it came from; closes after each answer when told."""

    server: Any
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.seen.append((self.client_address[1], self.headers.get("x-strapi-event"), body))
        self.send_response(self.server.status)
        self.send_header("content-length", "0")
        if self.server.close_each:
            self.send_header("connection", "close")
        self.close_connection = self.server.close_each or self.server.drop_each
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def counting_server() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    server.status = 204  # type: ignore[attr-defined]
    server.close_each = False  # type: ignore[attr-defined]
    server.drop_each = False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def _deliver_all(url: str, count: int) -> Any:
    from reference_impl.webhooks import WebhookRunner

    runner = WebhookRunner()
    runner.create_webhook("h", url, ["entry.create"], {"X-Own": "1"})
    for i in range(count):  # one after the other: each may reuse the connection the last one left
        runner("entry.create", {"model": "tag", "entry": {"documentId": f"d{i}"}})
        while runner.pending:
            await asyncio.sleep(0.001)
    await runner.aclose()
    return runner.stats


async def test_plain_http_deliveries_reuse_one_connection(counting_server: Any) -> None:
    url = f"http://127.0.0.1:{counting_server.server_address[1]}/hooks?x=1"
    stats = await _deliver_all(url, 5)
    assert (stats.delivered, stats.failed, stats.rejected) == (5, 0, 0)
    seen = counting_server.seen
    assert [event for _, event, _ in seen] == ["entry.create"] * 5
    assert [json.loads(body)["entry"]["documentId"] for _, _, body in seen] == [f"d{i}" for i in range(5)]
    assert len({port for port, _, _ in seen}) == 1  # kept alive: one connection for all five


async def test_a_receiver_closing_each_connection_still_gets_every_delivery(counting_server: Any) -> None:
    counting_server.close_each = True
    counting_server.status = 500
    stats = await _deliver_all(f"http://127.0.0.1:{counting_server.server_address[1]}/hooks", 4)
    assert (stats.delivered, stats.failed, stats.rejected) == (4, 0, 4)  # answered 500: counted, not retried
    assert len(counting_server.seen) == 4
    assert len({port for port, _, _ in counting_server.seen}) == 4  # a new connection each time


async def test_a_connection_the_receiver_dropped_while_idle_is_not_reused(counting_server: Any) -> None:
    counting_server.drop_each = True  # closes after each answer without saying so (no Connection: close)
    url = f"http://127.0.0.1:{counting_server.server_address[1]}/hooks"
    for _ in range(3):
        stats = await _deliver_all(url, 4)
        assert (stats.delivered, stats.failed) == (4, 0)
    assert len(counting_server.seen) == 12


async def test_an_idle_connection_closed_by_the_peer_is_seen_before_the_loop_reads_it() -> None:
    from reference_impl.webhooks import _Connection

    closed = threading.Event()

    def close_at_once(sock: Any) -> None:
        sock.close()
        closed.set()

    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: close_at_once(listener.accept()[0]), daemon=True).start()
    conn = _Connection(*await asyncio.open_connection("127.0.0.1", listener.getsockname()[1]))
    try:
        assert closed.wait(5)
        time.sleep(0.05)  # the FIN is in; the event loop has not run since, so the stream has no EOF yet
        assert not conn.reader.at_eof()
        assert not conn.reusable
    finally:
        conn.close()
        listener.close()


def test_an_http_proxy_in_the_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    from reference_impl.webhooks import _proxied

    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert not _proxied("http://hooks.example/x")
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    assert _proxied("http://hooks.example/x")  # posted through httpx, which goes by the proxy
    monkeypatch.setenv("no_proxy", "hooks.example")
    assert not _proxied("http://hooks.example/x")


def _read_request(sock: Any) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(rest) < length:
        rest += sock.recv(65536)
    return data


async def test_a_reused_connection_closed_before_any_answer_is_sent_again_on_a_new_one() -> None:
    from reference_impl.webhooks import _PlainHTTP

    listener = socket.create_server(("127.0.0.1", 0))
    requests: list[int] = []  # the connection number each request came in on

    def serve() -> None:
        first = listener.accept()[0]
        _read_request(first)
        requests.append(1)
        first.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        if _read_request(first):  # the reused connection: read, then closed as if stale, no answer
            requests.append(1)
        first.close()
        second = listener.accept()[0]
        _read_request(second)
        requests.append(2)
        second.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        second.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = _PlainHTTP(timeout_s=5)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
    try:
        assert await client.post(url, b"{}", {"Content-Type": "application/json"}) == 204
        assert await client.post(url, b"{}", {"Content-Type": "application/json"}) == 204
    finally:
        client.close()
        thread.join(5)
        listener.close()
    assert requests == [1, 1, 2]


async def test_a_new_connection_closed_before_any_answer_is_a_failed_delivery() -> None:
    from reference_impl.webhooks import _PlainHTTP

    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        sock = listener.accept()[0]
        _read_request(sock)
        sock.close()

    threading.Thread(target=serve, daemon=True).start()
    client = _PlainHTTP(timeout_s=5)
    try:
        with pytest.raises(ConnectionError):
            await client.post(f"http://127.0.0.1:{listener.getsockname()[1]}/hooks", b"{}", {})
    finally:
        client.close()
        listener.close()
