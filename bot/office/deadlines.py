"""Due times from an intake type's time limit, in the district's own time zone and working days.

A matter that comes in on a working day before closing time starts that day; one that comes after closing,
or on a weekend or holiday, starts on the next working morning. `same_day` is due at closing time on the
day it starts; a limit in days ends at closing time on that many working days after it starts, as offices
read "3日内办结" (调休 Saturdays and Sundays count, holidays do not: `storage.work_calendar`); a limit
in hours is exact, nights and holidays included (emergencies do not wait for Monday).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.profile.schema import OfficeHours, TimeLimit
from storage.work_calendar import WorkCalendar


def compute_due(created: datetime, limit: TimeLimit, timezone: ZoneInfo, hours: OfficeHours,
                calendar: WorkCalendar) -> datetime:
    if limit.hours:
        return (created + timedelta(hours=limit.hours)).astimezone(UTC)
    start = start_day(created, timezone, hours, calendar)
    last_day = start if limit.same_day else calendar.working_days_after(start, limit.days)
    return datetime.combine(last_day, hours.close, timezone).astimezone(UTC)


def start_day(created: datetime, timezone: ZoneInfo, hours: OfficeHours, calendar: WorkCalendar) -> date:
    """The working day a matter counts from: today before closing on a working day, else the next working day."""
    local = created.astimezone(timezone)
    if calendar.is_working_day(local.date()) and local.time() < hours.close:
        return local.date()
    return calendar.working_day_from(local.date() + timedelta(days=1))


def working_time_between(start: datetime, end: datetime, timezone: ZoneInfo, hours: OfficeHours,
                         calendar: WorkCalendar) -> timedelta:
    """Office time on working days between two moments: how long a paused ticket's clock stood still."""
    total = timedelta(0)
    day, last = start.astimezone(timezone).date(), end.astimezone(timezone).date()
    while day <= last:
        if calendar.is_working_day(day):
            opens, closes = datetime.combine(day, hours.open, timezone), datetime.combine(day, hours.close, timezone)
            total += max(timedelta(0), min(closes, end) - max(opens, start))
        day += timedelta(days=1)
    return total


def add_working_time(moment: datetime, span: timedelta, timezone: ZoneInfo, hours: OfficeHours,
                     calendar: WorkCalendar) -> datetime:
    """`moment` moved on by `span` of office time on working days (a deadline at Tuesday's closing moved on by
    two hours falls at 10:30 on the next working day)."""
    if span <= timedelta(0):
        return moment
    left, day = span, moment.astimezone(timezone).date()
    while True:
        if calendar.is_working_day(day):
            opens, closes = datetime.combine(day, hours.open, timezone), datetime.combine(day, hours.close, timezone)
            start = max(opens, moment)
            if start < closes:
                if start + left <= closes:
                    return (start + left).astimezone(UTC)
                left -= closes - start
        day += timedelta(days=1)
