"""reference_impl/v8_json: V8's JSON.parse messages. Each expected text is what Node.js 20 (the runtime
of Strapi 5.54.0 here) answered for the same source; the first six are also Strapi's answers to those
bodies (400 SyntaxError)."""

from __future__ import annotations

import pytest

from reference_impl.v8_json import parse_error_message

EMOJI = "\U0001f600"

CASES = [
    ('{"data": {"title": "x"', "Expected ',' or '}' after property value in JSON at position 22"),
    ('{"data": {"title": "x",}}', "Expected double-quoted property name in JSON at position 23"),
    ('{"data": {"title": x}}', "Unexpected token 'x', ...\"{\"title\": x}}\" is not valid JSON"),
    ('{"a":tru}', "Unexpected token '}', \"{\"a\":tru}\" is not valid JSON"),
    ('{"a":"\\u12"}', "Bad Unicode escape in JSON at position 10"),
    ('{"a":', "Unexpected end of JSON input"),
    ("{x}", "Expected property name or '}' in JSON at position 1"),
    ('{"a":1} x', "Unexpected non-whitespace character after JSON at position 8"),
    ("[1,2", "Expected ',' or ']' after array element in JSON at position 4"),
    ("[1 2]", "Expected ',' or ']' after array element in JSON at position 3"),
    ('{"a" 1}', "Expected ':' after property name in JSON at position 5"),
    # After a later key V8 names no expectation: the token found is the message.
    ('{"a":1,"b" 2}', "Unexpected number in JSON at position 11"),
    ('{"a":1,"b" x}', "Unexpected token 'x', \"{\"a\":1,\"b\" x}\" is not valid JSON"),
    ('{"a":01}', "Unexpected number in JSON at position 6"),
    ('{"a":1.}', "Unterminated fractional number in JSON at position 7"),
    ('{"a":-}', "No number after minus sign in JSON at position 6"),
    ('{"a":1e+}', "Exponent part is missing a number in JSON at position 8"),
    ('{"a":"\\x"}', "Bad escaped character in JSON at position 7"),
    ('{"a":"b', "Unterminated string in JSON at position 7"),
    ('{"a":"\x01"}', "Bad control character in string literal in JSON at position 6"),
    ('{"a":nul', "Unexpected end of JSON input"),
    ('{"a":"\\', "Unexpected end of JSON input"),
    ("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON"),
    ("\ufeff{}", "Unexpected token '\ufeff', \"\ufeff{}\" is not valid JSON"),
    # Sources of 21 characters or more are shown around the token, ten characters either side.
    ("[x, 1, 2, 3, 4, 5, 6, 7, 8]", "Unexpected token 'x', \"[x, 1, 2, 3\"... is not valid JSON"),
    ('{"abcdefghijkl": 1, "b": x, "c": 3, "d": 4}',
     "Unexpected token 'x', ...\": 1, \"b\": x, \"c\": 3,\"... is not valid JSON"),
    # Positions and context count UTF-16 code units; the token is one of them (half an emoji), and
    # the window may cut a pair.
    (f'{{"aaaaaaaaaaaaaaaaaaaa": 1, {EMOJI}}}', "Expected double-quoted property name in JSON at position 28"),
    (f'{{"k": "{EMOJI * 5}", "kk": {EMOJI}}}',
     f"Unexpected token '\ud83d', ...\"\ude00\", \"kk\": {EMOJI}}}\" is not valid JSON"),
    (f'{{"k": "{EMOJI * 5}", "k": {EMOJI * 8}}}',
     f"Unexpected token '\ud83d', ...\"{EMOJI}\", \"k\": {EMOJI * 5}\"... is not valid JSON"),
]


@pytest.mark.parametrize(("source", "message"), CASES)
def test_the_message_is_v8s(source: str, message: str) -> None:
    assert parse_error_message(source) == message


@pytest.mark.parametrize("source", ['{"a":1}', " [1, -0.5e+3, true, null, {}] ", '{"\\u0041": "\\n"}', f'["{EMOJI}"]'])
def test_valid_json_has_no_message(source: str) -> None:
    assert parse_error_message(source) is None


def test_deep_nesting_is_walked_without_recursion() -> None:
    assert parse_error_message("[" * 100_000) == "Unexpected end of JSON input"
    assert parse_error_message("[" * 100_000 + "]" * 100_000) is None
