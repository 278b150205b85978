"""Strapi's entity validator and the Query Engine's value parsers, with Strapi's messages.

Two places of the chain validate an entry's values, as in Strapi 5:

- the Document Service runs the *entity validator* on ``create`` and ``update`` (``validate_entity``):
  yup schemas built from the attributes (type, required, minLength/maxLength, min/max, regex, email,
  enumeration, unique), run with ``abortEarly: false``; every failure becomes one item of
  ``details.errors`` (``path``, ``message``, ``name``, ``value``) and the error's message is the
  only failure's message or ``"<n> errors occurred"`` (``YupValidationError``);
- the Query Engine parses date, time and datetime values (``parse_date``, ``parse_time``,
  ``parse_datetime``); what it cannot parse is a ``ValidationError`` with empty details.

Messages follow yup (``printValue``, ``typeError``) and Strapi's validators as Strapi 5.54.0 answers them.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .errors import ValidationError
from .schema import ContentType

STRING_KINDS = frozenset({"string", "text", "richtext", "email", "uid", "password", "enumeration"})
NUMBER_KINDS = frozenset({"integer", "float", "decimal"})
# Strapi's default pattern of a uid attribute without a ``regex`` of its own.
UID_PATTERN = "^[A-Za-z0-9-_.~]*$"
# yup's email test, simplified: local@domain.tld without spaces.
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
_JS_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_JS_RADIX = re.compile(r"^0([xXoObB])([0-9a-fA-F]+)$")
_BIGINT = re.compile(r"^-?\d+$")
_TIME = re.compile(r"^(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,3}))?$")
_MISSING: Any = object()

INVALID_DATE = "Invalid format, expected yyyy-MM-dd"
INVALID_TIME = "Invalid time format, expected HH:mm:ss.SSS"
INVALID_DATETIME = "Invalid format, expected a timestamp or an ISO date"


# -- how JavaScript and yup print values --------------------------------------------------------------
def js_number(value: float | int) -> str:
    """JavaScript's ``String(number)`` for the numbers JSON carries."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            if value == 0 and math.copysign(1, value) < 0:
                return "-0"
            # The shortest digits that read back as the number, padded with zeros (5.811992172203254e+16
            # is 58119921722032540, not the 58119921722032544 the double holds exactly).
            return format(Decimal(repr(value)).to_integral_value(), "f")
        return repr(value).replace("e-0", "e-").replace("e+0", "e+")
    if abs(value) > 2**53 and abs(value) < 10**21:
        return js_number(float(value))  # a JSON integer past 2^53 is a double in JavaScript
    return str(value)


def js_length(text: str) -> int:
    """JavaScript's ``text.length``: UTF-16 code units (a character beyond the BMP counts twice)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def js_string(value: Any) -> str:
    """JavaScript's ``String(value)`` of a JSON value (arrays join their items with commas)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _simple(value: Any, quote_strings: bool) -> str | None:
    """yup's ``printSimpleValue``: the text of a scalar, None for an object or array."""
    if value is None or isinstance(value, bool):
        return js_string(value)
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, str):
        return f'"{value}"' if quote_strings else value
    return None


def print_value(value: Any, quote_strings: bool = False) -> str:
    """yup's ``printValue``: scalars as text, objects and arrays as ``JSON.stringify(v, replacer, 2)``
    where the replacer turns every scalar into its printed text (so strings end up quoted twice)."""
    simple = _simple(value, quote_strings)
    if simple is not None:
        return simple

    def replace(item: Any) -> Any:
        if isinstance(item, dict):
            return {k: replace(v) for k, v in item.items()}
        if isinstance(item, list):
            return [replace(v) for v in item]
        return _simple(item, quote_strings)

    return json.dumps(replace(value), indent=2, ensure_ascii=False)


def type_error(path: str, kind: str, value: Any, original: Any = _MISSING) -> str:
    """yup's ``typeError`` message; ``original`` is the value before the cast, when it changed."""
    cast = (f" (cast from the value `{print_value(original, True)}`)." if original is not _MISSING
            and original is not None else ".")
    return f"{path} must be a `{kind}` type, but the final value was: `{print_value(value, True)}`{cast}"


