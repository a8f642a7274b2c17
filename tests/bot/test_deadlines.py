"""Due times: same day by closing time, days by closing time on the last day, hours exact."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.office.deadlines import compute_due
from storage.profile.schema import OfficeHours, TimeLimit

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = OfficeHours()


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_same_day_is_due_at_closing_time() -> None:
    assert compute_due(local(23, 10), TimeLimit.parse("same_day"), SHANGHAI, HOURS) == local(23, 17, 30)


def test_same_day_after_closing_is_due_next_closing_time() -> None:
    assert compute_due(local(23, 18), TimeLimit.parse("same_day"), SHANGHAI, HOURS) == local(24, 17, 30)


def test_days_end_at_closing_time_of_the_last_day() -> None:
    assert compute_due(local(23, 10), TimeLimit.parse("3d"), SHANGHAI, HOURS) == local(26, 17, 30)


def test_local_date_decides_the_day_not_utc() -> None:
    # 01:00 on the 24th in Shanghai is still the 23rd in UTC.
    created = local(24, 1)
    assert created.astimezone(UTC).day == 23
    assert compute_due(created, TimeLimit.parse("same_day"), SHANGHAI, HOURS) == local(24, 17, 30)


def test_hours_are_exact() -> None:
    assert compute_due(local(23, 10), TimeLimit.parse("48h"), SHANGHAI, HOURS) == local(25, 10)


def test_due_time_is_utc_aware() -> None:
    assert compute_due(local(23, 10), TimeLimit.parse("2d"), SHANGHAI, HOURS).tzinfo == UTC
