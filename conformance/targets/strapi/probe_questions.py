"""Ask a running fixture target the questions of NOTES.md and print the exact answers (Markdown).

    python -m conformance.targets.strapi.probe_questions --start [--version 5.54.0]
    python -m conformance.targets.strapi.probe_questions --base-url http://127.0.0.1:1337 \\
        [--webhook-port 18999]   # the port of the CONFORMANCE_WEBHOOK_URL the target was started with

``--start`` starts a real Strapi with the fixture (conformance.targets.strapi.StrapiTarget) and a
webhook receiver of its own, and stops both at the end. Any target speaking conformance/PROTOCOL.md
can be asked (the reference implementation too), so the answers can be compared side by side.
Writes create entries tagged with a random ``batch``; the homepage single type is shared, so run it
on a fresh target for clean single-type answers.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from ...fixture.facts import CONTROL_HEADER, TRACE_HEADER

SHOWN_HEADERS = ("content-type", "x-powered-by", "allow", "www-authenticate", "content-length")
ERRORS = ("ForbiddenError", "UnauthorizedError", "ApplicationError", "Error")


class WebhookReceiver:
    """A tiny HTTP server that records every POST it gets (method, path, headers in order, body)."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace")
                with receiver.lock:
                    receiver.received.append({"at": time.monotonic(), "path": self.path,
                                              "headers": list(self.headers.items()), "body": body})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self, settle: float = 1.5) -> list[dict[str, Any]]:
        """Everything received, once nothing new arrived for ``settle`` seconds."""
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() - quiet_since < settle:
            with self.lock:
                count = len(self.received)
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            time.sleep(0.05)
        with self.lock:
            taken, self.received = self.received, []
        return taken


class Prober:
    """Sends requests and prints each one with its answer."""

    def __init__(self, client: httpx.Client, out: Any = sys.stdout) -> None:
        self.client = client
        self.out = out
        self.batch = "probe-" + secrets.token_hex(4)

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def section(self, title: str) -> None:
        self.say(f"\n## {title}\n")

    def ask(self, method: str, path: str, *, body: Any = None, content: bytes | str | None = None,
            headers: dict[str, str] | None = None, control: dict[str, Any] | None = None,
            trace: bool = False, all_headers: bool = False, note: str = "",
            quiet_body: bool = False) -> httpx.Response:
        sent = dict(headers or {})
        if control is not None:
            sent[CONTROL_HEADER] = json.dumps(control, separators=(",", ":"))
        if body is not None:
            content = json.dumps(body)
            sent.setdefault("Content-Type", "application/json")
        response = self.client.request(method, path, content=content, headers=sent)
        shown_request = f"{method} {path}"
        for key, value in sent.items():
            if key.lower() != "authorization":
                shown_request += f"\n  {key}: {value}"
            else:
                shown_request += f"\n  {key}: {value[:16]}..."
        if content is not None:
            text = content if isinstance(content, str) else content.decode(errors="replace")
            shown_request += "\n  body: " + (text if len(text) <= 300 else f"<{len(text)} bytes>")
        self.say("```")
        self.say(f"> {shown_request}" + (f"    # {note}" if note else ""))
        self.say(f"< {response.status_code} {response.reason_phrase}")
        for key, value in response.headers.items():
            if all_headers or key.lower() in SHOWN_HEADERS or (trace and key.lower() == TRACE_HEADER.lower()):
                self.say(f"< {key}: {value}")
        text = response.text
        if quiet_body and len(text) > 400:
            text = text[:400] + "..."
        self.say(text if text else "(empty body)")
        self.say("```")
        return response

    def create(self, path: str, data: dict[str, Any], query: str = "") -> dict[str, Any]:
        payload = {"batch": self.batch, **data}
        response = self.client.post(f"{path}{query}", json={"data": payload})
        response.raise_for_status()
        return response.json()["data"]


