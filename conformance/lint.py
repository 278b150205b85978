"""``conformance lint``: every scenario has a unique stable id, exactly one level, a documentation
page, and only known tags and capabilities; every file parses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .catalogue import feature_files, parse_feature, rel_feature
from .fixture.fixture import CAPABILITIES
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
            except Exception as exc:  # pytest-bdd's parse errors
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
    return problems
