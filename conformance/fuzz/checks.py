"""The fuzzer's own checks, run on every answer next to schemathesis' built-in ones (runner.py).

``private_attribute_leak``: a private attribute of the fixture's content types (``"private": true``
and every ``password`` attribute) never appears as a key in an answer's ``data``, however deep
(populated relations, components, dynamic zones). Strapi's output sanitizer removes them from every
answer; the hostile phase checks its own answers with the same walk (hostile.py ``problems``), and
the webhook payloads a fuzz run caused are checked once the run is over (``webhook_leaks``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from schemathesis.core.failures import Failure

from .hostile import Api, leaked

if TYPE_CHECKING:
    from schemathesis import Case, Response
    from schemathesis.checks import CheckContext


@cache
def private_names() -> frozenset[str]:
    """The private attribute names of the fixture's content types (the fuzzed document's)."""
    return Api.fixture().private


class PrivateAttributeLeak(Failure):
    """A private attribute in an answer."""

    checks = ("private_attribute_leak",)
    kind_title = "Private attribute in the answer"


def private_attribute_leak(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Fail when the answer's ``data`` holds a private attribute as a key."""
    if "json" not in ",".join(response.headers.get("content-type", [])) or not response.content:
        return None
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return None  # not JSON: the content type checks say so
    where = leaked(body.get("data") if isinstance(body, dict) else None, private_names())
    if where is not None:
        raise PrivateAttributeLeak(operation=case.operation.label,
                                   title=f"Private attribute data.{where.split('.')[-1]}",
                                   message=f"data.{where} is a private attribute: Strapi never answers it")
    return None


def webhook_leaks(deliveries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(title, message) for each webhook delivery whose payload holds a private attribute, one per
    event, model and attribute path."""
    found: dict[str, str] = {}
    for delivery in deliveries:
        body = delivery.get("body")
        where = leaked(body, private_names())
        if where is None or not isinstance(body, dict):
            continue
        title = f"Private attribute {where.split('.')[-1]} in {body.get('event')} of {body.get('model')}"
        entry = body.get("entry")
        entry = entry if isinstance(entry, dict) else {}
        found.setdefault(title, f"webhook {body.get('event')} (model {body.get('model')}, documentId "
                                f"{entry.get('documentId')!r}): {where} is a private attribute: Strapi "
                                "sanitizes webhook payloads")
    return list(found.items())