# -- yup's casts -------------------------------------------------------------------------------------
def to_number(value: Any) -> float | int:
    """yup's number cast: strings without their whitespace through ``Number()``, anything else
    through ``parseFloat``; NaN when nothing numeric is left."""
    if isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = re.sub(r"\s", "", value)
        if not text:
            return math.nan
        if _JS_NUMBER.match(text):
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        if text in ("Infinity", "+Infinity", "-Infinity"):
            return -math.inf if text.startswith("-") else math.inf
        radix = _JS_RADIX.match(text)
        if radix:
            base = {"x": 16, "o": 8, "b": 2}[radix.group(1).lower()]
            try:
                return int(radix.group(2), base)
            except ValueError:
                return math.nan
        return math.nan
    match = re.match(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", js_string(value))
    return float(match.group(0)) if match else math.nan


def to_boolean(value: Any) -> Any:
    """yup's boolean cast: ``true``/``1`` and ``false``/``0`` (any case, also as text); else unchanged."""
    if isinstance(value, bool):
        return value
    text = js_string(value)
    if re.fullmatch(r"(?i)true|1", text):
        return True
    if re.fullmatch(r"(?i)false|0", text):
        return False
    return value


# -- the entity validator ------------------------------------------------------------------------------
@dataclass
class Failure:
    """One yup failure: the attribute path, the message and the value it was about (if any)."""

    path: list[str]
    message: str
    value: Any = _MISSING

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "message": self.message, "name": "ValidationError"}
        if self.value is not _MISSING:
            out["value"] = None if isinstance(self.value, float) and math.isnan(self.value) else self.value
        return out


def yup_error(failures: list[Failure]) -> ValidationError:
    """Strapi's ``YupValidationError``: one failure's message, or how many there are."""
    message = failures[0].message if len(failures) == 1 else f"{len(failures)} errors occurred"
    return ValidationError(message, {"errors": [f.as_json() for f in failures]})


def with_failures(error: ValidationError, failures: list[Failure]) -> ValidationError:
    """A ``YupValidationError`` with ``failures`` appended (the relation checks run after the
    attributes' in Strapi's entity validator); any other error as it is."""
    errors = error.details.get("errors") if isinstance(error.details, dict) else None
    if not failures or not isinstance(errors, list):
        return error
    items = [*errors, *(f.as_json() for f in failures)]
    message = items[0]["message"] if len(items) == 1 else f"{len(items)} errors occurred"
    return ValidationError(message, {"errors": items})


UniqueCheck = Callable[[str, Any], Awaitable[bool]]


def _string_tests(name: str, attr: dict[str, Any], value: str) -> list[Failure]:
    out: list[Failure] = []
    kind = attr.get("type")
    required = bool(attr.get("required"))
    length = js_length(value)
    if attr.get("minLength") is not None and length < int(attr["minLength"]):
        out.append(Failure([name], f"{name} must be at least {attr['minLength']} characters", value))
    if attr.get("maxLength") is not None and length > int(attr["maxLength"]):
        out.append(Failure([name], f"{name} must be at most {attr['maxLength']} characters", value))
    pattern = attr.get("regex") or (UID_PATTERN if kind == "uid" else None)
    # An empty string skips the pattern unless the attribute is required (yup's excludeEmptyString).
    if pattern and (value or required) and not js_regex(pattern).search(value):
        out.append(Failure([name], f'{name} must match the following: "/{pattern}/"', value))
    if kind == "email":
        if value == "":
            out.append(Failure([name], f"{name} cannot be empty", value))
        elif not EMAIL.match(value):
            out.append(Failure([name], f"{name} must be a valid email", value))
    if kind == "enumeration":
        allowed = list(attr.get("enum", []))
        if value not in allowed:
            # yup prints the allowed values, null (printed empty) among them when the attribute is optional.
            shown = ", ".join([*allowed, *([] if required else [""])])
            out.append(Failure([name], f"{name} must be one of the following values: {shown}", value))
    return out


@functools.cache
def js_regex(pattern: str) -> re.Pattern[str]:
    """A JavaScript regular expression as Python reads it: ``$`` is the end of the text only
    (Python's also matches before a final newline)."""
    out: list[str] = []
    escaped = in_class = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "$" and not in_class:
            out.append(r"(?![\s\S])")
            continue
        out.append(ch)
    return re.compile("".join(out))


def _range_tests(name: str, attr: dict[str, Any], number: float | int) -> list[Failure]:
    out: list[Failure] = []
    if attr.get("min") is not None and number < attr["min"]:
        out.append(Failure([name], f"{name} must be greater than or equal to {js_number(attr['min'])}", number))
    if attr.get("max") is not None and number > attr["max"]:
        out.append(Failure([name], f"{name} must be less than or equal to {js_number(attr['max'])}", number))
    return out


