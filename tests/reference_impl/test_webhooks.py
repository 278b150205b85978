"""Events and webhooks: payload and headers posted to a real local receiver, after the commit,
never on rollback, and without delaying the response."""

from __future__ import annotations

import asyncio
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
