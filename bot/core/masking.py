"""The one masker of personal data in free text: ID numbers, phone numbers, long digit runs, the names it
is given (the reporter's, every staff member's) and addresses are found once, here, and each reader's
`MaskStyle` says what stands in their place: the public (Open311) and the logs keep an address's building
and star the numbers; the monthly ledger writes ＊＊ for a number and for an address that names a unit or room.

Rules from `nlu/` find the spans (the same ones that read residents' messages), so the masking
recognises what the bot itself would recognise, plus what people write about themselves that the bot
does not read: 18 characters in ID-number groups whatever their check digit, a room without its building
(501室), a self-introduced name (我叫王小明) and a WeChat id (微信号 zhang_san88). A name nobody gave us
in another form is not recognised: masking reduces, it cannot promise, which is why the services
offered are limited to matters about shared places (`bot.open311.services`). `personal_data_in` is the
same finder as a check, for texts that must hold none (notices).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from nlu.address import Address, find_addresses
from nlu.entities import find_phones, find_ticket_numbers
from nlu.id_number import find_id_numbers, mask_id_number
from nlu.self_disclosure import bare_room_spans, id_like_spans, self_name_spans, wechat_id_spans
from nlu.spans import fold_width, overlaps

LONG_DIGITS = re.compile(r"[0-9]{7,}[Xx]?")
"""Longer than any building or room number: an invalid ID number, a bank card, a local phone number."""
MASK = "*"
MIN_NAME_CHARS = 2
"""A one-character "name" would star ordinary words."""

Replacement = tuple[int, int, str]


@dataclass(frozen=True)
class MaskStyle:
    """What a reader sees in place of each kind of personal data."""

    id_number: Callable[[str], str]
    digits: Callable[[str], str]
    """For a phone number or a long run of digits."""
    address: Callable[[Address], str | None]
    """None: the address stays as written."""


def public_style(building_label: Callable[[str], str]) -> MaskStyle:
    """Numbers starred (an ID number keeps its region and check digit), an address cut to its building."""
    return MaskStyle(mask_id_number, _stars, lambda address: building_label(address.building))


def mask_text(text: str, today: date, style: MaskStyle, names: frozenset[str] = frozenset()) -> str:
    """`text` with its personal numbers, addresses and `names` written as `style` says."""
    folded = fold_width(text)  # same offsets as `text`, with full-width digits made ASCII
    found: list[Replacement] = []

    def take(start: int, end: int, replacement: str | None) -> None:
        if not overlaps((start, end), [(s, e) for s, e, _ in found]):
            found.append((start, end, text[start:end] if replacement is None else replacement))

    for _, start, end in find_ticket_numbers(folded):  # GD20261123-0001 names a ticket, not a person
        take(start, end, None)
    for number, start, end in find_id_numbers(folded, today):
        take(start, end, style.id_number(number))
    for start, end in id_like_spans(folded):
        take(start, end, style.digits(folded[start:end]))
    for _, start, end in find_phones(folded):
        take(start, end, style.digits(folded[start:end]))
    for match in LONG_DIGITS.finditer(folded):
        take(match.start(), match.end(), style.digits(match.group(0)))
    for address, start, end in find_addresses(folded):
        take(start, end, style.address(address))
    for start, end in bare_room_spans(folded):
        take(start, end, _stars(folded[start:end]))
    for start, end in [*self_name_spans(folded), *wechat_id_spans(folded)]:
        take(start, end, MASK * (end - start))
    pattern = _names_pattern(names)
    for match in pattern.finditer(text) if pattern else ():
        take(match.start(), match.end(), MASK * len(match.group(0)))
    masked, last = [], 0
    for start, end, replacement in sorted(found):
        masked += [text[last:start], replacement]
        last = end
    return "".join([*masked, text[last:]])


def personal_data_in(text: str, public_numbers: frozenset[str] = frozenset()) -> tuple[str, int] | None:
    """The first personal datum in `text` as (kind, position): id_number, mobile, landline (unless one of
    `public_numbers`, an office's, written as digits), room, name or wechat_id. None: the text holds none.
    3栋2单元 names a stairwell, not a household, and may stay."""
    found = personal_data_all(text, public_numbers)
    return found[0] if found else None


def personal_data_all(text: str, public_numbers: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    """Every personal datum in `text` as (kind, position), in order of position (see `personal_data_in`)."""
    folded = fold_width(text)
    found: list[tuple[int, str]] = []
    found += [(start, "id_number") for start, _ in id_like_spans(folded)]
    for number, start, _ in find_phones(folded):
        if number.startswith("1"):
            found.append((start, "mobile"))
        elif number.replace("-", "") not in public_numbers:
            found.append((start, "landline"))
    found += [(start, "room") for address, start, _ in find_addresses(folded) if address.room]
    found += [(start, "room") for start, _ in bare_room_spans(folded)]
    found += [(start, "name") for start, _ in self_name_spans(folded)]
    found += [(start, "wechat_id") for start, _ in wechat_id_spans(folded)]
    return [(kind, position) for position, kind in sorted(found)]


@lru_cache(maxsize=64)
def _names_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """One alternation, longest names first; cached, since most texts are masked with the same staff names."""
    usable = sorted((name for name in names if len(name) >= MIN_NAME_CHARS), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, usable))) if usable else None


def _stars(text: str) -> str:
    """Digits starred, separators kept: 0571-86010001 -> ****-********."""
    return "".join(MASK if ch.isalnum() else ch for ch in text)


AS_LOGS = public_style(lambda building: Address(building).label())
"""How the logs and the staff cards show a resident's words: numbers starred, addresses cut to the building."""


def mask_as_logs(text: str, today: date) -> str:
    return mask_text(text, today, AS_LOGS)