def info(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/api/conformance/info")
    response.raise_for_status()
    return response.json()


def webhook_step(p: Prober, receiver: WebhookReceiver, method: str, path: str, body: Any) -> httpx.Response:
    """One request, then every webhook delivery it caused, with its delay after the request was sent."""
    sent = time.monotonic()
    response = p.ask(method, path, body=body, quiet_body=True)
    arrived = receiver.take()
    p.say(f"{len(arrived)} webhook deliveries after {method} {path}:\n")
    for hit in arrived:
        p.say("```")
        p.say(f"+{(hit['at'] - sent) * 1000:.0f} ms  POST {hit['path']}")
        for key, value in hit["headers"]:
            p.say(f"{key}: {value}")
        p.say(hit["body"])
        p.say("```")
    return response


def run(p: Prober, receiver: WebhookReceiver | None) -> None:
    fixture = info(p.client)
    tokens = fixture.get("tokens") or {}
    p.say(f"# Answers of {fixture.get('implementation')} (protocol {fixture.get('protocol')})")
    p.say(f"\nbatch of this run: `{p.batch}`")
    b = p.batch
    art = p.create("/api/articles", {"title": "Hello World", "views": 3})
    doc = art["documentId"]

    p.section("(a) POST with a malformed JSON body")
    p.ask("POST", "/api/articles", content='{"data": {"title": ', headers={"Content-Type": "application/json"})
    p.ask("POST", "/api/articles", content="{nope}", headers={"Content-Type": "application/json"})
    p.ask("POST", "/api/articles", content="not json at all", headers={"Content-Type": "text/plain"},
          note="not declared as JSON")

    p.section("(b) POST with a JSON body over 1 MB")
    big = json.dumps({"data": {"title": "big", "batch": b, "body": "A" * (1024 * 1024 + 10)}})
    p.ask("POST", "/api/articles", content=big, headers={"Content-Type": "application/json"})
    for size in (1024 * 1024, 1024 * 1024 + 1):
        frame = json.dumps({"data": {"title": "edge", "batch": b, "body": ""}})
        exact = frame.replace('"body": ""', '"body": "' + "A" * (size - len(frame)) + '"')
        p.ask("POST", "/api/articles?fields[0]=title", content=exact, headers={"Content-Type": "application/json"},
              note=f"body of exactly {len(exact.encode())} bytes", quiet_body=True)

    p.section("(c) invalid query parameters (strictParams)")
    for query in ("filters[nope][$eq]=1", "filters[title][$fakeOp]=x", "sort=nope:asc", "fields[0]=nope",
                  "populate=title", "foo=1", "filters[secret][$eq]=x"):
        p.ask("GET", f"/api/articles?{query}")

    p.section("(d) sort=title:up")
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&sort=title:up")

    p.section("(e) $contains case sensitivity (SQLite); the entry's title is 'Hello World'")
    for op, value in (("$contains", "hello"), ("$contains", "Hello"), ("$containsi", "hello"),
                      ("$eq", "hello world"), ("$eqi", "hello world"), ("$startsWith", "hello")):
        p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&filters[title][{op}]={value}&fields[0]=title",
              quiet_body=True)

    p.section("(f) DELETE an existing and a non-existing article")
    gone = p.create("/api/articles", {"title": "to delete"})
    p.ask("DELETE", f"/api/articles/{gone['documentId']}")
    p.ask("DELETE", f"/api/articles/{gone['documentId']}", note="the same again")
    p.ask("DELETE", "/api/articles/doesnotexist000000000000")

    p.section("(g) PUT / GET of a non-existing documentId")
    p.ask("PUT", "/api/articles/doesnotexist000000000000", body={"data": {"title": "x"}})
    p.ask("GET", "/api/articles/doesnotexist000000000000")

    p.section("(h) POST bodies: without data, data not an object, id/documentId/unknown attribute")
    p.ask("POST", "/api/articles", body={"title": "no data"})
    p.ask("POST", "/api/articles", body={"data": "a string"})
    p.ask("POST", "/api/articles", body={"data": ["an", "array"]})
    p.ask("POST", "/api/articles", body={"data": None})
    p.ask("POST", "/api/articles", content="", headers={"Content-Type": "application/json"}, note="empty body")
    p.ask("POST", "/api/articles", body={"data": {"title": "x", "batch": b, "id": 5}})
    p.ask("POST", "/api/articles", body={"data": {"title": "x", "batch": b, "documentId": "abc"}})
    p.ask("POST", "/api/articles", body={"data": {"title": "x", "batch": b, "nope": 1}})
    p.ask("POST", "/api/articles", body={"data": {"title": "x", "batch": b}, "extra": 1}, note="unknown root key")
    p.ask("PUT", f"/api/articles/{doc}", body={"title": "no data"})

    p.section("(i) authentication and authorization")
    p.ask("POST", "/api/tags", body={"data": {"label": "x", "batch": b}}, note="anonymous; Public lacks tag.create")
    p.ask("GET", "/api/articles?pagination[pageSize]=1", headers={"Authorization": "Bearer garbage"},
          quiet_body=True)
    if tokens:
        ro, fa = tokens.get("read-only", ""), tokens.get("full-access", "")
        p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&fields[0]=title",
              headers={"Authorization": f"Bearer {ro}"}, note="read-only GET", quiet_body=True)
        p.ask("POST", "/api/articles", body={"data": {"title": "ro", "batch": b}},
              headers={"Authorization": f"Bearer {ro}"}, note="read-only POST")
        p.ask("POST", "/api/tags", body={"data": {"label": "fa", "batch": b}},
              headers={"Authorization": f"Bearer {fa}"}, note="full-access POST tag", quiet_body=True)
        victim = p.create("/api/articles", {"title": "full-access delete"})
        p.ask("DELETE", f"/api/articles/{victim['documentId']}", headers={"Authorization": f"Bearer {fa}"},
              note="full-access DELETE")
        for label, key in (("anonymous", None), ("read-only", ro), ("full-access", fa)):
            p.ask("GET", "/api/conformance/whoami", note=f"whoami {label}",
                  headers={"Authorization": f"Bearer {key}"} if key else None)
    user = fixture.get("user") or {}
    if user:
        login = p.ask("POST", "/api/auth/local", body=user, quiet_body=True)
        jwt = login.json().get("jwt") if login.status_code == 200 else None
        if jwt:
            p.ask("GET", "/api/conformance/whoami", headers={"Authorization": f"Bearer {jwt}"}, note="whoami user")
            p.ask("POST", "/api/tags", body={"data": {"label": "u", "batch": b}},
                  headers={"Authorization": f"Bearer {jwt}"}, note="user POST tag (role lacks it)")
        p.ask("POST", "/api/auth/local", body={"identifier": user.get("identifier"), "password": "wrong"})

    p.section("(j) policy return values and thrown errors per layer")
    returned: Any
    for returned in (False, 0, "ok", None, {}, 1, True):
        p.ask("GET", f"/api/articles/{doc}?fields[0]=title",
              control={"policy:second": {"do": "return", "value": returned}}, trace=True)
    p.ask("GET", f"/api/articles/{doc}?fields[0]=title", control={"policy:second": {"do": "return"}},
          trace=True, note="return without value (undefined)")
    p.ask("GET", f"/api/articles/{doc}", control={"policy:first": {"do": "throw", "error": "PolicyError",
                                                                   "message": "custom policy message",
                                                                   "details": {"why": "probe"}}}, trace=True)
    p.ask("GET", f"/api/articles/{doc}", control={"policy:first": {"do": "throw", "error": "PolicyError"}})
    layers = (
        ("policy:first", None),
        ("rmw:first", None),
        ("controller:article", None),
        ("service:article", None),
        ("docmw:first", None),
        ("lifecycle:file", "beforeFindOne"),
        ("gmw:first", None),
    )
    for address, action in layers:
        p.say(f"\n### thrown in {address}\n")
        for error in ERRORS:
            directive: dict[str, Any] = {"do": "throw", "error": error, "message": f"custom {error} message",
                                         "details": {"layer": address}}
            if action:
                directive["action"] = action
            p.ask("GET", f"/api/articles/{doc}", control={address: directive}, trace=True)
    p.say("\n### thrown in after hooks and in a write's before hook\n")
    p.ask("GET", f"/api/articles/{doc}?fields[0]=title", trace=True,
          control={"lifecycle:subscriber": {"do": "throw", "error": "ApplicationError", "message": "after hook",
                                            "action": "afterFindOne"}})
    p.ask("POST", "/api/articles", body={"data": {"title": "aborted", "batch": b}}, trace=True,
          control={"lifecycle:file": {"do": "throw", "error": "ApplicationError", "message": "no create",
                                      "action": "beforeCreate"}})
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&filters[title][$eq]=aborted&status=draft&fields[0]=title",
          note="did the aborted create leave a row?")
    p.ask("POST", "/api/articles", body={"data": {"title": "aborted late", "batch": b}},
          control={"lifecycle:file": {"do": "throw", "error": "ApplicationError", "message": "no create after",
                                      "action": "afterCreate"}})
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&filters[title][$eq]=aborted late&status=draft&fields[0]=title",
          note="did the create that failed in afterCreate leave a row?")
    p.say("\n### thrown after next() / super (throw-after)\n")
    for address in ("gmw:first", "rmw:first", "controller:article", "service:article"):
        p.ask("GET", f"/api/articles/{doc}", control={address: {"do": "throw-after", "error": "ForbiddenError",
                                                                "message": "after"}}, trace=True)
    p.say("\n### other error classes (from the controller)\n")
    for error in ("ValidationError", "NotFoundError", "PaginationError", "PayloadTooLargeError", "RateLimitError",
                  "NotImplementedError", "YupValidationError"):
        p.ask("GET", f"/api/articles/{doc}", control={"controller:article": {"do": "throw", "error": error}})

    p.section("(k) answers without a body")
    p.ask("GET", f"/api/articles/{doc}", control={"rmw:first": {"do": "halt"}}, trace=True,
          note="route middleware returns without next() or body")
    p.ask("GET", f"/api/articles/{doc}", control={"rmw:first": {"do": "halt", "value": {"x": 1}}}, trace=True,
          note="route middleware returns a value without next()")
    p.ask("GET", f"/api/articles/{doc}", control={"gmw:first": {"do": "halt"}}, trace=True,
          note="global middleware returns without next()")
    p.ask("GET", f"/api/articles/{doc}", control={"controller:article": {"do": "return-value",
                                                                         "value": {"hello": "controller"}}},
          trace=True, note="controller returns a value")
    p.ask("GET", f"/api/articles/{doc}", control={"controller:article": {"do": "return-value"}}, trace=True,
          note="controller returns nothing without calling super")
    p.ask("GET", f"/api/articles/{doc}", control={"rmw:second": {"do": "respond", "status": 202,
                                                                 "body": {"from": "rmw"}}}, trace=True)
    p.ask("GET", f"/api/articles/{doc}", control={"docmw:first": {"do": "halt", "action": "findOne"}},
          trace=True, note="Document Service middleware halts findOne")
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&fields[0]=title",
          control={"docmw:first": {"do": "halt", "action": "findMany", "value": []}}, trace=True,
          note="Document Service middleware halts findMany with []")
    p.ask("GET", f"/api/articles/{doc}", control={"service:article": {"do": "return-value",
                                                                      "value": {"documentId": "fake", "x": 1}}},
          trace=True, note="service returns a value")

    p.section("(l) full traces of the five core actions")
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&fields[0]=title", trace=True, quiet_body=True)
    p.ask("GET", f"/api/articles/{doc}?fields[0]=title", trace=True)
    made = p.ask("POST", "/api/articles", body={"data": {"title": "traced", "batch": b}}, trace=True)
    made_doc = made.json()["data"]["documentId"]
    p.ask("PUT", f"/api/articles/{made_doc}", body={"data": {"title": "traced again"}}, trace=True)
    p.ask("DELETE", f"/api/articles/{made_doc}", trace=True)
    p.ask("GET", f"/api/articles/{doc}?fields[0]=title", trace=True,
          control={"lifecycle:file": {"do": "set-state", "value": "from before", "action": "beforeFindOne"}},
          note="set-state in a before hook")

    p.section("(m) webhooks")
    if receiver is None:
        p.say("(no webhook receiver: pass --webhook-port, or --start)")
    else:
        receiver.take(settle=1.0)
        hooked = webhook_step(p, receiver, "POST", "/api/articles", {"data": {"title": "hooked", "batch": b}})
        hooked_doc = hooked.json()["data"]["documentId"]
        webhook_step(p, receiver, "PUT", f"/api/articles/{hooked_doc}", {"data": {"title": "hooked again"}})
        webhook_step(p, receiver, "DELETE", f"/api/articles/{hooked_doc}", None)
        webhook_step(p, receiver, "POST", "/api/articles?status=draft", {"data": {"title": "draft hook", "batch": b}})
        webhook_step(p, receiver, "POST", "/api/authors", {"data": {"name": "hooked author", "batch": b}})

    p.section("(n) pagination meta")
    for i in range(3):
        p.create("/api/articles", {"title": f"page {i}"})
    base = f"/api/articles?filters[batch][$eq]={b}&fields[0]=title"
    for query in ("", "&pagination[page]=2&pagination[pageSize]=2", "&pagination[start]=1&pagination[limit]=2",
                  "&pagination[withCount]=false", "&pagination[page]=1&pagination[start]=0",
                  "&pagination[pageSize]=1000", "&pagination[limit]=1000", "&pagination[withCount]=maybe",
                  "&pagination[page]=0", "&pagination[pageSize]=0", "&pagination[limit]=-1",
                  "&pagination[page]=x", "&page=1"):
        response = p.client.get(base + query)
        try:
            body = response.json()
            shown = json.dumps(body.get("meta") if response.status_code == 200 else body)
            count = f", {len(body['data'])} entries" if response.status_code == 200 else ""
        except ValueError:
            shown, count = response.text, ""
        p.say(f"- `{query or '(none)'}` → {response.status_code}{count}: `{shown}`")

    p.section("(o) unknown routes and /_health")
    p.ask("GET", "/api/nothing", all_headers=True)
    p.ask("POST", "/api/nothing", body={"data": {}})
    p.ask("GET", "/nothing")
    p.ask("GET", "/_health", all_headers=True)
    p.ask("HEAD", "/_health")
    p.ask("GET", "/api/articles", headers={"Origin": "http://example.com"}, all_headers=True, quiet_body=True,
          note="CORS with an Origin")

    p.section("(p) single type homepage")
    p.ask("GET", "/api/homepage")
    p.ask("PUT", "/api/homepage", body={"data": {"headline": "first", "batch": b}})
    p.ask("PUT", "/api/homepage", body={"data": {"headline": "second"}})
    p.ask("GET", "/api/homepage")
    p.ask("PUT", "/api/homepage", body={"headline": "no data"})
    p.ask("DELETE", "/api/homepage")
    p.ask("GET", "/api/homepage")
    p.ask("DELETE", "/api/homepage", note="again, nothing left")

    p.section("(q) status=draft")
    draft = p.ask("POST", "/api/articles?status=draft", body={"data": {"title": "drafty", "batch": b}})
    draft_doc = draft.json()["data"]["documentId"]
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&filters[title][$eq]=drafty&fields[0]=title")
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&filters[title][$eq]=drafty&fields[0]=title&status=draft")
    p.ask("GET", f"/api/articles/{draft_doc}?fields[0]=title")
    p.ask("GET", f"/api/articles/{draft_doc}?fields[0]=title&status=draft")
    p.ask("GET", f"/api/articles/{doc}?fields[0]=title&status=draft", note="a published document, draft version")
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&status=nope")
    p.ask("PUT", f"/api/articles/{draft_doc}?status=draft", body={"data": {"title": "still drafty"}})
    p.ask("DELETE", f"/api/articles/{draft_doc}?status=draft")

    p.section("(r) relations: populate and filters across a relation")
    author = p.create("/api/authors", {"name": "Ada", "email": "ada@example.com"})
    linked = p.create("/api/articles", {"title": "by Ada", "author": author["documentId"]})
    p.ask("GET", f"/api/articles/{linked['documentId']}?populate[author][fields][0]=name&fields[0]=title")
    p.ask("GET", f"/api/articles/{linked['documentId']}?populate=author&fields[0]=title")
    p.ask("GET", f"/api/articles/{linked['documentId']}?populate=*&fields[0]=title")
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&filters[author][name][$eq]=Ada&fields[0]=title")
    p.ask("GET", f"/api/articles?filters[batch][$eq]={b}&filters[author][name][$eq]=x&fields[0]=title")
    p.ask("GET", "/api/articles?filters[author][nope][$eq]=x")
    p.ask("GET", "/api/articles?populate[author][fields][0]=nope")
    p.ask("GET", f"/api/authors/{author['documentId']}?populate=articles&fields[0]=name")

    p.section("(s) X-Powered-By on errors")
    p.ask("GET", f"/api/articles/{doc}", control={"policy:first": {"do": "deny"}}, all_headers=True)
    p.ask("GET", f"/api/articles/{doc}", control={"controller:article": {"do": "throw", "error": "Error"}},
          all_headers=True)
    p.ask("GET", f"/api/articles/{doc}", control={"gmw:first": {"do": "throw", "error": "Error"}},
          all_headers=True, note="500 from a global middleware")

    p.section("(t) the documents endpoint")
    p.ask("POST", "/api/conformance/documents",
          body={"uid": "api::article.article", "action": "findOne", "params": {"documentId": doc, "fields": ["title"]}})
    p.ask("POST", "/api/conformance/documents",
          body={"uid": "api::article.article", "action": "count", "params": {"filters": {"batch": b}}})
    p.ask("POST", "/api/conformance/documents", body={"uid": "api::nope.nope", "action": "findMany"})
    p.ask("POST", "/api/conformance/documents", body={"uid": "api::tag.tag", "action": "publish"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="probe_questions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--base-url", help="a running fixture target")
    where.add_argument("--start", action="store_true", help="start a real Strapi with the fixture")
    parser.add_argument("--version", default=None, help="Strapi version for --start")
    parser.add_argument("--webhook-port", type=int, default=None,
                        help="listen for the target's webhooks on this port (with --base-url)")
    args = parser.parse_args(argv)

    from ..base import TargetError

    try:
        if args.start:
            from . import DEFAULT_VERSION, StrapiTarget

            with WebhookReceiver(0) as receiver, \
                    StrapiTarget(args.version or DEFAULT_VERSION, webhook_url=receiver.url) as target, \
                    target.client(timeout=30.0) as client:
                run(Prober(client), receiver)
        else:
            receiver_cm = WebhookReceiver(args.webhook_port) if args.webhook_port else None
            with httpx.Client(base_url=args.base_url.rstrip("/"), timeout=30.0) as client:
                if receiver_cm is None:
                    run(Prober(client), None)
                else:
                    with receiver_cm as receiver:
                        run(Prober(client), receiver)
    except TargetError as exc:
        print(f"probe_questions: {exc}", file=sys.stderr)
        return 2
    except httpx.HTTPError as exc:
        print(f"probe_questions: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