def check_attribute(name: str, attr: dict[str, Any], value: Any) -> tuple[Any, list[Failure]]:
    """One attribute's value → (the value yup casts it to, its failures), unique aside."""
    kind = attr.get("type")
    required = bool(attr.get("required"))
    if (kind == "dynamiczone" or (kind == "component" and attr.get("repeatable"))) and not isinstance(value, list):
        # yup's array(): null is no list either (a single component may be null).
        return value, [Failure([name], type_error(name, "array", value), value)]
    if value is None:
        if required and kind in STRING_KINDS:
            return value, [Failure([name], type_error(name, "string", None), None)]
        if required and kind in NUMBER_KINDS:
            return value, [Failure([name], type_error(name, "number", None), None)]
        if required and kind == "boolean":
            return value, [Failure([name], type_error(name, "boolean", None), None)]
        return value, []
    if kind in STRING_KINDS:
        if not isinstance(value, str):
            # yup's string() is strict in Strapi's entity validator: nothing is cast to a string.
            return value, [Failure([name], type_error(name, "string", value), value)]
        return value, _string_tests(name, attr, value)
    if kind in NUMBER_KINDS:
        number = to_number(value)
        if isinstance(number, float) and math.isnan(number):
            return value, [Failure([name], type_error(name, "number", number, value), number)]
        failures = []
        if kind == "integer" and not (isinstance(number, int) or number.is_integer()):
            failures.append(Failure([name], f"{name} must be an integer", number))
        failures.extend(_range_tests(name, attr, number))
        if kind == "integer" and isinstance(number, float) and number.is_integer():
            number = int(number)
        return number, failures
    if kind == "biginteger":
        if not _BIGINT.match(js_string(value)) or isinstance(value, (bool, list, dict)):
            return value, [Failure([name], f"{name} must be a valid integer", value)]
        return value, []
    if kind == "boolean":
        cast = to_boolean(value)
        if not isinstance(cast, bool):
            return value, [Failure([name], type_error(name, "boolean", cast), cast)]
        return cast, []
    return value, []


def shown_value(attr: dict[str, Any] | None, value: Any) -> Any:
    """A value as yup's cast leaves it in the data the relation checks report (a number that is
    none is NaN, which JSON writes as null; list items of components as yup's object() casts them)."""
    kind = (attr or {}).get("type")
    if isinstance(value, list) and (kind == "dynamiczone" or (kind == "component" and (attr or {}).get("repeatable"))):
        items = [_cast_object(item) for item in value]
        return [_cast_zone_entry(item) for item in items] if kind == "dynamiczone" else items
    if kind in NUMBER_KINDS and isinstance(value, str):
        number = to_number(value)
        return None if isinstance(number, float) and math.isnan(number) else number
    if kind == "boolean" and value is not None:
        return to_boolean(value)
    return value


# -- components and dynamic zones (Strapi's createComponentValidator / createDzValidator) --------------
def _cast_object(value: Any) -> Any:
    """yup's object() cast of a list item: a text holding a JSON object is that object; anything that
    is no object becomes null."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _cast_text(value: Any) -> Any:
    """yup's string() cast (``__component`` is not strict): numbers and booleans become their text."""
    if isinstance(value, (bool, int, float)):
        return js_string(value)
    return value


def _cast_zone_entry(entry: Any) -> Any:
    if isinstance(entry, dict) and "__component" in entry:
        return {**entry, "__component": _cast_text(entry["__component"])}
    return entry


def component_order(components: Mapping[str, ContentType]) -> list[str]:
    """The project's component uids in the order Strapi 5.54.0 lists them in a dynamic zone's
    ``oneOf`` message (``Object.keys(strapi.components)``: reverse order of their uids)."""
    return sorted(components, reverse=True)


def _entry_failures(comp: ContentType, entry: dict[str, Any], label: str, path: list[str],
                    components: Mapping[str, ContentType]) -> tuple[dict[str, Any], list[Failure]]:
    """A component entry's attributes, validated as the type's own are, under ``label`` (yup's path:
    ``links[0].label``) and ``path`` (``["links", "0", "label"]``)."""
    out = dict(entry)
    failures: list[Failure] = []
    for name, attr in comp.attributes.items():
        if name not in entry:
            continue
        value = entry[name]
        cast, found = check_attribute(f"{label}.{name}", attr, value)
        for failure in found:
            failure.path = [*path, name]
        if not found and value is not None and attr.get("type") in ("component", "dynamiczone"):
            cast, found = nested_failures(attr, value, f"{label}.{name}", [*path, name], components)
        failures.extend(found)
        if not found:
            out[name] = cast
    return out, failures


