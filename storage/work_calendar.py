"""Working days as Chinese offices count them (工作日): the national public holidays and their make-up working
days (调休) from the `chinese-calendar` package, with the profile's `calendar.yaml` added or overriding.

The package knows the years the State Council had announced when it was released; for a year it does not know
and the profile does not fill in, Monday to Friday are taken as working days and `frontdoor calendar check
YEAR` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from storage.profile.schema import CalendarDays


@dataclass(frozen=True)
class YearKnown:
    year: int
    national: bool
    """Whether the package knows this year's holidays and make-up days."""
    overrides: int
    """Days the profile's calendar.yaml sets in this year."""


class WorkCalendar:
    def __init__(self, days: CalendarDays) -> None:
        self._holidays = frozenset(days.holidays)
        self._workdays = frozenset(days.workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # a year the package does not know
            return day.weekday() < 5

    def is_holiday(self, day: date) -> bool:
        """A day off for a holiday rather than an ordinary weekend: a national one (the weekend days inside its
        break too) or one of calendar.yaml's."""
        if self.is_working_day(day):
            return False
        if day in self._holidays:
            return True
        try:
            return chinese_calendar.get_holiday_detail(day)[1] is not None
        except NotImplementedError:
            return False

    def working_day_from(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_after(self, day: date, count: int) -> date:
        """The `count`th working day after `day` (`day` itself not counted)."""
        for _ in range(count):
            day = self.working_day_from(day + timedelta(days=1))
        return day

    def is_public_holiday(self, day: date) -> bool:
        """A weekday the offices are closed (a national holiday, or one of calendar.yaml's)."""
        return day.weekday() < 5 and not self.is_working_day(day)

    def years_to_fill_in(self, today: date, ahead: timedelta = timedelta(days=45)) -> list[int]:
        """This year, and next year once it is less than `ahead` away, when neither the package nor the profile
        knows their days: what an operator should add to calendar.yaml now."""
        years = sorted({today.year, (today + ahead).year})
        return [year for year in years if not self._known_at_all(self.known(year))]

    @staticmethod
    def _known_at_all(known: YearKnown) -> bool:
        return known.national or known.overrides > 0

    def known(self, year: int) -> YearKnown:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            national = True
        except NotImplementedError:
            national = False
        overrides = sum(1 for day in self._holidays | self._workdays if day.year == year)
        return YearKnown(year, national, overrides)


NATIONAL_ONLY = WorkCalendar(CalendarDays())
"""The national calendar without a profile's days, for code that has no profile at hand (services' slots)."""
