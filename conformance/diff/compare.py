"""Comparing normalised answers, learning noise from the oracle run twice, grouping divergences.

A difference is a path: ``status``, ``header:<name>``, or a JSON path in the body (``data.title``,
``error.details.errors[0].path``; ``data[#]`` when two lists differ in length, ``body`` when either body
is not JSON). Paths are generalised (``[0]`` -> ``[*]``) for noise and signatures.

Noise, as in Twitter's Diffy: the oracle answers a case twice (two instances, or one instance
replayed in a second namespace); a generalised path that differs between its own two answers, for an
operation, is noise for that operation, and so is everything below it. Every other difference between
candidate and oracle is a divergence, writes included. Noise only ever excuses a difference between
candidate and oracle, so a case of an operation on which they never differ has no second answer to
learn from unless it was asked for (``b2`` is None: command.py replays the oracle a second time only
where it can change a verdict).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_INDEX_RE = re.compile(r"\[\d+\]")
MISSING = "<absent>"


@dataclass
class Answer:
    """One normalised answer: the status, the chosen headers, the body (JSON, or text when not JSON)."""

    status: int | None  # None: no answer (transport error, in ``error``)
    headers: dict[str, str | None] = field(default_factory=dict)
    body: Any = None
    json: bool = True
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "headers": self.headers, "body": self.body}
        if not self.json:
            out["text"] = True
        if self.error:
            out["error"] = self.error
        return out


def generalise(path: str) -> str:
    return _INDEX_RE.sub("[*]", path)


SAFE_INTEGER = 2**53


def _same_scalar(a: Any, b: Any) -> bool:
    # JSON has one number type (1 == 1.0) but true is never 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == b:
            return True
        # Beyond 2**53 a JavaScript server writes the nearest double in its shortest form
        # (45733859711204470 for 45733859711204472): the same number to every JSON reader that uses
        # doubles, which is what the documentation's clients are.
        wide = isinstance(a, float) or isinstance(b, float) or max(abs(a), abs(b)) > SAFE_INTEGER
        return wide and float(a) == float(b)
    return type(a) is type(b) and a == b


def json_paths(a: Any, b: Any, path: str = "") -> list[str]:
    """The paths where two JSON values differ (a missing key differs from any value, ``null`` included)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in [*a, *(k for k in b if k not in a)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                out.append(where)
            else:
                out += json_paths(a[key], b[key], where)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = [f"{path}[#]"] if len(a) != len(b) else []
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out += json_paths(x, y, f"{path}[{i}]")
        return out
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return [path or "body"]
    return [] if _same_scalar(a, b) else [path or "body"]


def differences(a: Answer, b: Answer) -> list[str]:
    out: list[str] = []
    if a.status != b.status:
        out.append("status")
    for name in sorted(set(a.headers) | set(b.headers)):
        if a.headers.get(name) != b.headers.get(name):
            out.append(f"header:{name}")
    if a.json and b.json:
        out += json_paths(a.body, b.body)
    elif a.body != b.body or a.json != b.json:
        out.append("body")
    return out


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


@dataclass
class Noise:
    """Per operation, the generalised paths where the oracle disagreed with itself."""

    paths: dict[str, Counter[str]] = field(default_factory=dict)

    def learn(self, operation: str, diffs: Iterable[str]) -> None:
        for path in diffs:
            self.paths.setdefault(operation, Counter())[generalise(path)] += 1

    def is_noise(self, operation: str, path: str) -> bool:
        general = generalise(path)
        return any(_under(general, noisy) for noisy in self.paths.get(operation, ()))

    def filter(self, operation: str, diffs: Iterable[str]) -> list[str]:
        return [p for p in diffs if not self.is_noise(operation, p)]

    def as_json(self) -> dict[str, dict[str, int]]:
        return {op: dict(sorted(c.items())) for op, c in sorted(self.paths.items()) if c}


@dataclass(frozen=True)
class Signature:
    """What a divergence group shares: the operation, the status pair, the differing generalised paths."""

    operation: str
    statuses: str  # "A/B", e.g. "400/200"; "-" for no answer
    paths: tuple[str, ...]

    @property
    def key(self) -> str:
        text = f"{self.operation}|{self.statuses}|{','.join(self.paths)}"
        return hashlib.sha1(text.encode()).hexdigest()[:10]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "operation": self.operation, "statuses": self.statuses, "paths": list(self.paths)}


def _status(value: int | None) -> str:
    return "-" if value is None else str(value)


def signature(operation: str, a: Answer, b: Answer, diffs: Iterable[str]) -> Signature:
    paths = tuple(sorted({generalise(p) for p in diffs}))
    return Signature(operation, f"{_status(a.status)}/{_status(b.status)}", paths)


@dataclass
class Case:
    """One compared request: where it is in the plan, what it was, and the three answers."""

    sequence: int
    step: int
    operation: str
    origin: str
    request: dict[str, Any]
    a: Answer
    b: Answer
    b2: Answer | None  # None: the oracle was not asked twice (no difference of this operation to judge)
    diffs: list[str] | None = None  # differences(a, b) when the replay already worked them out


@dataclass
class Group:
    signature: Signature
    cases: list[Case] = field(default_factory=list)
    known: str | None = None  # the manifest entry's id that explains it

    @property
    def count(self) -> int:
        return len(self.cases)


@dataclass
class Comparison:
    total: int
    agreeing: int
    groups: list[Group]
    noise: Noise
    raw_divergent: int  # cases whose answers differ before noise is taken out

    @property
    def agreement(self) -> float:
        return 100.0 * self.agreeing / self.total if self.total else 100.0


def compare(cases: list[Case]) -> Comparison:
    """Learn the noise from every case first (B against B2), then judge A against B."""
    noise = Noise()
    for case in cases:
        if case.b2 is not None:
            noise.learn(case.operation, differences(case.b, case.b2))
    groups: dict[Signature, Group] = {}
    agreeing = raw = 0
    for case in cases:
        diffs = differences(case.a, case.b) if case.diffs is None else case.diffs
        raw += bool(diffs)
        left = noise.filter(case.operation, diffs)
        if not left:
            agreeing += 1
            continue
        sig = signature(case.operation, case.a, case.b, left)
        groups.setdefault(sig, Group(sig)).cases.append(case)
    ordered = sorted(groups.values(), key=lambda g: (-g.count, g.signature.operation, g.signature.statuses))
    return Comparison(len(cases), agreeing, ordered, noise, raw)
