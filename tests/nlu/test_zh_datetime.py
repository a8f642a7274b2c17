"""Chinese dates and times resolved against a fixed, timezone-aware now."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nlu.zh_datetime import parse_zh_datetime

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
SUNDAY = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
NEW_YEARS_EVE = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
LATE_FEBRUARY = datetime(2026, 2, 27, 10, 0, tzinfo=SHANGHAI)
BEFORE_LEAP_DAY = datetime(2028, 2, 28, 10, 0, tzinfo=SHANGHAI)


def only(text: str, now: datetime = MONDAY) -> tuple[str, bool]:
    found = parse_zh_datetime(text, now)
    assert len(found) == 1, found
    return found[0].value.isoformat(), found[0].has_time


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("今天", MONDAY, "2026-11-23T00:00:00+08:00"),
    ("明天", MONDAY, "2026-11-24T00:00:00+08:00"),
    ("后天", MONDAY, "2026-11-25T00:00:00+08:00"),
    ("大后天", MONDAY, "2026-11-26T00:00:00+08:00"),
    ("昨天", MONDAY, "2026-11-22T00:00:00+08:00"),
    ("明天", NEW_YEARS_EVE, "2027-01-01T00:00:00+08:00"),
    ("后天", NEW_YEARS_EVE, "2027-01-02T00:00:00+08:00"),
    ("明天", LATE_FEBRUARY, "2026-02-28T00:00:00+08:00"),
    ("后天", LATE_FEBRUARY, "2026-03-01T00:00:00+08:00"),
    ("明天", BEFORE_LEAP_DAY, "2028-02-29T00:00:00+08:00"),
    ("后天", BEFORE_LEAP_DAY, "2028-03-01T00:00:00+08:00"),
])
def test_relative_days_cross_month_and_year_ends(text: str, now: datetime, expected: str) -> None:
    assert only(text, now) == (expected, False)


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("下周一", SUNDAY, "2026-11-23T00:00:00+08:00"),
    ("下周一", MONDAY, "2026-11-30T00:00:00+08:00"),
    ("下周一", NEW_YEARS_EVE, "2027-01-04T00:00:00+08:00"),
    ("这周五", MONDAY, "2026-11-27T00:00:00+08:00"),
    ("这周一", SUNDAY, "2026-11-16T00:00:00+08:00"),
    ("上周三", MONDAY, "2026-11-18T00:00:00+08:00"),
    ("下下周三", MONDAY, "2026-12-09T00:00:00+08:00"),
    ("周一", MONDAY, "2026-11-23T00:00:00+08:00"),
    ("星期天", MONDAY, "2026-11-29T00:00:00+08:00"),
    ("礼拜六", MONDAY, "2026-11-28T00:00:00+08:00"),
    ("周三", SUNDAY, "2026-11-25T00:00:00+08:00"),
])
def test_weeks_start_on_monday_and_next_week_is_the_next_calendar_week(
    text: str, now: datetime, expected: str
) -> None:
    assert only(text, now) == (expected, False)


@pytest.mark.parametrize(("text", "expected"), [
    ("下午三点", "2026-11-23T15:00:00+08:00"),
    ("3点半", "2026-11-23T15:30:00+08:00"),
    ("15:30", "2026-11-23T15:30:00+08:00"),
    ("03:30", "2026-11-23T03:30:00+08:00"),
    ("上午10点", "2026-11-23T10:00:00+08:00"),
    ("晚上8点", "2026-11-23T20:00:00+08:00"),
    ("中午12点", "2026-11-23T12:00:00+08:00"),
    ("中午一点", "2026-11-23T13:00:00+08:00"),
    ("晚上十二点", "2026-11-24T00:00:00+08:00"),
    ("晚上一点", "2026-11-24T01:00:00+08:00"),
    ("晚上11点", "2026-11-23T23:00:00+08:00"),
    ("7点", "2026-11-23T07:00:00+08:00"),
    ("九点一刻", "2026-11-23T09:15:00+08:00"),
    ("八点四十五分", "2026-11-23T08:45:00+08:00"),
    ("十点整", "2026-11-23T10:00:00+08:00"),
    ("凌晨3点", "2026-11-23T03:00:00+08:00"),
])
def test_clock_times_without_a_date_are_today(text: str, expected: str) -> None:
    assert only(text) == (expected, True)


@pytest.mark.parametrize(("text", "expected"), [
    ("早上", "2026-11-23T08:00:00+08:00"),
    ("上午", "2026-11-23T09:00:00+08:00"),
    ("中午", "2026-11-23T12:00:00+08:00"),
    ("下午", "2026-11-23T14:00:00+08:00"),
    ("晚上", "2026-11-23T19:00:00+08:00"),
    ("明早", "2026-11-24T08:00:00+08:00"),
    ("今晚", "2026-11-23T19:00:00+08:00"),
    ("明晚7点", "2026-11-24T19:00:00+08:00"),
    ("后天一早", "2026-11-25T08:00:00+08:00"),
    ("明儿个上午", "2026-11-24T09:00:00+08:00"),
    ("半夜两点", "2026-11-24T02:00:00+08:00"),
])
def test_part_of_day_without_an_hour_is_the_start_of_that_part(text: str, expected: str) -> None:
    assert only(text) == (expected, True)


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("下周", MONDAY, "2026-11-30T00:00:00+08:00"),
    ("下个礼拜", NEW_YEARS_EVE, "2027-01-04T00:00:00+08:00"),
    ("这周", MONDAY, "2026-11-23T00:00:00+08:00"),
    ("周末", MONDAY, "2026-11-28T00:00:00+08:00"),
    ("周末", SUNDAY, "2026-11-22T00:00:00+08:00"),
    ("下周末", SUNDAY, "2026-11-28T00:00:00+08:00"),
    ("下个月", NEW_YEARS_EVE, "2027-01-01T00:00:00+08:00"),
    ("本月", MONDAY, "2026-11-23T00:00:00+08:00"),
])
def test_a_week_or_month_alone_is_its_first_day_not_before_today(text: str, now: datetime, expected: str) -> None:
    assert only(text, now) == (expected, False)


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("3月5号", MONDAY, "2027-03-05T00:00:00+08:00"),
    ("3月5日", LATE_FEBRUARY, "2026-03-05T00:00:00+08:00"),
    ("12月31号", NEW_YEARS_EVE, "2026-12-31T00:00:00+08:00"),
    ("12月30号", NEW_YEARS_EVE, "2027-12-30T00:00:00+08:00"),
    ("2027年1月2日", MONDAY, "2027-01-02T00:00:00+08:00"),
    ("2月29号", MONDAY, "2028-02-29T00:00:00+08:00"),
    ("2028年2月29日", MONDAY, "2028-02-29T00:00:00+08:00"),
    ("明年3月1号", MONDAY, "2027-03-01T00:00:00+08:00"),
    ("十二月一号", MONDAY, "2026-12-01T00:00:00+08:00"),
    ("2026-12-01", MONDAY, "2026-12-01T00:00:00+08:00"),
    ("下个月5号", NEW_YEARS_EVE, "2027-01-05T00:00:00+08:00"),
    ("能给我约25号的律师吗", MONDAY, "2026-11-25T00:00:00+08:00"),
    ("15号的预约去不了", MONDAY, "2026-12-15T00:00:00+08:00"),
    ("31号来", MONDAY, "2026-12-31T00:00:00+08:00"),
    ("28日来", MONDAY, "2026-11-28T00:00:00+08:00"),
])
def test_dates_without_a_year_are_the_next_occurrence(text: str, now: datetime, expected: str) -> None:
    assert only(text, now) == (expected, False)


@pytest.mark.parametrize(("text", "expected"), [
    ("明天下午三点", "2026-11-24T15:00:00+08:00"),
    ("下周一上午", "2026-11-30T09:00:00+08:00"),
    ("本周五晚上七点半", "2026-11-27T19:30:00+08:00"),
    ("周三下午", "2026-11-25T14:00:00+08:00"),
    ("5号上午", "2026-12-05T09:00:00+08:00"),
    ("25号下午", "2026-11-25T14:00:00+08:00"),
    ("三号下午", "2026-12-03T14:00:00+08:00"),
    ("3月5号上午9点", "2027-03-05T09:00:00+08:00"),
    ("明天 下午 3:30", "2026-11-24T15:30:00+08:00"),
])
def test_date_part_of_day_and_clock_combine_into_one_time(text: str, expected: str) -> None:
    assert only(text) == (expected, True)


@pytest.mark.parametrize("text", [
    "声音小一点",
    "一周一次",
    "2027年2月29日",
    "13月5号",
    "25点",
    "5号楼",
    "我住8号",
    "去1号窗口",
    "每周一开放",
    "楼长老周天天帮忙",
    "楼上周围很吵",
    "一周",
    "三日内办好",
    "110101199003074514",
    "3栋2单元501",
])
def test_things_that_only_look_like_times_are_not_times(text: str) -> None:
    assert parse_zh_datetime(text, MONDAY) == []


@pytest.mark.parametrize(("text", "expected_span", "expected"), [
    ("预约一下下周一上午的法律咨询", "下周一上午", "2026-11-30T09:00:00+08:00"),
    ("约一下周二下午的心理咨询", "周二下午", "2026-11-24T14:00:00+08:00"),
    ("约一下下个星期二上午", "下个星期二上午", "2026-12-01T09:00:00+08:00"),
    ("楼下周末老是吵", "周末", "2026-11-28T00:00:00+08:00"),
    ("马上周五了", "周五", "2026-11-27T00:00:00+08:00"),
])
def test_xia_and_shang_belonging_to_another_word_do_not_shift_the_week(
    text: str, expected_span: str, expected: str
) -> None:
    (found,) = parse_zh_datetime(text, MONDAY)

    assert (text[found.start:found.end], found.value.isoformat()) == (expected_span, expected)


def test_span_covers_the_whole_expression_and_no_trailing_space() -> None:
    text = "我想约明天下午三点 的法律咨询"
    (found,) = parse_zh_datetime(text, MONDAY)

    assert text[found.start:found.end] == "明天下午三点"


def test_two_expressions_in_one_message_are_found_in_order() -> None:
    found = parse_zh_datetime("今天不行，后天上午可以", MONDAY)

    assert [(f.value.day, f.value.hour) for f in found] == [(23, 0), (25, 9)]


def test_full_width_digits_are_read_and_spans_still_fit_the_original() -> None:
    text = "约１２月１号下午"
    (found,) = parse_zh_datetime(text, MONDAY)

    assert (found.value.isoformat(), text[found.start:found.end]) == ("2026-12-01T14:00:00+08:00", "１２月１号下午")


def test_result_keeps_the_timezone_of_now() -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    assert only("明天上午", now) == ("2026-11-24T09:00:00+00:00", True)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_zh_datetime("明天", datetime(2026, 11, 23))  # noqa: DTZ001
