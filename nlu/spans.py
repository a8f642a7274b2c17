"""Span helpers shared by the entity extractors: width folding that keeps offsets, and overlap."""

from __future__ import annotations

import unicodedata

Span = tuple[int, int]
"""Start and end (exclusive) of a piece of text."""


def fold_width(text: str) -> str:
    """NFKC character by character, keeping a character whose NFKC form is not one character.

    Full-width digits, letters, colons and dashes become ASCII so the patterns see '139', while
    every offset into the result is still an offset into the original text ('㈠' -> '(一)' would
    not be, so it stays as it is).
    """
    return "".join(folded if len(folded := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text)


def overlaps(span: Span, taken: list[Span]) -> bool:
    start, end = span
    return any(start < other_end and other_start < end for other_start, other_end in taken)
