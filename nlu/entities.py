"""Entity extraction by rule: deterministic, no model, each rule checked where a check exists.

Rules, not a model, because these entities have a fixed written form and a wrong one costs:
a wrong building routes a ticket to the wrong person, a mistyped ID number names somebody else.
Rule-based: ticket_number, id_number, phone, time, address. From a vocabulary: any other name
(certificate_type, service, notice_topic ...). Spans never overlap; earlier rules win, so the
digits of an ID number are never also a phone, a date or a building.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from nlu.address import Address, AddressMatch, find_address, find_addresses
from nlu.id_number import find_id_numbers
from nlu.result import Entity
from nlu.spans import Span, fold_width, overlaps
from nlu.vocabulary import Vocabulary, VocabularyMatcher, vocabulary_from_training_data
from nlu.zh_datetime import parse_zh_datetime
from storage.clock import system_clock

__all__ = [
    "Address",
    "AddressMatch",
    "EntityExtractor",
    "extract_entities",
    "find_address",
    "find_phones",
    "find_ticket_numbers",
    "vocabulary_from_training_data",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

_MOBILE = re.compile(
    r"(?:(?<![0-9])\+86[- ]?|(?<![0-9+])(?<![0-9]-))"
    r"(?P<a>1[3-9][0-9])(?P<sep>[- ]?)(?P<b>[0-9]{4})(?P=sep)(?P<c>[0-9]{4})(?![0-9])"
)
_LANDLINE = re.compile(
    r"(?<![0-9-])(?:\((?P<paren>0[1-9][0-9]{1,2})\)\s?|(?P<area>0[1-9][0-9]{1,2})[- ])"
    r"(?P<local>[2-9][0-9]{2,3}[- ]?[0-9]{4})(?![0-9-])"
)
_SPOKEN_NUMERALS = "零〇一二三四五六七八九幺两"
_SPOKEN_MOBILE = re.compile(rf"(?<![{_SPOKEN_NUMERALS}])[一幺][三四五六七八九](?:[ -]?[{_SPOKEN_NUMERALS}]){{9}}"
                            rf"(?![{_SPOKEN_NUMERALS}])")
"""A mobile in Chinese numerals, as voice input writes one down (一三九一二三四五六七八, 幺 for 1)."""
_SPOKEN_DIGITS = str.maketrans(_SPOKEN_NUMERALS, "0012345678912")
_TICKET = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,4}[0-9]{8}-[0-9]{4,}(?![0-9])")
_LONG_DIGITS = re.compile(r"[0-9]{12,}[Xx]?")
"""Longer than any phone: an invalid ID number or an account number, never a source of entities."""

Candidate = tuple[str | None, str, int, int]
"""Entity name (None: a span only to keep free of entities), value, start, end."""
TextMatch = tuple[str, int, int]
"""A value with the start and end of its span."""


class EntityExtractor:
    """All entities of a message, relative to `now` for dates, in text order."""

    def __init__(self, vocabulary: Vocabulary | None = None, timezone: ZoneInfo = SHANGHAI) -> None:
        self._vocabulary = VocabularyMatcher(vocabulary or {})
        self._timezone = timezone

    def extract(self, text: str, now: datetime | None = None) -> tuple[Entity, ...]:
        if now is not None and now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        local_now = (system_clock() if now is None else now).astimezone(self._timezone)
        folded = fold_width(text)
        taken: list[Span] = []
        entities: list[Entity] = []
        for name, value, start, end in _rule_candidates(folded, local_now):
            if overlaps((start, end), taken):
                continue
            taken.append((start, end))
            if name is not None:
                entities.append(Entity(name, value, start, end, text[start:end]))
        for name, value, start, end in self._vocabulary.find(folded, taken):
            entities.append(Entity(name, value, start, end, text[start:end]))
        return tuple(sorted(entities, key=lambda entity: entity.start))


def extract_entities(text: str, now: datetime | None = None) -> tuple[Entity, ...]:
    """The rule-based entities alone (no vocabulary), in Asia/Shanghai time."""
    return EntityExtractor().extract(text, now)


def find_phones(text: str) -> list[TextMatch]:
    """Mainland mobiles (in digits, or in Chinese numerals as voice input writes them; the value is digits) and
    landlines (area-local), never inside a longer number."""
    found = [(m["a"] + m["b"] + m["c"], m.start(), m.end()) for m in _MOBILE.finditer(text)]
    found += [(re.sub("[- ]", "", m.group(0)).translate(_SPOKEN_DIGITS), m.start(), m.end())
              for m in _SPOKEN_MOBILE.finditer(text)]
    found += [(f"{m['paren'] or m['area']}-{re.sub('[- ]', '', m['local'])}", m.start(), m.end())
              for m in _LANDLINE.finditer(text)]
    return sorted(found, key=lambda match: match[1])


def find_ticket_numbers(text: str) -> list[TextMatch]:
    """Ticket numbers like GD20261123-0001, upper-cased whatever the resident typed."""
    return [(m.group(0).upper(), m.start(), m.end()) for m in _TICKET.finditer(text)]


def _rule_candidates(text: str, now: datetime) -> Iterator[Candidate]:
    """Candidates in priority order: a span taken earlier blocks any later overlapping one."""
    for value, start, end in find_ticket_numbers(text):
        yield "ticket_number", value, start, end
    for value, start, end in find_id_numbers(text, now.date()):
        yield "id_number", value, start, end
    for value, start, end in find_phones(text):
        yield "phone", value, start, end
    for match in _LONG_DIGITS.finditer(text):
        yield None, "", match.start(), match.end()
    for found in parse_zh_datetime(text, now):
        yield "time", found.value.isoformat(), found.start, found.end
    for address, start, end in find_addresses(text):
        yield "address", address.label(), start, end
