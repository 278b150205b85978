"""Replaying a plan on one target, in one namespace: the placeholders resolved for that target, every
answer normalised as it arrives (documentIds are named by the step that created them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from .compare import Answer
from .normalise import Normalisation, Symbols, created_document, media_type, normalise
from .plan import Plan, Sequence, Step

WRITES = ("POST", "PUT")


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
        try:
            response = self.client.request(step.method, url, headers=headers, content=step.body_bytes(symbols.resolve))
        except httpx.HTTPError as exc:
            return Answer(None, error=f"{type(exc).__name__}: {exc}")
        chosen = {name: response.headers.get(name) for name in self.rules.headers}
        if "content-type" in chosen:
            chosen["content-type"] = media_type(chosen["content-type"])
        text = response.text
        try:
            body = json.loads(text) if text.strip() else None
            is_json = True
        except ValueError:
            body, is_json = text, False
        if is_json:
            if step.method in WRITES and 200 <= response.status_code < 300:
                created = created_document(body, self.rules)
                if created is not None:
                    symbols.bind(number, created)
            body = normalise(body, symbols, number, self.rules)
        else:
            body = symbols.in_text(text)
        return Answer(response.status_code, chosen, body, is_json)

    def run_sequence(self, index: int, sequence: Sequence) -> list[Answer]:
        symbols = Symbols(self.batch(index))
        return [self.send(step, symbols, n) for n, step in enumerate(sequence.steps)]

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
