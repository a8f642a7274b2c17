"""When a service can be booked: weekly opening periods cut into slots, in the district's time zone.

Pure: no database. Slots are computed from the profile; a slot row exists in the database only
once someone books it (see `storage.repositories.appointments`).

A resident rarely names an exact slot start: 「下周三上午」 arrives as Wednesday 09:00 and
「下午」 as 14:00 (see `nlu.zh_datetime`). `nearest_slot_start` rounds such a time of day to the
first slot at or after it in the same part of the day; `is_bookable_time` then judges the rounded value
and answers NOT_A_SLOT for a time that has no slot left in its part of the day. A morning never becomes
an afternoon unsaid: a resident who asked for 09:30 and is booked at 14:00 may stand at a closed door.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from storage.profile.schema import Service, Weekday
from storage.slot_problem import SlotProblem
from storage.work_calendar import NATIONAL_ONLY

_WEEKDAYS = list(Weekday)  # Monday first, like date.weekday()


def opening_periods(service: Service, day: date) -> list[tuple[time, time]]:
    """The periods the service is open on that day; none on a closed date, nor on a national public holiday
    that falls on a weekday (unless the service opens then). A 调休 Saturday keeps the service's Saturday hours."""
    if day in service.closed_dates:
        return []
    if not service.open_on_public_holidays and NATIONAL_ONLY.is_public_holiday(day):
        return []
    periods = service.hours.get(_WEEKDAYS[day.weekday()], [])
    return [_parse_period(period) for period in periods]


def slot_starts(service: Service, day: date, tz: tzinfo) -> list[datetime]:
    """Every slot start on that local day, aware in `tz`; a period's incomplete tail is no slot."""
    length = timedelta(minutes=service.slot_minutes)
    starts: list[datetime] = []
    for opens, closes in opening_periods(service, day):
        # Wall-clock arithmetic, so a DST change inside a period does not shift the slots.
        start, end = datetime.combine(day, opens), datetime.combine(day, closes)
        while start + length <= end:
            starts.append(start.replace(tzinfo=tz))
            start += length
    return starts


def slot_end(service: Service, start: datetime) -> datetime:
    return start + timedelta(minutes=service.slot_minutes)


NOON, EVENING = time(12), time(18)


def part_of_day(moment: datetime) -> int:
    """0 morning, 1 afternoon, 2 evening, on the moment's own clock."""
    clock = moment.timetz().replace(tzinfo=None)
    return 0 if clock < NOON else 1 if clock < EVENING else 2


def nearest_slot_start(service: Service, moment: datetime, tz: tzinfo, *, any_time: bool = False) -> datetime | None:
    """The first slot at or after `moment` in the same part of its local day (09:00 for 上午 -> the
    09:00 slot, 08:00 for 早上 -> 08:30 when the window opens then); None when that part has none left.
    With `any_time` (a day named without a time: 「下周三」) the first slot of the day."""
    local = moment.astimezone(tz)
    return next((start for start in slot_starts(service, local.date(), tz)
                 if start >= moment and (any_time or part_of_day(start) == part_of_day(local))), None)


def last_bookable_day(service: Service, now: datetime, tz: tzinfo) -> date:
    return now.astimezone(tz).date() + timedelta(days=service.book_days_ahead)


def is_bookable_time(service: Service, moment: datetime, now: datetime, tz: tzinfo) -> SlotProblem | None:
    """Why `moment` cannot be booked, or None when it is a slot start a resident may take."""
    if moment <= now:
        return SlotProblem.IN_PAST
    day = moment.astimezone(tz).date()
    if day > last_bookable_day(service, now, tz):
        return SlotProblem.TOO_FAR
    starts = slot_starts(service, day, tz)
    if not starts:
        return SlotProblem.CLOSED_DAY
    if moment not in starts:
        return SlotProblem.NOT_A_SLOT
    return None


def _parse_period(period: str) -> tuple[time, time]:
    opens, _, closes = period.partition("-")
    return time.fromisoformat(opens), time.fromisoformat(closes)
