"""Replaying a plan on one target, in one namespace: the placeholders resolved for that target, every
answer normalised as it arrives (documentIds are named by the step that created them)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from .compare import Answer
from .normalise import Normalisation, Symbols, created_document, media_type, normalise
from .plan import Plan, Sequence, Step

WRITES = ("POST", "PUT")


def _chosen_headers(raw: list[tuple[bytes, bytes]], names: tuple[str, ...]) -> dict[str, str | None]:
    """``{name: httpx.Headers(raw).get(name)}``: repeated headers joined with ", ", as httpx does."""
    if not all(k.isascii() and v.isascii() for k, v in raw):
        headers = httpx.Headers(raw)  # httpx's own fallback encodings
        return {name: headers.get(name) for name in names}
    out: dict[str, str | None] = {}
    for name in names:
        key = name.lower().encode("ascii")
        values = [v.decode("ascii") for k, v in raw if k.lower() == key]
        out[name] = ", ".join(values) if values else None
    return out


@functools.lru_cache(maxsize=64)
def _text_encoding(content_type: str | None) -> str:
    """The encoding httpx decodes a body with under this content-type (its own rules, asked once)."""
    headers = {"content-type": content_type} if content_type is not None else {}
    return httpx.Response(200, headers=headers).encoding or "utf-8"


@dataclass
class World:
    """One target in one namespace: ``label`` is part of every batch value it writes."""

    label: str
    client: httpx.Client
    token: str | None
    rules: Normalisation
    run_id: str

    def batch(self, index: int) -> str:
        return f"diff-{self.run_id}-{self.label}-{index:05d}-"

    def send(self, step: Step, symbols: Symbols, number: int) -> Answer:
        url = symbols.resolve(step.path) + (f"?{symbols.resolve(step.query)}" if step.query else "")
        headers: dict[str, str] = {}
        if step.auth == "full-access" and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if step.content_type:
            headers["Content-Type"] = step.content_type
        content = step.body_bytes(symbols.resolve)
        exchange = getattr(self.client, "exchange", None)
        if exchange is not None and url.isascii():  # an in-process app: no httpx.Response to build
            status, raw, data = exchange(step.method, url, headers, content)
            found = _chosen_headers(raw, (*self.rules.headers, "content-type"))
            text = data.decode(_text_encoding(found["content-type"]), "replace") if data else ""
            chosen = {name: found[name] for name in self.rules.headers}
        else:
            try:
                response = self.client.request(step.method, url, headers=headers, content=content)
            except httpx.HTTPError as exc:
                return Answer(None, error=f"{type(exc).__name__}: {exc}")
            status = response.status_code
            chosen = {name: response.headers.get(name) for name in self.rules.headers}
            text = response.text
        if "content-type" in chosen:
            chosen["content-type"] = media_type(chosen["content-type"])
        try:
            body = json.loads(text) if text.strip() else None
            is_json = True
        except ValueError:
            body, is_json = text, False
        if is_json:
            if step.method in WRITES and 200 <= status < 300:
                created = created_document(body, self.rules)
                if created is not None:
                    symbols.bind(number, created)
            body = normalise(body, symbols, number, self.rules)
        else:
            body = symbols.in_text(text)
        return Answer(status, chosen, body, is_json)

    def run_sequence(self, index: int, sequence: Sequence) -> list[Answer]:
        symbols = Symbols(self.batch(index))
        return [self.send(step, symbols, n) for n, step in enumerate(sequence.steps)]

    def run_each(self, plan: Plan, indices: Iterable[int], done: Callable[[int, list[Answer]], None]) -> None:
        """Replay the sequences ``indices`` in order, handing each one's answers to ``done`` as it ends."""
        for index in indices:
            done(index, self.run_sequence(index, plan.sequences[index]))

    def run(self, plan: Plan, only: set[int] | None = None,
            progress: Callable[[int], None] | None = None) -> dict[int, list[Answer]]:
        out: dict[int, list[Answer]] = {}
        for index, sequence in enumerate(plan.sequences):
            if only is not None and index not in only:
                continue
            out[index] = self.run_sequence(index, sequence)
            if progress is not None:
                progress(len(sequence.steps))
        return out
