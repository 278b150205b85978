"""What each Then step proves, in one table: ``conformance lint`` uses it to reject scenarios whose
passing would prove nothing (only absences, or a trace absence with no trace marker beside it).

Kinds:

- ``positive``: something the answer must contain (a status, a value, a delivery);
- ``absence``: something the answer must not contain; it passes on an empty answer as well;
- ``trace``: a marker (or a whole sequence) the trace must contain: a positive check that also
  proves the trace was recorded for this request;
- ``trace-absence``: a marker the trace must not contain;
- ``neutral``: not an assertion (a Then step that changes the scenario's state).

The patterns are matched against the step text (without its keyword), first match wins; each entry
carries an example, and a unit test checks that every Then step definition is covered by exactly
the entries meant for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["positive", "absence", "trace", "trace-absence", "neutral"]
POSITIVE_KINDS: frozenset[str] = frozenset({"positive", "trace"})


@dataclass(frozen=True)
class StepKind:
    pattern: re.Pattern[str]
    kind: Kind
    example: str


def _k(pattern: str, kind: Kind, example: str) -> StepKind:
    return StepKind(re.compile(pattern + "$"), kind, example)


_Q = r'"[^"]+"'
THEN_STEPS: tuple[StepKind, ...] = (
    # conformance/steps/response.py
    _k(r"the status is \d+", "positive", "the status is 200"),
    _k(r"the body matches:", "positive", "the body matches:"),
    _k(r"the body is exactly:", "positive", "the body is exactly:"),
    _k(r"the body is empty", "absence", "the body is empty"),
    _k(r'the body is the text "[^"]*"', "positive", 'the body is the text "ok"'),
    _k(rf"the JSON at {_Q} is absent", "absence", 'the JSON at "meta" is absent'),
    _k(rf'the JSON at {_Q} is (?:exactly )?"?<absent>"?', "absence", 'the JSON at "meta" is "<absent>"'),
    _k(rf"the JSON at {_Q} is exactly:", "positive", 'the JSON at "meta" is exactly:'),
    _k(rf"the JSON at {_Q} is exactly .+", "positive", 'the JSON at "meta" is exactly {}'),
    _k(rf"the JSON at {_Q} is:", "positive", 'the JSON at "data" is:'),
    _k(rf"the JSON at {_Q} has the keys .+", "positive", 'the JSON at "data" has the keys id, title'),
    _k(rf"the JSON at {_Q} lists, after {_Q}, in any order: .+", "positive",
       'the JSON at "error.message" lists, after "one of: ", in any order: a, b'),
    _k(rf"the JSON at {_Q} is .+", "positive", 'the JSON at "data.title" is "x"'),
    _k(rf"{_Q} has \d+ items?", "positive", '"data" has 0 items'),
    _k(rf'the "\w+" of {_Q} are, in order: .*', "positive", 'the "title" of "data" are, in order: A, B'),
    _k(r'the error is \d+ \w+ ".*"', "positive", 'the error is 404 NotFoundError "Not Found"'),
    _k(r"the error is \d+ \w+, whatever its message", "positive",
       "the error is 413 PayloadTooLargeError, whatever its message"),
    _k(r"the error is \d+, whatever its name and message", "positive",
       "the error is 400, whatever its name and message"),
    _k(r"the error details are .+", "positive", "the error details are {}"),
    _k(r"the error has no details", "absence", "the error has no details"),
    _k(rf"the header {_Q} is absent", "absence", 'the header "X-Powered-By" is absent'),
    _k(rf"the header {_Q} is present", "positive", 'the header "X-Powered-By" is present'),
    _k(rf'the header {_Q} is "[^"]*"', "positive", 'the header "Allow" is "GET"'),
    # conformance/steps/trace.py
    _k(r"the trace contains, in order:", "trace", "the trace contains, in order:"),
    _k(r"the trace is exactly:", "trace", "the trace is exactly:"),
    _k(rf"the trace contains {_Q} 0 times?", "trace-absence", 'the trace contains "policy:*" 0 times'),
    _k(rf"the trace contains {_Q} \d+ times?", "trace", 'the trace contains "policy:first:allow" 2 times'),
    _k(rf"the trace contains {_Q}", "trace", 'the trace contains "controller:article.find:in"'),
    _k(rf"the trace does not contain {_Q}", "trace-absence", 'the trace does not contain "policy:*"'),
    _k(r"every layer is left in the exact reverse order it was entered", "trace",
       "every layer is left in the exact reverse order it was entered"),
    # conformance/steps/webhooks.py
    _k(r"the webhooks received are, (?:in order|in any order): .+", "positive",
       "the webhooks received are, in order: entry.create"),
    _k(r'a webhook "[\w.-]+" is received', "positive", 'a webhook "entry.create" is received'),
    _k(r"no webhook is received", "absence", "no webhook is received"),
    _k(r"its body matches:", "positive", "its body matches:"),
    _k(r'its header "[^"]+" is "[^"]*"', "positive", 'its header "X-Strapi-Event" is "entry.create"'),
    # conformance/steps/control.py
    _k(r"no component is directed any more", "neutral", "no component is directed any more"),
)


def classify(step_text: str) -> Kind | None:
    """The kind of a Then step (its text without the keyword), None when no entry knows it."""
    for entry in THEN_STEPS:
        if entry.pattern.match(step_text):
            return entry.kind
    return None
