"""Dates and times written in Chinese, resolved against a timezone-aware `now`.

Conventions (bookings are the main use; the tests pin each one):
- Weeks start on Monday. 这周五 / 本周五 is the Friday of the current week even when it has
  passed; 下周一 is the Monday of the next calendar week (said on a Sunday it is the next day,
  said on a Monday it is seven days later); 上周三 is in the previous week, 下下周三 two ahead.
  A bare 周三 is the next Wednesday, today included. 下 right after 一 belongs to 一下
  ("约一下周二" is the next Tuesday), and 每周一 (every Monday) is no date.
- A week or month alone is its first day (下周: next Monday; 下个月: the 1st), but this week
  or month (这周, 本月) is today; 周末 is the Saturday of that week (bare: not before today).
- A month and day without a year (3月5号, 12月31号) is the next occurrence, today included, so
  a date that has passed this year is next year; 2月29号 is the next leap day. A bare day of the
  month (15号, 5号上午) is the next such day, this month included, unless it numbers a building
  or a thing (5号楼, 住8号, 1号窗口); 下个月5号 is in next month.
- A time without a date (下午三点) is today, even when it has passed: residents also report what
  happened earlier, and a booking handler checks for the past itself.
- A part of day without an hour is when people start it for an appointment: 凌晨 00:00,
  早上 / 一早 08:00, 上午 09:00, 中午 12:00, 下午 14:00, 傍晚 17:00, 晚上 19:00, 半夜 the
  midnight that ends the day. The part shifts an hour: 下午三点 15:00, 中午一点 13:00;
  晚上十二点 and 晚上一点 are 00:00 and 01:00 of the next day (晚上 up to four is after midnight).
- An hour from 1 to 6 with no part of day is in the afternoon (3点半 15:30): nobody books 3 a.m.
  A leading zero (03:30) keeps the hour as written.
- A bare 一点 / 一时 is not a time: it mostly means "a little" (快一点).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from nlu.spans import fold_width
from nlu.text import CN_NUMERAL, chinese_to_int


class ZhDateTime(NamedTuple):
    value: datetime
    start: int
    end: int
    has_time: bool
    """False for a date alone (明天): value is then midnight of that day."""
    has_date: bool = True
    """False for a time alone (三点): value is then on today's date, which the words did not say."""


_N = rf"(?:[0-9]{{1,2}}|{CN_NUMERAL})"
# 下 after 一 belongs to 一下 ("约一下周二"), after 楼 to 楼下; 上 after 马, 楼, 早, 晚 is not "last".
_NEXT, _LAST = r"(?<![一楼底地])下", r"(?<![马楼早晚路网])上"
_WEEK_WORD = rf"{_NEXT}下个|{_NEXT}下|{_NEXT}个|{_NEXT}|这个|这|本|{_LAST}个|{_LAST}"
_WEEK = r"(?<!每)(?:周|星期|礼拜)"
_DATE = (
    r"(?P<rel>大后天|大前天|今天|今日|今儿个|今儿|明天|明日|明儿个|明儿|后天|后儿个|昨天|昨日|昨儿个|昨儿|前天)"
    r"|(?P<short>[今明昨])(?P<short_part>早|晚)上?"
    rf"|(?P<week>{_WEEK_WORD})?{_WEEK}(?P<weekday>[一二三四五六日天1-7])(?![次个天份])"
    rf"|(?P<weekend_word>{_WEEK_WORD})?(?P<weekend>(?<!每)周末)"
    rf"|(?P<week_alone>{_WEEK_WORD}){_WEEK}(?![围边到转期年岁])"
    rf"|(?:(?P<year>[0-9]{{4}})年|(?P<year_word>今年|明年|去年))?(?P<month>{_N})月(?P<day>{_N})[号日]"
    r"|(?P<iso_year>[0-9]{4})[-/.](?P<iso_month>[0-9]{1,2})[-/.](?P<iso_day>[0-9]{1,2})(?![0-9])"
    rf"|(?P<month_word>下个月|下月|这个月|本月)?(?<!住)(?P<day_only>{_N})[号日](?![楼栋幢单座院线窗床机位码]|[0-9]{{3}})"
    r"|(?P<month_alone>下个月|下月|这个月|本月)"
)
_PART = r"凌晨|一早上?|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|夜间|半夜|深夜"
_CLOCK = (
    rf"(?P<hour>{_N})[点时]钟?(?P<minute>半|一刻|三刻|整|{_N}分?)?"
    r"|(?P<hh>[0-9]{1,2}):(?P<mm>[0-9]{2})(?![0-9])"
)
_EXPRESSION = re.compile(rf"(?<![0-9])(?:(?P<date>{_DATE})\s*)?(?:(?P<part>{_PART})\s*)?(?P<clock>{_CLOCK})?")

