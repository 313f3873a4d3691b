"""JSON text within limits: the rules every JSON document sent to the hub must follow.

* the nesting depth is checked on the raw bytes *before* ``json.loads`` (which recurses and would
  raise ``RecursionError`` on a deeply nested document);
* duplicate keys, ``NaN``/``Infinity`` and numbers written with more than ``MAX_NUMBER_DIGITS``
  characters are refused while parsing;
* every string (keys included) is at most ``MAX_STRING_LENGTH`` characters and carries no NUL,
  no C0 control character other than tab, line feed and carriage return, no DEL and no unpaired
  surrogate (PostgreSQL refuses NUL and surrogates in ``jsonb``; none of them is text).

``loads`` raises ``InputRefused(field, message)`` (field: a dotted path, ``""`` for the
document) or ``ValueError`` (``json.JSONDecodeError``, ``UnicodeDecodeError``). Used by the API's
JSON parser and by the NDJSON import, so that both apply the same rules.
"""

from __future__ import annotations

import json
import math
import re

MAX_DEPTH = 16
MAX_STRING_LENGTH = 10_000
MAX_NUMBER_DIGITS = 30
#: Characters refused in every JSON string of the API (the OpenAPI document declares it).
FORBIDDEN_CHARACTERS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\ud800-\\udfff"
#: The same rule as a JSON Schema pattern (unpaired surrogates are left out: they cannot appear in
#: a pattern that ECMA-262 or Rust engines accept, and no JSON text may carry them anyway).
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
_FORBIDDEN_RE = re.compile(f"[{FORBIDDEN_CHARACTERS}]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class InputRefused(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_depth(raw: bytes, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a document nested deeper than ``max_depth``, without parsing it."""
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                raise InputRefused("", f"nested deeper than {max_depth} levels")
        else:
            depth -= 1


def _pairs(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise InputRefused(key, "duplicate key")
        seen[key] = value
    return seen


def _number(text: str, kind):
    if len(text) > MAX_NUMBER_DIGITS:
        raise InputRefused("", f"a number is written with more than {MAX_NUMBER_DIGITS} characters")
    value = kind(text)
    if kind is float and not math.isfinite(value):
        raise InputRefused("", "a number is out of range")
    return value


def _constant(name: str):
    raise InputRefused("", f"{name} is not a JSON number")


def text_problem(value: str) -> str | None:
    """Why ``value`` is refused as text, or None."""
    if len(value) > MAX_STRING_LENGTH:
        return f"longer than {MAX_STRING_LENGTH} characters"
    found = _FORBIDDEN_RE.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "contains a NUL character"
    if "\ud800" <= char <= "\udfff":
        return "contains an unpaired surrogate"
    return f"contains the control character U+{ord(char):04X}"


def check_strings(node, path: str = "") -> None:
    """Refuse any string (key or value) that is not text; depth is already bounded."""
    if isinstance(node, str):
        problem = text_problem(node)
        if problem:
            raise InputRefused(path, problem)
    elif isinstance(node, dict):
        for key, value in node.items():
            name = f"{path}.{key}" if path else key
            problem = text_problem(key)
            if problem:
                raise InputRefused(path or "", f"a key {problem}")
            check_strings(value, name)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            check_strings(value, f"{path}[{index}]")


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH):
    """Parse one JSON document within the limits; raise ``InputRefused`` or ``ValueError``."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    check_depth(raw, max_depth)
    data = json.loads(
        raw.decode("utf-8"),
        object_pairs_hook=_pairs,
        parse_int=lambda text: _number(text, int),
        parse_float=lambda text: _number(text, float),
        parse_constant=_constant,
    )
    check_strings(data)
    return data