def nested_failures(attr: dict[str, Any], value: Any, label: str, path: list[str],
                    components: Mapping[str, ContentType]) -> tuple[Any, list[Failure]]:
    """A component or dynamic zone value (not null, the list kinds a list): its cast and failures."""
    if attr.get("type") == "component" and not attr.get("repeatable"):
        if not isinstance(value, dict):  # a single component is not cast (Strapi's preventCast)
            return value, [Failure(path, type_error(label, "object", value), value)]
        comp = components.get(attr.get("component", ""))
        return _entry_failures(comp, value, label, path, components) if comp else (value, [])
    zone = attr.get("type") == "dynamiczone"
    items: list[Any] = []
    # yup validates a list's items concurrently and reports each item's failures once all its checks
    # are done: items whose checks nest less deeply come first, then the list's order.
    timed: list[tuple[int, int, list[Failure]]] = []
    for index, raw in enumerate(value):
        item_label, item_path = f"{label}[{index}]", [*path, str(index)]
        item = _cast_object(raw)
        if item is None:
            original = raw if raw is not None else _MISSING
            timed.append((0, index, [Failure(item_path, type_error(item_label, "object", None, original), None)]))
            items.append(None)
            continue
        failures: list[Failure] = []
        uid = attr.get("component", "")
        if zone:
            item = _cast_zone_entry(item)
            uid = item.get("__component", _MISSING)
            where = f"{item_label}.__component"
            if uid is _MISSING:
                failures.append(Failure([*item_path, "__component"], f"{where} is a required field"))
            else:
                if not isinstance(uid, str):
                    failures.append(Failure([*item_path, "__component"], type_error(where, "string", uid), uid))
                if not isinstance(uid, str) or uid not in components:
                    shown = ", ".join(component_order(components))
                    failures.append(Failure([*item_path, "__component"],
                                            f"{where} must be one of the following values: {shown}", uid))
                elif uid not in attr.get("components", []):
                    # The zone's own list (Strapi 5.54.0 takes any component of the project).
                    shown = ", ".join(attr.get("components", []))
                    failures.append(Failure([*item_path, "__component"],
                                            f"{where} must be one of the following values: {shown}", uid))
        comp = components.get(uid) if isinstance(uid, str) else None
        if comp is not None:
            item, found = _entry_failures(comp, item, item_label, item_path, components)
            failures.extend(found)
        timed.append((_depth(comp, item, components, zone), index, failures))
        items.append(item)
    return items, [f for _, _, found in sorted(timed, key=lambda t: (t[0], t[1])) for f in found]


def _depth(comp: ContentType | None, entry: dict[str, Any], components: Mapping[str, ContentType],
           zone: bool = False) -> int:
    """How many rounds yup's checks of a list item take (its failures are reported once all are done):
    the object's own check, then its fields' at once, a scalar field's type check taking one round, a
    component value its own rounds, and a zone entry's ``__component`` two when it names a component
    or is missing (the required test runs after the type and oneOf checks), one when those fail."""
    rounds = 0
    for name, attr in (comp.attributes.items() if comp else ()):
        rounds = max(rounds, _field_rounds(attr, entry.get(name), components))
    if zone:
        uid = entry.get("__component", _MISSING)
        rounds = max(rounds, 2 if uid is _MISSING or (isinstance(uid, str) and uid in components) else 1)
    return 1 + rounds


def _field_rounds(attr: dict[str, Any], value: Any, components: Mapping[str, ContentType]) -> int:
    kind = attr.get("type")
    if kind == "component" and not attr.get("repeatable") and isinstance(value, dict):
        # A nested object settles a round after a field that takes as many checks (seen on Strapi 5.54.0).
        return 1 + _depth(components.get(attr.get("component", "")), value, components)
    if kind in ("component", "dynamiczone") and isinstance(value, list):
        zone = kind == "dynamiczone"
        return 1 + max((_depth(components.get((v.get("__component") if zone else attr.get("component")) or ""),
                               v, components, zone) if isinstance(v, dict) else 1 for v in value), default=0)
    return 1