_RELATIVE_DAYS = {
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "昨儿": -1, "昨儿个": -1, "今天": 0, "今日": 0,
    "今儿": 0, "今儿个": 0, "明天": 1, "明日": 1, "明儿": 1, "明儿个": 1, "后天": 2, "后儿个": 2,
    "大后天": 3, "今": 0, "明": 1, "昨": -1,
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEK_OFFSETS = {"下下个": 2, "下下": 2, "下个": 1, "下": 1, "这个": 0, "这": 0, "本": 0, "上个": -1, "上": -1}
_SATURDAY = 5
_YEAR_WORDS = {"去年": -1, "今年": 0, "明年": 1}
_PART_STARTS = {
    "凌晨": 0, "早上": 8, "早晨": 8, "清晨": 8, "早": 8, "上午": 9, "中午": 12,
    "下午": 14, "傍晚": 17, "晚上": 19, "夜里": 19, "夜间": 19, "晚": 19, "一早": 8, "一早上": 8,
    "半夜": 24, "深夜": 24,
}
_EVENING_PARTS = {"下午", "傍晚", "晚上", "夜里", "夜间", "晚", "半夜", "深夜"}
_NIGHT_PARTS = {"晚上", "夜里", "夜间", "晚", "半夜", "深夜"}
_MINUTE_WORDS = {"半": 30, "一刻": 15, "三刻": 45, "整": 0}
_LAST_AFTERNOON_HOUR = 6
_LAST_NIGHT_HOUR = 4
"""晚上一点 to 晚上四点 are after midnight: nobody says 晚上 for one in the afternoon."""
_YEARS_TO_SEARCH = 9
"""Enough to reach the next 29 February from any day."""


def parse_zh_datetime(text: str, now: datetime) -> list[ZhDateTime]:
    """Every date or time expression in text, resolved in now's timezone, in text order."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    found = []
    for match in _EXPRESSION.finditer(fold_width(text)):
        if match.group(0).strip() and not _is_noise(match):
            resolved = _resolve(match, now)
            if resolved is not None:
                end = match.start() + len(match.group(0).rstrip())
                found.append(ZhDateTime(resolved[0], match.start(), end, resolved[1], match.group("date") is not None))
    return found


def _is_noise(match: re.Match[str]) -> bool:
    """A bare 一点 / 一时 mostly means 'a little' (快一点, 一时半会), and a bare 三日 a duration (三日内)."""
    groups = match.groupdict()
    day = groups["day_only"]
    if day is not None and groups["month_word"] is None and groups["part"] is None and groups["clock"] is None:
        return not day.isdigit() and match.group(0).endswith("日")
    bare_clock = groups["date"] is None and groups["part"] is None
    return bare_clock and groups["hour"] == "一" and groups["minute"] is None and "钟" not in groups["clock"]


def _resolve(match: re.Match[str], now: datetime) -> tuple[datetime, bool] | None:
    today = now.date()
    day = _date_of(match, today) if match.group("date") else today
    part = match.group("part") or match.group("short_part")
    clock = _clock_of(match, part) if (part or match.group("clock")) else (0, 0, 0)
    if day is None or clock is None:
        return None
    hour, minute, extra_days = clock
    value = datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo) + timedelta(days=extra_days)
    return value, bool(part or match.group("clock"))


def _date_of(match: re.Match[str], today: date) -> date | None:
    groups = match.groupdict()
    relative = groups["rel"] or groups["short"]
    if relative:
        return today + timedelta(days=_RELATIVE_DAYS[relative])
    if groups["weekday"]:
        return _weekday_date(groups["week"], groups["weekday"], today)
    if groups["weekend"]:
        return _weekend_date(groups["weekend_word"], today)
    if groups["week_alone"]:
        return _week_date(groups["week_alone"], today)
    if groups["month"]:
        return _month_day_date(groups, today)
    if groups["iso_year"]:
        return _safe_date(int(groups["iso_year"]), int(groups["iso_month"]), int(groups["iso_day"]))
    if groups["month_alone"]:
        return _month_date(groups["month_alone"], today)
    return _day_of_month_date(groups["month_word"], groups["day_only"], today)


def _weekday_date(modifier: str | None, weekday_text: str, today: date) -> date:
    weekday = _WEEKDAYS[weekday_text] if weekday_text in _WEEKDAYS else int(weekday_text) - 1
    if modifier is None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return _monday(today) + timedelta(weeks=_WEEK_OFFSETS[modifier], days=weekday)


def _weekend_date(modifier: str | None, today: date) -> date:
    """Saturday of that week; a bare 周末 said on a Sunday is today (the weekend is not over)."""
    if modifier is not None:
        return _monday(today) + timedelta(weeks=_WEEK_OFFSETS[modifier], days=_SATURDAY)
    return max(today, _monday(today) + timedelta(days=_SATURDAY))


def _week_date(modifier: str, today: date) -> date:
    """A week alone (下周) is its Monday; this week (这周) is what is left of it, from today."""
    offset = _WEEK_OFFSETS[modifier]
    return today if offset == 0 else _monday(today) + timedelta(weeks=offset)


def _month_date(word: str, today: date) -> date:
    """A month alone: 下个月 is its first day, 这个月 what is left of it, from today."""
    if word in ("这个月", "本月"):
        return today
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _month_day_date(groups: dict[str, str | None], today: date) -> date | None:
    month, day = _int(groups["month"]), _int(groups["day"])
    if groups["year"]:
        return _safe_date(int(groups["year"]), month, day)
    if groups["year_word"]:
        return _safe_date(today.year + _YEAR_WORDS[groups["year_word"]], month, day)
    for year in range(today.year, today.year + _YEARS_TO_SEARCH):
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _day_of_month_date(month_word: str | None, day_text: str | None, today: date) -> date | None:
    """下个月5号 is in next month, 本月5号 in this one, a bare 5号 the next fifth (today included)."""
    day = _int(day_text)
    first_offset = 1 if month_word in ("下个月", "下月") else 0
    tries = 1 if month_word else 12
    for offset in range(first_offset, first_offset + tries):
        year, month_index = divmod(today.month - 1 + offset, 12)
        candidate = _safe_date(today.year + year, month_index + 1, day)
        if candidate is not None and (month_word or candidate >= today):
            return candidate
    return None


def _clock_of(match: re.Match[str], part: str | None) -> tuple[int, int, int] | None:
    """Hour, minute and days to add (晚上十二点 is midnight, the start of the next day)."""
    groups = match.groupdict()
    hour_text = groups["hour"] or groups["hh"]
    if hour_text is None:
        hour = _PART_STARTS[part] if part else None
        return None if hour is None else (hour % 24, 0, hour // 24)
    hour, minute = _int(hour_text), _minute(groups["minute"] or groups["mm"])
    if not 0 <= hour <= 24 or not 0 <= minute <= 59:
        return None
    hour = _shift_hour(hour, part, zero_padded=hour_text.startswith("0"))
    return (hour - 24, minute, 1) if hour >= 24 else (hour, minute, 0)


def _shift_hour(hour: int, part: str | None, zero_padded: bool) -> int:
    """The hour meant, counted from the start of the day; 24 or more is early the next day."""
    if part in _NIGHT_PARTS and (hour == 12 or 1 <= hour <= _LAST_NIGHT_HOUR):
        return hour % 12 + 24
    afternoon = part in _EVENING_PARTS and 1 <= hour < 12
    after_noon = part == "中午" and 1 <= hour <= 2
    unmarked = part is None and 1 <= hour <= _LAST_AFTERNOON_HOUR and not zero_padded
    if afternoon or after_noon or unmarked:
        return hour + 12
    return 0 if hour == 12 and part == "凌晨" else hour


def _minute(text: str | None) -> int:
    if text is None:
        return 0
    if text in _MINUTE_WORDS:
        return _MINUTE_WORDS[text]
    return _int(text.removesuffix("分"))


def _int(text: str | None) -> int:
    """A numeral as an int; -1 (rejected by every range check) when it is not one."""
    value = chinese_to_int(text) if text else None
    return -1 if value is None else value


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
