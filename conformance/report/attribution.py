"""Which of the project's own components a failure comes from, read from the trace.

With ``--project``, each of the project's global middlewares is wrapped so that the trace shows it
(conformance/targets/strapi/own/conformance-project.js): ``project:<name>:in``/``out``, and where
it left the documented path: ``swallowed=<error>`` (an error thrown further in did not come out of
it), ``threw=<error>``, ``short-circuit=<status>`` (it answered without calling the next layer),
``changed=<before>-><after>`` (it changed the status on the way out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .verdict import FAILING

DEVIATIONS = {
    "swallowed": "swallowed the {detail} thrown further in (the error never reached strapi::errors)",
    "threw": "threw {detail}",
    "short-circuit": "answered {detail} itself without calling the next layer",
    "changed": "changed the status on the way out ({detail})",
}


def project_marks(trace: Sequence[str]) -> list[tuple[str, str, str]]:
    """``project:swallow-errors:swallowed=PolicyError`` -> ``("swallow-errors", "swallowed", "PolicyError")``."""
    out = []
    for marker in trace:
        stage, _, rest = marker.partition(":")
        if stage != "project":
            continue
        name, _, phase = rest.rpartition(":")
        phase, _, detail = phase.partition("=")
        out.append((name, phase, detail.replace("->", " → ")))
    return out


def attribution(record: Mapping[str, Any]) -> str | None:
    """One sentence naming the project's component a failed scenario's trace blames, or None."""
    if record.get("outcome") not in FAILING:
        return None
    marks = project_marks(record.get("trace") or [])
    if not marks:
        return None
    deviations = [f"project middleware {name} " + DEVIATIONS[phase].format(detail=detail or "?")
                  for name, phase, detail in marks if phase in DEVIATIONS]
    if deviations:
        return "; ".join(dict.fromkeys(deviations))
    names = ", ".join(dict.fromkeys(name for name, phase, _ in marks if phase == "in"))
    return f"the request went through the project's own middleware(s) {names}; the trace shows no deviation there"