def zone_relations_problem(ct: ContentType, data: dict[str, Any], models: Mapping[str, Any]) -> str | None:
    """Strapi's ``buildRelationsStore`` on the cast data, which stops at the first dynamic zone entry
    naming no component (a ValidationError) or no model (a TypeError, answered "Invalid relations")."""
    for name, attr in ct.attributes.items():
        value = data.get(name)
        if attr.get("type") != "dynamiczone" or value is None:
            continue
        for entry in (shown_value(attr, value) if isinstance(value, list) else [value]):
            if not isinstance(entry, dict):
                if entry is None:
                    return "Invalid relations"
                uid: Any = None  # a text or a number has no __component
            else:
                uid = entry.get("__component")
            if uid is None or uid is False or uid == "" or (isinstance(uid, (int, float)) and not uid):  # JS falsy
                return "Cannot build relations store from dynamiczone, component identifier is undefined"
            if not isinstance(uid, str) or uid not in models:
                return "Invalid relations"
    return None


def unique_attributes(ct: ContentType) -> list[str]:
    """Attributes whose values must be unique: ``unique: true`` ones and every uid."""
    return [k for k, a in ct.attributes.items() if a.get("unique") or a.get("type") == "uid"]


async def validate_entity(ct: ContentType, data: Any, creating: bool, is_taken: UniqueCheck,
                          components: Mapping[str, ContentType] | None = None) -> dict[str, Any]:
    """Strapi's entity validator for a create (``creating``) or an update; returns the cast data.

    ``is_taken(attribute, value)`` says whether another document already holds ``value``;
    ``components`` (by uid) validates what component and dynamic zone values hold."""
    if not isinstance(data, dict):
        # The content API lets arrays through ("data" is an object for lodash); yup's object() does not.
        message = f"this must be a `object` type, but the final value was: `null` (cast from the value `{print_value(data, True)}`)."
        raise yup_error([Failure([], message, None)])
    failures: list[Failure] = []
    out = dict(data)
    # ``locale`` in a body is dropped (the query's ``locale`` chooses); on a type without i18n Strapi's
    # validator still reads it as a string attribute.
    locale = out.pop("locale", None)
    unique = set(unique_attributes(ct))
    for name, attr in ct.attributes.items():
        value = out.get(name, _MISSING) if name != "locale" else _MISSING
        if value is _MISSING:
            # Drafts may be incomplete: required applies to types without draft and publish.
            if creating and attr.get("required") and not ct.draft_and_publish:
                failures.append(Failure([name], f"{name} must be defined."))
            continue
        cast, found = check_attribute(name, attr, value)
        if not found and value is not None and components is not None and attr.get("type") in ("component", "dynamiczone"):
            cast, found = nested_failures(attr, value, name, [name], components)
        failures.extend(found)
        if not found:
            out[name] = cast
            if name in unique and cast not in (None, "") and await is_taken(name, cast):
                failures.append(Failure([name], "This attribute must be unique", cast))
    if locale is not None and not isinstance(locale, str) and "locale" not in ct.attributes:
        failures.append(Failure(["locale"], type_error("locale", "string", locale), locale))
    if failures:
        raise yup_error(failures)
    return out


# -- the content API's input validation (keys) ---------------------------------------------------------
# Attributes every Strapi model has that the content API refuses in a body, naming the key as the path.
RESTRICTED_BODY_KEYS = frozenset({"createdAt", "updatedAt", "createdBy", "updatedBy", "localizations"})
# Keys Strapi takes and drops: the Document Service sets them from the query (``status``, ``locale``).
IGNORED_BODY_KEYS = frozenset({"publishedAt", "locale"})
# Keys of a relation or media value that name no attribute of the target: the write's operations.
RELATION_OPERATIONS = frozenset({"connect", "disconnect", "set", "options", "__component"})
# What an entry of any type holds besides its schema's attributes (a related entry may name them).
SYSTEM_KEYS = frozenset({"id", "documentId", "createdAt", "updatedAt", "publishedAt", "createdBy", "updatedBy",
                         "locale", "localizations"})
# A component entry may name its row (``id``), and Strapi lets ``documentId`` through too.
COMPONENT_KEYS = frozenset({"id", "documentId"})


def invalid_key(key: str, path: str | None) -> ValidationError:
    """Strapi's ``throwInvalidKey`` for a body: the message names the path when it is not the key itself."""
    where = f" at {path}" if path and path != key else ""
    return ValidationError(f"Invalid key {key}{where}", {"key": key, "path": path, "source": "body"})


