"""Due times in working days (工作日): same day by closing time, days by closing time on the last working day,
hours exact; national holidays and 调休 days from chinese-calendar, the profile's calendar.yaml on top."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.office.deadlines import compute_due
from storage.profile.schema import CalendarDays, OfficeHours, TimeLimit
from storage.work_calendar import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = OfficeHours()
NATIONAL = WorkCalendar(CalendarDays())


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """November 2026: the 23rd is a Monday."""
    return at(2026, 11, day, hour, minute)


def due(created: datetime, limit: str, calendar: WorkCalendar = NATIONAL) -> datetime:
    return compute_due(created, TimeLimit.parse(limit), SHANGHAI, HOURS, calendar)


def test_same_day_is_due_at_closing_time() -> None:
    assert due(local(23, 10), "same_day") == local(23, 17, 30)


def test_same_day_after_closing_is_due_next_closing_time() -> None:
    assert due(local(23, 18), "same_day") == local(24, 17, 30)


def test_days_end_at_closing_time_of_the_last_day() -> None:
    assert due(local(23, 10), "3d") == local(26, 17, 30)


def test_local_date_decides_the_day_not_utc() -> None:
    # 01:00 on the 24th in Shanghai is still the 23rd in UTC.
    created = local(24, 1)
    assert created.astimezone(UTC).day == 23
    assert due(created, "same_day") == local(24, 17, 30)


def test_hours_are_exact_nights_weekends_and_holidays_included() -> None:
    assert due(local(23, 10), "48h") == local(25, 10)
    assert due(at(2026, 4, 3, 18), "1h") == at(2026, 4, 3, 19)


def test_due_time_is_utc_aware() -> None:
    assert due(local(23, 10), "2d").tzinfo == UTC


def test_a_same_day_matter_filed_friday_evening_before_a_holiday_is_due_on_the_first_working_day_after() -> None:
    # 2026-04-03 is a Friday; 清明 takes Saturday 4 to Monday 6 April.
    assert due(at(2026, 4, 3, 18), "same_day") == at(2026, 4, 7, 17, 30)


def test_a_make_up_sunday_counts_as_a_working_day() -> None:
    # 元旦 2026: 1-3 January off, Sunday 4 January worked (调休). From Wednesday 31 December: the 4th, 5th, 6th.
    assert due(at(2025, 12, 31, 10), "3d") == at(2026, 1, 6, 17, 30)


def test_weekends_do_not_count_and_a_weekend_report_starts_on_monday() -> None:
    assert due(local(27, 10), "3d") == at(2026, 12, 2, 17, 30)  # Friday: Mon 30, Tue 1, Wed 2
    assert due(local(28, 10), "same_day") == local(30, 17, 30)  # Saturday
    assert due(local(28, 10), "3d") == at(2026, 12, 3, 17, 30)  # from Monday 30: Tue, Wed, Thu


def test_after_closing_a_matter_starts_the_next_working_morning() -> None:
    assert due(local(23, 18), "3d") == local(27, 17, 30)  # Monday evening: from Tuesday


def test_the_profile_adds_a_local_closure_and_a_working_saturday() -> None:
    calendar = WorkCalendar(CalendarDays(holidays=[date(2026, 11, 24)], workdays=[date(2026, 11, 28)]))
    assert due(local(23, 18), "same_day", calendar) == local(25, 17, 30)
    assert due(local(27, 18), "same_day", calendar) == local(28, 17, 30)


def test_a_year_nobody_knows_counts_monday_to_friday() -> None:
    calendar = WorkCalendar(CalendarDays())
    assert not calendar.known(2031).national
    assert due(at(2031, 1, 3, 10), "3d", calendar) == at(2031, 1, 8, 17, 30)  # Friday: Mon 6, Tue 7, Wed 8


def test_a_day_cannot_be_both_a_holiday_and_a_workday() -> None:
    with pytest.raises(ValueError, match="both a holiday and a workday"):
        CalendarDays(holidays=[date(2027, 1, 1)], workdays=[date(2027, 1, 1)])


def test_an_operator_is_told_which_coming_year_to_fill_in() -> None:
    assert NATIONAL.years_to_fill_in(date(2026, 6, 1)) == []
    assert NATIONAL.years_to_fill_in(date(2026, 12, 5)) == [2027]  # 45 days before the year turns
    assert NATIONAL.years_to_fill_in(date(2031, 3, 1)) == [2031]
    filled = WorkCalendar(CalendarDays(holidays=[date(2027, 1, 1)]))
    assert filled.years_to_fill_in(date(2026, 12, 5)) == []
