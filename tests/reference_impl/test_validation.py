"""Unit tests of reference_impl/validation.py: yup's printing and casts as Strapi 5.54.0 shows them."""

from __future__ import annotations

import math
from datetime import datetime, time
from typing import Any

import pytest

from reference_impl.errors import ValidationError
from reference_impl.validation import (
    check_attribute,
    js_regex,
    parse_datetime,
    parse_time,
    print_value,
    to_boolean,
    to_number,
)


@pytest.mark.parametrize(("value", "printed"), [
    ("abc", '"abc"'), (1.5, "1.5"), (12.0, "12"), (None, "null"), (True, "true"), (math.nan, "NaN"),
    (["a"], '[\n  "\\"a\\""\n]'), ({"a": 1}, '{\n  "a": "1"\n}'), ([], "[]"),
])
def test_print_value_quotes_scalars_inside_json_as_yup_does(value: Any, printed: str) -> None:
    # The answers Strapi 5.54.0 gave: `[\n  "\"a\""\n]` for ["a"], `{\n  "a": "1"\n}` for {"a": 1}.
    assert print_value(value, True) == printed


@pytest.mark.parametrize(("value", "number"), [
    ("12", 12), (" 1 2 ", 12), ("1.5", 1.5), ("1e1", 10.0), ("0x10", 16), ([1], 1.0), (7, 7),
])
def test_to_number_casts_like_yup(value: Any, number: float) -> None:
    assert to_number(value) == number


@pytest.mark.parametrize("value", ["abc", "", True, {"a": 1}, "1,5"])
def test_to_number_gives_nan_for_what_is_no_number(value: Any) -> None:
    assert math.isnan(to_number(value))


def test_to_boolean_reads_true_false_one_zero_only() -> None:
    assert [to_boolean(v) for v in ("TRUE", 1, "0", False, "yes")] == [True, True, False, False, "yes"]


def test_js_regex_dollar_is_the_end_of_the_text() -> None:
    pattern = js_regex("^[A-Z]{3}$")
    assert pattern.search("ABC") and not pattern.search("ABC\n")
    assert js_regex("^a[$]$").search("a$")


def test_check_attribute_collects_every_failed_test_of_one_value() -> None:
    attr = {"type": "string", "minLength": 5, "regex": "^[0-9]+$"}
    _, failures = check_attribute("code", attr, "ab")
    assert [f.message for f in failures] == ["code must be at least 5 characters",
                                             'code must match the following: "/^[0-9]+$/"']


def test_parsers_refuse_with_strapis_messages() -> None:
    assert parse_time("09:30:00.5") == time(9, 30, 0, 500_000)
    assert parse_datetime(0) == datetime(1970, 1, 1)
    with pytest.raises(ValidationError, match="Invalid time format, expected HH:mm:ss.SSS"):
        parse_time("24:00:00")
    with pytest.raises(ValidationError, match="Invalid format, expected a timestamp or an ISO date"):
        parse_datetime("2024-02-30T00:00:00Z")