def check_body_keys(ct: ContentType, data: dict[str, Any], types: Mapping[str, ContentType],
                    components: Mapping[str, ContentType]) -> None:
    """Strapi's content API input validation of ``data``'s keys, depth first in the body's order: a key
    naming no attribute is a 400 "Invalid key", inside components, dynamic zone entries and related
    entries too (``path`` is the attribute path there, without list indexes)."""
    for key, value in data.items():
        if key in ("id", "documentId"):
            raise ValidationError(f"Invalid key {key}", {"key": key, "source": "body"})
        if key in RESTRICTED_BODY_KEYS:
            raise invalid_key(key, key)
        if key in IGNORED_BODY_KEYS:
            continue
        attr = ct.attributes.get(key)
        if attr is None:
            raise invalid_key(key, None)
        _check_nested_keys(attr, value, key, types, components)


def _entries(value: Any) -> list[dict[str, Any]]:
    """The objects a value holds, as Strapi's traversal walks them: a list's items, and a list inside
    it as an object whose keys are its indexes (so ``[[1]]`` has the unknown key ``0``)."""
    items = value if isinstance(value, list) else [value]
    return [v if isinstance(v, dict) else {str(i): x for i, x in enumerate(v)}
            for v in items if isinstance(v, (dict, list))]


def _check_nested_keys(attr: dict[str, Any], value: Any, path: str, types: Mapping[str, ContentType],
                       components: Mapping[str, ContentType]) -> None:
    kind = attr.get("type")
    if kind == "component" and attr.get("component") in components:
        for entry in _entries(value):
            _check_component_keys(components[attr["component"]], entry, path, types, components)
    elif kind == "dynamiczone":
        for entry in _entries(value):
            uid = entry.get("__component")
            # An entry without a known component is the entity validator's to refuse.
            if isinstance(uid, str) and uid in components:
                _check_component_keys(components[uid], entry, path, types, components, ("__component",))
    elif kind in ("relation", "media") and attr.get("target") in types:
        allowed = types[attr["target"]].attributes.keys() | SYSTEM_KEYS | RELATION_OPERATIONS
        for entry in _entries(value):
            for key in entry:
                if key not in allowed:
                    raise invalid_key(key, path)


def _check_component_keys(comp: ContentType, entry: dict[str, Any], path: str, types: Mapping[str, ContentType],
                          components: Mapping[str, ContentType], extra: tuple[str, ...] = ()) -> None:
    for key, value in entry.items():
        if key in COMPONENT_KEYS or key in extra:
            continue
        attr = comp.attributes.get(key)
        if attr is None:
            raise invalid_key(key, path)
        _check_nested_keys(attr, value, f"{path}.{key}", types, components)


# -- the Query Engine's parsers ------------------------------------------------------------------------
def _iso(text: str) -> datetime:
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def parse_date(value: Any) -> date:
    """A date attribute's value: an ISO date (a datetime's date part is kept)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return _iso(value).date()
        except ValueError:
            pass
    raise ValidationError(INVALID_DATE)


def parse_time(value: Any) -> time:
    """A time attribute's value: ``HH:mm:ss`` with up to three digits of milliseconds."""
    if isinstance(value, time):
        return value
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(INVALID_TIME)
    hours, minutes, seconds, millis = match.groups()
    return time(int(hours), int(minutes), int(seconds), int((millis or "0").ljust(3, "0")) * 1000)


_EPOCH = datetime(1970, 1, 1)


def _to_millisecond(value: datetime) -> datetime:
    """A JavaScript Date holds whole milliseconds since the epoch, truncated toward zero: before 1970
    a sub-millisecond part rounds up to the next millisecond (``...13.899977`` in 1631 is ``13.900``)."""
    extra = value.microsecond % 1000
    if not extra:
        return value
    value = value.replace(microsecond=value.microsecond - extra)
    return value + timedelta(milliseconds=1) if value < _EPOCH else value


def parse_datetime(value: Any) -> datetime:
    """A datetime attribute's value: a timestamp in milliseconds or an ISO date, kept as naive UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _to_millisecond(datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None))
        if isinstance(value, str):
            if re.fullmatch(r"-?\d+", value.strip()):
                return datetime.fromtimestamp(int(value) / 1000, UTC).replace(tzinfo=None)
            parsed = _iso(value)
            return _to_millisecond(parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed)
    except (ValueError, OverflowError, OSError):
        pass
    raise ValidationError(INVALID_DATETIME)


PARSERS: dict[str, Callable[[Any], Any]] = {
    "date": parse_date,
    "time": parse_time,
    "datetime": parse_datetime,
    "timestamp": parse_datetime,
}
