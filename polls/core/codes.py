"""Join codes: eight random digits, shown grouped as ``3957 1600``.

Pure functions. People type codes on phones with all kinds of keyboards, so
parsing accepts spaces, dashes and dots anywhere and any script's digits.
"""

from __future__ import annotations

import secrets
import unicodedata

CODE_LENGTH = 8
_SEPARATORS = frozenset(" -._/\u00a0\u2009\u202f\u2010\u2011\u2012\u2013\u2014\u2212")


def new_code() -> str:
    """A random code; never starts with 0, so spreadsheets and phones keep all 8 digits."""
    return str(10_000_000 + secrets.randbelow(90_000_000))


def parse_code(text: str) -> str | None:
    """The 8 ASCII digits in what someone typed, or None if it is not a code."""
    if len(text) > 64:
        return None
    digits: list[str] = []
    for char in text.strip():
        if char in _SEPARATORS or unicodedata.category(char) == "Zs":
            continue
        value = unicodedata.decimal(char, None)
        if value is None:
            return None
        digits.append(str(value))
    code = "".join(digits)
    return code if len(code) == CODE_LENGTH else None


def format_code(code: str) -> str:
    """Group a code in fours for reading aloud and from the back of a room."""
    return f"{code[:4]} {code[4:]}"
