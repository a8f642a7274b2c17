"""Addresses inside a community: building, unit and room (3栋2单元501, 12号楼3单元, 3-2-501).

Rules, not a model, because these have a fixed written form and a wrong building sends a
ticket to the wrong person. An area prefix (东区8栋) belongs to the span but not to the value:
buildings are numbered per community. A unit alone (三单元) is not an address: without the building it routes nowhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.spans import fold_width
from nlu.text import CN_NUMERAL, chinese_to_int

# Without 两: "两栋楼之间" is two buildings, and nobody numbers a building 两.
_NUM = r"(?:(?<![0-9])[0-9]{1,3}(?![0-9])|[零〇幺一二三四五六七八九十百廿卅]+)"
# Voice and pinyin input write 栋 as a homophone (二十八动三单元, 三十二懂, 三十七动的老住户); taken only before a
# unit, 的 or a clause end.
_HEARD_AS_DONG = rf"[动洞冻懂董](?=\s*(?:(?:{_NUM}|两)\s*单元|$|[，。,；;！!？?\s]|的))"
_ADDRESS = re.compile(
    r"(?:(?P<area>[东西南北中][区苑院]|[一二三四五六七八九0-9]期)\s*)?"
    rf"(?:(?P<building>{_NUM})\s*(?:号楼|栋|幢|号|座|{_HEARD_AS_DONG})|(?<![A-Za-z])(?P<letter>[A-Z])\s*(?:号楼|栋|幢|座))"
    rf"(?:\s*(?P<unit>{_NUM}|两)\s*单元)?"
    r"(?:\s*(?P<room>(?<![0-9])[0-9]{3,4})(?![0-9])(?:室|号(?!楼)|房(?![东子间]))?)?"
)
_DASHED = re.compile(r"(?<![0-9-])(?P<building>[0-9]{1,3})-(?P<unit>[0-9]{1,2})-(?P<room>[0-9]{3,4})(?![0-9-])")
# A bare "5号" names a day after a month or week word, or before a part of day or a clock time.
_DATE_BEFORE = re.compile(r"(?:月|日|周|星期|礼拜)\s*$")
_DATE_AFTER = re.compile(rf"\s*(?:[日上下早中晚傍凌]|(?:[0-9]{{1,2}}|{CN_NUMERAL})\s*[点时:])")
# "1号窗口", "2号线", "3号床": numbered things that are not buildings.
_NOT_BUILDING_AFTER = re.compile(r"[线窗床机位码]")
_MAX_BUILDING = 999


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
    """The first address in the text, if any."""
    found = find_addresses(text)
    return found[0] if found else None


def find_addresses(text: str) -> list[AddressMatch]:
    """Every address, in text order, without overlaps (a dashed 3-2-501 wins over a building)."""
    folded = fold_width(text)
    found: list[AddressMatch] = []
    for pattern in (_DASHED, _ADDRESS):
        for match in pattern.finditer(folded):
            address = _address(folded, match)
            if address is not None and not any(match.start() < end and start < match.end() for _, start, end in found):
                found.append((address, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])


def _address(text: str, match: re.Match[str]) -> Address | None:
    groups = match.groupdict()
    if _is_not_building(text, match):
        return None
    building = groups.get("letter") or _number(groups["building"])
    if not building:
        return None
    unit = _number(groups["unit"]) if groups["unit"] else None
    return Address(building, unit, groups["room"])


def _number(text: str) -> str | None:
    value = chinese_to_int(text)
    return str(value) if value is not None and 0 < value <= _MAX_BUILDING else None


def _is_not_building(text: str, match: re.Match[str]) -> bool:
    """'3月5号' and '5号上午' name days, '1号窗口' a counter: a bare 'N号' is a building only outside such context."""
    if not match.group(0).endswith("号") or match.group("unit") or match.group("room"):
        return False
    return bool(
        _DATE_BEFORE.search(text[: match.start()])
        or _DATE_AFTER.match(text, match.end())
        or _NOT_BUILDING_AFTER.match(text, match.end())
    )


_CORRECTION = re.compile(r"不对|不是|错了|说错|打错|写错|应该是|改成|改为|更正|哦不")
_NEGATED = re.compile(r"不是\s*$")
"""「13栋不是3栋」: the later address is the one denied."""
_NO_BUILDING = re.compile(
    r"没有?(?:楼号|门牌|楼栋|几栋|单元|号码)|没门牌|莫得(?:楼号|门牌)|不在楼[里内上]?|不是楼|不是在楼[里内上]?|不是哪栋|不属于哪栋"
    r"|不知道(?:是)?(?:几栋|几号楼|楼号|哪栋|门牌)|不清楚(?:几栋|楼号|门牌)|记不(?:得|清|住)|搞不清|说不清|租的房"
    r"|(?:几|哪)(?:号楼|栋|幢|个楼)都(?:一样|是|有|这样)|每(?:栋|幢|个楼)都"
)


def stated_address(text: str) -> AddressMatch | None:
    """The address a message gives: the first, or the last when the resident corrects themselves
    between them (「3栋，不对，是13栋」), or the second when the first is denied (「不是3栋 是13栋」)."""
    found = find_addresses(text)
    if len(found) > 1:
        between = text[found[0][2]:found[-1][1]]
        if _CORRECTION.search(between) and not _NEGATED.search(between):
            return found[-1]
        if _NEGATED.search(text[:found[0][1]]):
            return found[1]  # 「说错了 不是3栋 是13栋」: the address denied comes first
    return found[0] if found else None


_DENIED_UNIT = re.compile(rf"[，,。\s]*不是\s*(?:{_NUM}|两)\s*单元[，,。\s]*")
_UNIT_ALONE = re.compile(
    r"^(?:(?:不对|说错了|搞错了|对了|忘了说|漏了|哦|噢|嗯)[，,。\s]*)*(?:应该|就)?(?:是在|是|在)?\s*"
    rf"(?P<unit>{_NUM}|两)\s*单元(?:的?\s*(?P<room>[0-9]{{3,4}})\s*(?:室|号|房)?)?(?:的|呀|啊|哈|哦)?[，,。！!\s]*$")


def unit_alone(text: str) -> tuple[str, str | None] | None:
    """The unit (and room) of 「2单元」「不对 是三单元」「是2单元不是1单元」「3单元402」: a unit said on its own, which
    only a building said before can place (None when the words say more than that)."""
    match = _UNIT_ALONE.match(_DENIED_UNIT.sub(" ", fold_width(text)).strip())
    unit = _number(match.group("unit")) if match else None
    return (unit, match.group("room")) if match and unit else None


_ROOM_ALONE = re.compile(
    r"^(?:(?:不对|说错了|搞错了|对了|忘了说|漏了|哦|噢|嗯)[，,。\s]*)*(?:应该|就)?(?:是在|是|在|我家|我家是|我住|住)?\s*"
    r"(?P<room>[0-9]{3,4})\s*(?:室|号|房)?(?:的|呀|啊|哈|哦)?[，,。！!\s]*$")


def room_alone(text: str) -> str | None:
    """The room of 「201」「我家是201」「402室」: a room said on its own, which only a building and unit said before
    can place."""
    match = _ROOM_ALONE.match(fold_width(text).strip())
    return match.group("room") if match else None


_UNIT_FIRST = re.compile(rf"^\W*(?:(?:我|俺|咱)(?:们)?家?(?:住|是|在)?(?:在|是)?)?\s*(?P<unit>{_NUM})\s*单元")


def unit_first(text: str) -> str | None:
    """The unit a message starts with, no building before it (「3单元 我住502」「我家是三单元的」): which unit of a
    building said before."""
    match = _UNIT_FIRST.match(fold_width(text))
    return _number(match.group("unit")) if match is not None else None


def without_no_building(text: str) -> str:
    """「没有楼号 就在公交站旁边」 -> 「公交站旁边」: the description of where, for the ticket."""
    rest = _NO_BUILDING.sub(" ", fold_width(text))
    return re.sub(r"^[\s，,。、]*(?:就在|就是|在)?", "", rest).strip() or text.strip()


def says_no_building(text: str) -> bool:
    """「没有楼号」「不知道几栋」: the resident cannot name a building (so the bot must not ask again)."""
    return _NO_BUILDING.search(fold_width(text)) is not None


_DWELLING = re.compile(r"[0-9]|[号栋幢楼座路街巷弄村院室屋组排]|单元|平房|小区|胡同")
"""What an address a visitor can find has: a number or a word that numbers a dwelling or names a street."""


_SAYS_HOME_IS = re.compile(r"^\W*(?:(?:我|俺|咱)(?:们)?)?(?:家|家里)?(?:住|就)?(?:在|是)(?=\w)")


def without_home_is(text: str) -> str:
    """「我家在白杨小区北门进去第二排平房」 -> 「白杨小区北门进去第二排平房」: the address, for the booking."""
    return _SAYS_HOME_IS.sub("", text).strip() or text.strip()


def names_a_dwelling(text: str) -> bool:
    """「北门外平房区5号」「幸福路12号院」: words a staff member could find a door by; 「就我家」「家里」 are not."""
    return _DWELLING.search(fold_width(text)) is not None


def said_outright(text: str) -> AddressMatch | None:
    """The address the words state beyond doubt (`stated_address`), whatever else they say: a bare 「12号」 with no
    unit or room is left out, as it is as often a day (「约12号的」) as a building."""
    found = stated_address(text)
    if found is None:
        return None
    address, start, end = found
    return found if address.unit or address.room or not fold_width(text)[start:end].endswith("号") else None
