"""18-digit resident ID numbers (GB 11643-1999): a valid check digit and a real birth date.

An ID number that fails either check is not accepted: a typo would otherwise attach a
certificate or a report to somebody else.
"""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH_YEAR = 1900
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[1-9](?:[ -]?[0-9]){16}[ -]?[0-9Xx](?![0-9A-Za-z])")
"""18 characters, optionally in groups (110105 19491231 002X, 110105-1949-1231-002X)."""
_SEPARATORS = re.compile(r"[ -]")

IdNumberMatch = tuple[str, int, int]
"""The ID number (upper-case X) with the start and end of its span."""


def check_char(first_17: str) -> str:
    """The 18th character GB 11643 derives from the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date(number: str) -> date | None:
    """Positions 7-14 as a date, or None when they are not a real calendar day."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def is_valid_id_number(number: str, today: date) -> bool:
    """18 characters, the right check character, and a birth date between 1900 and today."""
    number = number.upper()
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    if check_char(number[:17]) != number[17]:
        return False
    born = birth_date(number)
    return born is not None and born.year >= _EARLIEST_BIRTH_YEAR and born <= today


def find_id_numbers(text: str, today: date) -> list[IdNumberMatch]:
    """Valid ID numbers in text, written whole or in groups; runs of 17 or 19 digits never match (no
    partial ID)."""
    found = []
    for match in _CANDIDATE.finditer(text):
        number = _SEPARATORS.sub("", match.group(0)).upper()
        if is_valid_id_number(number, today):
            found.append((number, match.start(), match.end()))
    return found


def mask_id_number(number: str) -> str:
    """110101********4514: enough for the resident to recognise it, not enough to misuse it."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "*" * len(number)
