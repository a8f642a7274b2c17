"""Text normalisation shared by the classifier and the entity extractors."""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "[零〇一二两三四五六七八九十百千]+"
_DIGIT_RUN = re.compile(r"\d+")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, collapsed white space."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def mask_digits(text: str) -> str:
    """Every run of digits becomes one `0`, so '3栋' and '12栋' look alike to a classifier."""
    return _DIGIT_RUN.sub("0", text)


def chinese_to_int(text: str) -> int | None:
    """'十二' -> 12, '一百零三' -> 103, '23' -> 23; None for anything else."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 1:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)
