"""Entity extraction by rule: addresses (building / unit / room) and phone numbers.

Rules, not a model, because these have a fixed written form and a wrong building sends a
ticket to the wrong person; the NLU issue adds dates, ID numbers and profile vocabularies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.result import Entity
from nlu.text import CN_NUMERAL, chinese_to_int

_NUM = rf"(?:\d+|{CN_NUMERAL})"
_ADDRESS = re.compile(
    rf"(?P<building>{_NUM})\s*(?:号楼|栋楼|栋|幢|号|座)"
    rf"(?:\s*(?P<unit>{_NUM})\s*单元)?"
    rf"(?:\s*(?P<room>\d{{3,4}})\s*(?:室|号|房)?)?"
)
_DASHED = re.compile(r"(?<![\d-])(?P<building>\d{1,3})-(?P<unit>\d{1,2})-(?P<room>\d{3,4})(?![\d-])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# A bare "5号" is a building only when no month or date word precedes it.
_DATE_BEFORE = re.compile(r"(?:月|日)\s*$")


@dataclass(frozen=True)
class Address:
    building: str
    unit: str | None = None
    room: str | None = None

    def label(self) -> str:
        text = f"{self.building}栋"
        if self.unit:
            text += f"{self.unit}单元"
        if self.room:
            text += f"{self.room}室"
        return text


AddressMatch = tuple[Address, int, int]
"""An address with the start and end of its span in the text."""


def find_address(text: str) -> AddressMatch | None:
    for pattern in (_DASHED, _ADDRESS):
        for match in pattern.finditer(text):
            if _is_date_not_building(text, match):
                continue
            building = chinese_to_int(match.group("building"))
            if building is None or building == 0:
                continue
            unit = chinese_to_int(match.group("unit")) if match.group("unit") else None
            room = match.group("room")
            return Address(str(building), str(unit) if unit else None, room), match.start(), match.end()
    return None


def _is_date_not_building(text: str, match: re.Match[str]) -> bool:
    """'3月5号' and '5号上午' name days; a bare 'N号' is a building only outside such context."""
    if not match.group(0).endswith("号") or match.group("unit") or match.group("room"):
        return False
    return bool(_DATE_BEFORE.search(text[: match.start()])) or text[match.end():match.end() + 1] in "日上下早晚"


def extract_entities(text: str) -> tuple[Entity, ...]:
    entities = []
    if found := find_address(text):
        address, start, end = found
        entities.append(Entity("address", address.label(), start, end, text[start:end]))
    entities.extend(Entity("phone", m.group(0), m.start(), m.end(), m.group(0)) for m in _PHONE.finditer(text))
    return tuple(entities)
