"""V8's ``JSON.parse`` error messages, as Node.js 20 words them (V8 11.3).

Strapi parses a JSON body with co-body (koa-body), which calls ``JSON.parse`` and passes its
``SyntaxError`` message through untouched: the message is part of the answer. Python's own parser
finds the same errors but words them its way and counts positions in code points, so the reference
parses with it (fast) and, only when it fails, walks the text once more the way V8's JSON parser
does to say what V8 says. V8 counts positions in UTF-16 code units and shows the unexpected
character as one code unit: characters beyond the BMP are walked as their two surrogates.

The texts are those of Node.js 20 (Strapi 5's supported runtime). Node.js 22 (V8 12.4) appends
`` (line L column C)`` to the "… in JSON at position N" messages; the rest is unchanged.
"""

from __future__ import annotations

import re

_CONTEXT = 10  # characters of context either side of an unexpected token
_MIN_LENGTH_FOR_CONTEXT = 2 * _CONTEXT + 1  # shorter sources are shown whole
_SPECIAL = frozenset({"[object Object]", "undefined", "Infinity", "NaN"})
_WHITESPACE = " \t\n\r"
_DIGITS = "0123456789"
_HEX = frozenset("0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = frozenset('"\\/bfnrt')
_NUMBER_PART = frozenset(".eE0123456789-+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

# Tokens, named by the first character of what they start (V8's one-character token table).
EOS, STRING, NUMBER, LBRACE, RBRACE, LBRACK, RBRACK, COLON, COMMA, LITERAL, ILLEGAL = range(11)
_TOKENS = {'"': STRING, "-": NUMBER, "{": LBRACE, "}": RBRACE, "[": LBRACK, "]": RBRACK,
           ":": COLON, ",": COMMA, "t": LITERAL, "f": LITERAL, "n": LITERAL, **dict.fromkeys(_DIGITS, NUMBER)}
_LITERALS = {"t": "true", "f": "false", "n": "null"}


class _Failed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _utf16(text: str) -> str:
    """The text with each character beyond the BMP written as its two surrogates (one per code unit)."""
    if not _ASTRAL.search(text):
        return text

    def pair(match: re.Match[str]) -> str:
        offset = ord(match.group()) - 0x10000
        return chr(0xD800 + (offset >> 10)) + chr(0xDC00 + (offset & 0x3FF))

    return _ASTRAL.sub(pair, text)


def _joined(text: str) -> str:
    """Surrogate pairs back into characters (a pair cut by the context window stays a lone surrogate)."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


class _Walk:
    """One walk over the source, in UTF-16 code units, stopping at V8's first error."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.n = len(source)
        self.pos = 0

    # -- reporting ---------------------------------------------------------------------------------
    def fail(self, template: str) -> _Failed:
        """``template`` ends with "in JSON" or "after JSON"; V8 appends the position."""
        return _Failed(f"{template} at position {self.pos}")

    def unexpected(self, token: int) -> _Failed:
        """V8's message for an unexpected token at the cursor, when the grammar names none."""
        if token == EOS:
            return _Failed("Unexpected end of JSON input")
        if token == NUMBER:
            return self.fail("Unexpected number in JSON")
        if token == STRING:
            return self.fail("Unexpected string in JSON")
        if self.s in _SPECIAL:
            return _Failed(f'"{self.s}" is not valid JSON')
        char, pos = self.s[self.pos], self.pos
        if self.n < _MIN_LENGTH_FOR_CONTEXT:
            return _Failed(f"Unexpected token '{char}', \"{self.s}\" is not valid JSON")
        if pos < _CONTEXT:
            return _Failed(f"Unexpected token '{char}', \"{self.s[:pos + _CONTEXT]}\"... is not valid JSON")
        if pos < self.n - _CONTEXT:
            return _Failed(f"Unexpected token '{char}', ...\"{self.s[pos - _CONTEXT:pos + _CONTEXT]}\"... is not valid JSON")
        return _Failed(f"Unexpected token '{char}', ...\"{self.s[pos - _CONTEXT:]}\" is not valid JSON")

    # -- the cursor --------------------------------------------------------------------------------
    def current(self) -> str | None:
        return self.s[self.pos] if self.pos < self.n else None

    def token(self) -> int:
        char = self.current()
        if char is None:
            return EOS
        return _TOKENS.get(char, ILLEGAL)

    def skip_whitespace(self) -> int:
        while self.pos < self.n and self.s[self.pos] in _WHITESPACE:
            self.pos += 1
        return self.token()

    def check(self, token: int) -> bool:
        if self.skip_whitespace() != token:
            return False
        self.pos += 1
        return True

    def expect(self, token: int, template: str | None = None) -> None:
        """The token at the cursor (whitespace already skipped) must be ``token``."""
        found = self.token()
        if found != token:
            raise self.fail(template) if template else self.unexpected(found)
        self.pos += 1

    # -- values ------------------------------------------------------------------------------------
    def literal(self, word: str) -> None:
        end = self.pos + len(word)
        if self.s[self.pos:end] == word:
            self.pos = end
            return
        self.pos += 1
        for expected in word[1:]:
            char = self.current()
            if char is None:
                break
            if char != expected:
                raise self.unexpected(self.token())
            self.pos += 1
        raise self.unexpected(EOS)

    def string(self) -> None:
        """A string whose opening quote is behind the cursor."""
        s, n = self.s, self.n
        while True:
            while self.pos < n and s[self.pos] != '"' and s[self.pos] != "\\" and s[self.pos] >= " ":
                self.pos += 1
            if self.pos == n:
                raise self.fail("Unterminated string in JSON")
            char = s[self.pos]
            if char == '"':
                self.pos += 1
                return
            if char < " ":
                raise self.fail("Bad control character in string literal in JSON")
            self.pos += 1  # the backslash
            escaped = self.current()
            if escaped is None or escaped > "\xff":
                raise self.unexpected(EOS if escaped is None else ILLEGAL)
            if escaped == "u":
                for _ in range(4):
                    self.pos += 1
                    if self.current() not in _HEX:
                        raise self.fail("Bad Unicode escape in JSON")
            elif escaped not in _SIMPLE_ESCAPES:
                raise self.fail("Bad escaped character in JSON")
            self.pos += 1

    def digits(self) -> None:
        while self.pos < self.n and self.s[self.pos] in _DIGITS:
            self.pos += 1

    def number(self) -> None:
        if self.current() == "-":
            self.pos += 1
        if self.current() == "0":
            self.pos += 1
            char = self.current()
            if char is not None and char in _DIGITS:
                raise self.unexpected(NUMBER)  # a leading zero
        else:
            start = self.pos
            self.digits()
            if self.pos == start:
                raise self.fail("No number after minus sign in JSON")
        if self.current() == ".":
            self.pos += 1
            if (self.current() or "x") not in _DIGITS:
                raise self.fail("Unterminated fractional number in JSON")
            self.digits()
        if self.current() in ("e", "E"):
            self.pos += 1
            if self.current() in ("-", "+"):
                self.pos += 1
            if (self.current() or "x") not in _DIGITS:
                raise self.fail("Exponent part is missing a number in JSON")
            self.digits()

    def document(self) -> None:
        """The whole source: one value, then nothing but whitespace. Nesting is kept on a list."""
        open_: list[int] = []  # LBRACE / LBRACK of the containers the cursor is in
        while True:
            while True:  # produce a value
                token = self.skip_whitespace()
                if token == STRING:
                    self.pos += 1
                    self.string()
                elif token == NUMBER:
                    self.number()
                elif token == LITERAL:
                    self.literal(_LITERALS[self.s[self.pos]])
                elif token == LBRACE:
                    self.pos += 1
                    if self.check(RBRACE):
                        break
                    open_.append(LBRACE)
                    self.skip_whitespace()
                    self.expect(STRING, "Expected property name or '}' in JSON")
                    self.string()
                    self.skip_whitespace()
                    self.expect(COLON, "Expected ':' after property name in JSON")
                    continue
                elif token == LBRACK:
                    self.pos += 1
                    if self.check(RBRACK):
                        break
                    open_.append(LBRACK)
                    continue
                else:
                    raise self.unexpected(token)
                break
            while True:  # consume it
                if not open_:
                    if not self.check(EOS):
                        raise self.fail("Unexpected non-whitespace character after JSON")
                    return
                if open_[-1] == LBRACE:
                    if self.check(COMMA):
                        self.skip_whitespace()
                        self.expect(STRING, "Expected double-quoted property name in JSON")
                        self.string()
                        self.skip_whitespace()
                        self.expect(COLON)  # V8 names no expectation after a later key
                        break
                    self.expect(RBRACE, "Expected ',' or '}' after property value in JSON")
                else:
                    if self.check(COMMA):
                        break
                    self.expect(RBRACK, "Expected ',' or ']' after array element in JSON")
                open_.pop()


def parse_error_message(text: str) -> str | None:
    """The message of the ``SyntaxError`` V8's ``JSON.parse(text)`` throws; None for valid JSON."""
    walk = _Walk(_utf16(text))
    try:
        walk.document()
    except _Failed as failed:
        return _joined(failed.message)
    return None
