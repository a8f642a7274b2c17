"""Slots from weekly opening hours, and why a time cannot be booked. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.profile.schema import Service
from storage.scheduling import is_bookable_time, nearest_slot_start, slot_starts
from storage.slot_problem import SlotProblem

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2026-11-23 10:00 in Shanghai, as in tests/conftest.py.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)

LEGAL_ADVICE = Service(
    key="legal_advice", name="法律咨询", location="调解室", handled_by="window",
    hours={"wed": ["09:00-11:30", "14:00-16:30"], "sat": ["09:00-11:30"]},
    slot_minutes=30, capacity=1, closed_dates=[date(2026, 12, 5)],
)
POLICE = Service(
    key="community_police", name="约见社区民警", location="警务室", handled_by="police",
    hours={"mon": ["09:00-11:30"]}, slot_minutes=20, capacity=1,
)


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def test_each_period_is_cut_into_slots_of_the_service_length() -> None:
    starts = slot_starts(LEGAL_ADVICE, date(2026, 11, 25), SHANGHAI)

    assert [f"{s:%H:%M}" for s in starts] == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "14:00", "14:30", "15:00", "15:30", "16:00"]


def test_slot_starts_are_aware_in_the_district_time_zone() -> None:
    first = slot_starts(LEGAL_ADVICE, date(2026, 11, 25), SHANGHAI)[0]

    assert first.tzinfo is SHANGHAI
    assert first.astimezone(UTC) == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def test_the_incomplete_tail_of_a_period_is_no_slot() -> None:
    starts = slot_starts(POLICE, date(2026, 11, 23), SHANGHAI)

    # 09:00-11:30 in 20 minutes: the last full slot starts at 11:00; 11:20 would end at 11:40.
    assert [f"{s:%H:%M}" for s in starts] == ["09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00"]


def test_a_weekday_without_hours_has_no_slots() -> None:
    assert slot_starts(LEGAL_ADVICE, date(2026, 11, 24), SHANGHAI) == []


def test_a_closed_date_has_no_slots_though_its_weekday_has_hours() -> None:
    assert date(2026, 12, 5).weekday() == 5  # a Saturday
    assert slot_starts(LEGAL_ADVICE, date(2026, 12, 5), SHANGHAI) == []
    assert slot_starts(LEGAL_ADVICE, date(2026, 12, 12), SHANGHAI) != []


def test_a_national_holiday_on_a_weekday_has_no_slots_unless_the_service_opens_then() -> None:
    holiday = date(2026, 10, 5)  # a Monday of 国庆
    assert holiday.weekday() == 0
    assert slot_starts(POLICE, holiday, SHANGHAI) == []
    assert slot_starts(POLICE.model_copy(update={"open_on_public_holidays": True}), holiday, SHANGHAI) != []
    assert slot_starts(POLICE, date(2026, 10, 12), SHANGHAI) != []


@pytest.mark.parametrize(("asked", "expected"), [
    (local(11, 25, 9), local(11, 25, 9)),          # 上午 -> the first morning slot
    (local(11, 25, 8), local(11, 25, 9)),          # 早上 -> when the window opens
    (local(11, 25, 10, 10), local(11, 25, 10, 30)),
    (local(11, 25, 12), local(11, 25, 14)),        # 中午 -> the first afternoon slot
    (local(11, 25, 14), local(11, 25, 14)),        # 下午
])
def test_a_time_of_day_rounds_to_the_first_slot_at_or_after_it(asked: datetime, expected: datetime) -> None:
    assert nearest_slot_start(LEGAL_ADVICE, asked, SHANGHAI) == expected


def test_rounding_stays_on_the_day_asked_for() -> None:
    assert nearest_slot_start(LEGAL_ADVICE, local(11, 25, 16, 10), SHANGHAI) is None
    assert nearest_slot_start(LEGAL_ADVICE, local(11, 24, 9), SHANGHAI) is None


def test_rounding_uses_the_local_day_of_a_utc_moment() -> None:
    # 01:00 UTC on the 25th is 09:00 in Shanghai.
    asked = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert nearest_slot_start(LEGAL_ADVICE, asked, SHANGHAI) == local(11, 25, 9)


def test_a_slot_start_in_the_coming_days_is_bookable() -> None:
    assert is_bookable_time(LEGAL_ADVICE, local(11, 25, 9, 30), NOW, SHANGHAI) is None


def test_a_time_in_the_past_is_refused() -> None:
    assert is_bookable_time(POLICE, local(11, 23, 9, 40), NOW, SHANGHAI) is SlotProblem.IN_PAST


def test_a_slot_starting_right_now_is_already_past() -> None:
    assert is_bookable_time(POLICE, local(11, 23, 10), NOW, SHANGHAI) is SlotProblem.IN_PAST


def test_a_day_without_hours_is_a_closed_day() -> None:
    assert is_bookable_time(LEGAL_ADVICE, local(11, 24, 9), NOW, SHANGHAI) is SlotProblem.CLOSED_DAY


def test_a_closed_date_is_a_closed_day() -> None:
    assert is_bookable_time(LEGAL_ADVICE, local(12, 5, 9), NOW, SHANGHAI) is SlotProblem.CLOSED_DAY


def test_a_time_between_slot_starts_is_not_a_slot() -> None:
    assert is_bookable_time(LEGAL_ADVICE, local(11, 25, 9, 10), NOW, SHANGHAI) is SlotProblem.NOT_A_SLOT


def test_a_time_outside_the_periods_of_an_open_day_is_not_a_slot() -> None:
    assert is_bookable_time(LEGAL_ADVICE, local(11, 25, 12), NOW, SHANGHAI) is SlotProblem.NOT_A_SLOT


def test_the_last_day_within_book_days_ahead_is_bookable_and_the_next_is_too_far() -> None:
    # 14 days ahead of Monday 23 November is Monday 7 December.
    assert is_bookable_time(POLICE, local(12, 7, 9), NOW, SHANGHAI) is None
    assert is_bookable_time(POLICE, local(12, 14, 9), NOW, SHANGHAI) is SlotProblem.TOO_FAR
    assert is_bookable_time(LEGAL_ADVICE, local(12, 9, 9), NOW, SHANGHAI) is SlotProblem.TOO_FAR
