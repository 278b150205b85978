"""``conformance lint``: every scenario has a unique stable id, exactly one level, a documentation
page, and only known tags and capabilities; every file parses; and every scenario proves something:
a passing scenario must rest on a positive check (conformance/step_kinds.py classifies the Then
steps), and an absence in the trace must sit beside a marker proving the trace of that answer was
recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .fixture.facts import CAPABILITIES
from .scenarios import CatalogueScenario, feature_files, parse_feature, rel_feature
from .step_kinds import POSITIVE_KINDS, classify
from .tags import KNOWN_PLAIN, KNOWN_PREFIXES, LEVELS, split_tags

ID_FORMAT = re.compile(r"^[A-Z]{2}-\d{3}$")


@dataclass
class Problem:
    where: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def lint_paths(paths: list[Path]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for root in paths:
        if not root.exists():
            problems.append(Problem(str(root), "no such file or folder"))
            continue
        files = feature_files(root)
        if not files:
            problems.append(Problem(str(root), "no .feature files"))
        for path in files:
            try:
                scenarios = parse_feature(path)
            except Exception as exc:  # noqa: BLE001 (pytest-bdd raises several kinds of parse error: each is one problem line)
                problems.append(Problem(rel_feature(path), f"cannot parse: {str(exc).splitlines()[0]}"))
                continue
            for s in scenarios:
                where = f"{s.feature}:{s.line} ({s.name})"
                tags = split_tags(s.tags)
                if tags.scenario_id is None:
                    problems.append(Problem(where, "no @id:XX-000 tag"))
                elif not ID_FORMAT.match(tags.scenario_id):
                    problems.append(Problem(where, f"id {tags.scenario_id!r} is not of the form XX-000"))
                elif tags.scenario_id in seen:
                    problems.append(Problem(where, f"id {tags.scenario_id} is also used at {seen[tags.scenario_id]}"))
                else:
                    seen[tags.scenario_id] = where
                if len(tags.levels) != 1:
                    problems.append(Problem(where, f"needs exactly one level tag of {LEVELS}, has {tags.levels}"))
                if not tags.docs:
                    problems.append(Problem(where, "no @doc:<documentation page> tag"))
                for need in tags.needs:
                    if need not in CAPABILITIES:
                        problems.append(Problem(where, f"unknown capability @needs:{need}"))
                for tag in s.tags:
                    prefix, sep, _ = tag.partition(":")
                    if (sep and prefix not in KNOWN_PREFIXES) or (not sep and tag not in KNOWN_PLAIN):
                        problems.append(Problem(where, f"unknown tag @{tag}"))
                uses_control = any(step.startswith(('given "', "given the policy ")) for step in s.steps)
                if uses_control and "control" not in tags.needs:
                    problems.append(Problem(where, "directs a component but lacks @needs:control"))
                if any("the trace" in step for step in s.steps) and "trace" not in tags.needs:
                    problems.append(Problem(where, "asserts the trace but lacks @needs:trace"))
                if any("webhook" in step for step in s.steps) and "webhooks" not in tags.needs:
                    # Such a scenario's writes would ask a webhooks-off target for no deliveries.
                    problems.append(Problem(where, "reads webhooks but lacks @needs:webhooks"))
                problems += [Problem(where, message) for message in assertion_problems(s)]
    return problems


def assertion_problems(scenario: CatalogueScenario) -> list[str]:
    """Why a pass of this scenario would prove nothing (empty when it would prove something).

    The Then steps are taken block by block (a block: the Then steps after one When), since each
    block checks one answer: an absence passes on an empty answer, so the same answer needs a
    positive check, and a trace absence needs a trace marker of that same answer."""
    out: list[str] = []
    blocks: list[list[tuple[str, str | None]]] = [[]]
    for step in scenario.steps:
        keyword, _, text = step.partition(" ")
        if keyword == "when":
            if blocks[-1]:
                blocks.append([])
        elif keyword == "then":
            blocks[-1].append((text, classify(text)))
    thens = [item for block in blocks for item in block]
    out += [f"Then step matches no known assertion (conformance/step_kinds.py): {text!r}"
            for text, kind in thens if kind is None]
    if not thens:
        return out + ["asserts nothing: no Then step"]
    if not any(kind in POSITIVE_KINDS for _, kind in thens):
        return out + ["asserts only absences: add a positive check (a status, a value, a trace marker)"]
    for block in blocks:
        kinds = {kind for _, kind in block}
        first = block[0][0] if block else ""
        if kinds & {"absence", "trace-absence"} and not kinds & POSITIVE_KINDS:
            out.append(f"the answer checked from {first!r} on gets only absences: add a positive check")
        elif "trace-absence" in kinds and "trace" not in kinds:
            out.append(f"the answer checked from {first!r} on gets a trace absence but no trace marker "
                       "proving its trace was recorded")
    return out
