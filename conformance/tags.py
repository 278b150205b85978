"""Scenario tags: ``@id:PO-003``, one level (``@must``/``@should``/``@may``), ``@doc:<page>``,
``@needs:<capability>`` and ``@group:<name>``; and the ``--tags`` selection expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEVELS = ("must", "should", "may")
DOCS_BASE = "https://docs.strapi.io/"
KNOWN_PREFIXES = ("id", "doc", "needs", "group", "strapi")
KNOWN_PLAIN = (*LEVELS, "wip")


class TagExpressionError(ValueError):
    """A ``--tags`` expression that cannot be read."""


@dataclass
class ScenarioTags:
    scenario_id: str | None = None
    levels: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    all: set[str] = field(default_factory=set)

    @property
    def level(self) -> str | None:
        return self.levels[0] if self.levels else None

    @property
    def doc_urls(self) -> list[str]:
        return [DOCS_BASE + d.lstrip("/") if not d.startswith("http") else d for d in self.docs]


def split_tags(tags: set[str] | list[str]) -> ScenarioTags:
    out = ScenarioTags(all=set(tags))
    for tag in sorted(tags):
        prefix, sep, value = tag.partition(":")
        if not sep:
            if tag in LEVELS:
                out.levels.append(tag)
            continue
        if prefix == "id":
            out.scenario_id = value
        elif prefix == "doc":
            out.docs.append(value)
        elif prefix == "needs":
            out.needs.append(value)
        elif prefix == "group":
            out.groups.append(value)
    return out


_TOKEN = re.compile(r"\s*(\(|\)|and\b|or\b|not\b|@?[A-Za-z0-9_.:*/-]+)")


def compile_expression(expr: str):  # type: ignore[no-untyped-def]
    """Compile ``@must and not @needs:webhooks`` into a predicate over a set of tags.

    Tags may be written with or without ``@``; a tag with ``*`` is a glob (``@id:PO-*``).
    """
    tokens: list[str] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            if expr[pos:].strip() == "":
                break
            raise TagExpressionError(f"cannot read tag expression at {expr[pos:]!r}")
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens:
        raise TagExpressionError("empty tag expression")

    def parse_or(i: int):  # type: ignore[no-untyped-def]
        left, i = parse_and(i)
        while i < len(tokens) and tokens[i] == "or":
            right, i = parse_and(i + 1)
            left = (lambda a, b: lambda t: a(t) or b(t))(left, right)
        return left, i

    def parse_and(i: int):  # type: ignore[no-untyped-def]
        left, i = parse_not(i)
        while i < len(tokens) and tokens[i] == "and":
            right, i = parse_not(i + 1)
            left = (lambda a, b: lambda t: a(t) and b(t))(left, right)
        return left, i

    def parse_not(i: int):  # type: ignore[no-untyped-def]
        if i < len(tokens) and tokens[i] == "not":
            inner, i = parse_not(i + 1)
            return (lambda a: lambda t: not a(t))(inner), i
        return parse_atom(i)

    def parse_atom(i: int):  # type: ignore[no-untyped-def]
        if i >= len(tokens):
            raise TagExpressionError(f"tag expression ends too early: {expr!r}")
        tok = tokens[i]
        if tok == "(":
            inner, i = parse_or(i + 1)
            if i >= len(tokens) or tokens[i] != ")":
                raise TagExpressionError(f"missing ')' in {expr!r}")
            return inner, i + 1
        if tok in (")", "and", "or"):
            raise TagExpressionError(f"unexpected {tok!r} in {expr!r}")
        name = tok.lstrip("@")
        if "*" in name:
            from fnmatch import fnmatchcase

            return (lambda n: lambda t: any(fnmatchcase(x, n) for x in t))(name), i + 1
        return (lambda n: lambda t: n in t)(name), i + 1

    predicate, end = parse_or(0)
    if end != len(tokens):
        raise TagExpressionError(f"unexpected {tokens[end]!r} in {expr!r}")
    return predicate
