"""Who is on duty: the profile's rota (`rota.yaml`) with the changes a secretary made for a date (`RotaOverride`).

A shift belongs to the day it starts on: at 02:00 on a Tuesday the police officer on duty is the one of Monday's
night shift. The kind of day comes from the work calendar, so a 调休 Sunday has the weekday shifts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import FrontdoorError
from storage.db import dialect_insert
from storage.models import Community, RotaOverride, Staff
from storage.profile import Profile
from storage.profile.rota import DayKind, Shift
from storage.profile.schema import Category, StaffRole
from storage.repositories.directory import active_staff_by_keys
from storage.work_calendar import WorkCalendar

DAYS_SHOWN = 7
"""The console's rota: today and the six days after it."""


class RotaChangeRefused(FrontdoorError):  # noqa: N818 -- the outcome the secretary is shown
    """`reason`: `past` (the shift has ended), `no_shift` (none of that role starts then that day), `not_eligible`
    (not an active staff member of the community with the shift's role)."""

    code = "rota_change_refused"
    status = 422

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DutyShift:
    shift: Shift
    day: date
    """The day it starts on."""
    starts_at: datetime
    ends_at: datetime
    person: str
    """The staff key on duty: the rota's person, or whom a secretary put in for this date."""
    changed: bool = False
    """A secretary put `person` on it for this date instead of the rota's."""

    @property
    def starts(self) -> str:
        return f"{self.shift.starts:%H:%M}"

    def open_to_change(self, now: datetime) -> bool:
        """Not ended yet: a secretary may still put someone else on it (a night shift runs into the next day).
        Who was on duty for an ended shift is history."""
        return self.ends_at > now

    @property
    def staff_keys(self) -> list[str]:
        """Who takes what comes in during the shift: the person, then the backup."""
        return list(dict.fromkeys([self.person, *([self.shift.backup] if self.shift.backup else [])]))


def day_kind(calendar: WorkCalendar, day: date) -> DayKind:
    if calendar.is_working_day(day):
        return DayKind.WEEKDAY
    return DayKind.HOLIDAY if calendar.is_holiday(day) else DayKind.WEEKEND


def planned(profile: Profile, community_key: str, day: date) -> list[DutyShift]:
    """The rota's shifts starting on `day`, as the profile has them."""
    kind = day_kind(WorkCalendar(profile.calendar_days), day)
    zone = profile.timezone
    shifts = []
    for shift in profile.rota.shifts(community_key):
        if shift.days == kind:
            ends_on = day + timedelta(days=1) if shift.overnight else day
            shifts.append(DutyShift(shift, day, datetime.combine(day, shift.starts, zone),
                                    datetime.combine(ends_on, shift.ends, zone), shift.person))
    return sorted(shifts, key=lambda duty: (duty.shift.role, duty.starts_at))


async def shifts_on(session: AsyncSession, profile: Profile, community: Community, day: date) -> list[DutyShift]:
    """The shifts starting on `day` with the changes made for it."""
    query = (select(RotaOverride.role, RotaOverride.starts, Staff.key).join(Staff, Staff.id == RotaOverride.staff_id)
             .where(RotaOverride.community_id == community.id, RotaOverride.day == day))
    changes = {(role, starts): key for role, starts, key in await session.execute(query)}
    shifts = []
    for duty in planned(profile, community.key, day):
        person = changes.get((duty.shift.role.value, duty.starts))
        shifts.append(duty if person is None else replace(duty, person=person, changed=True))
    return shifts


async def on_duty(session: AsyncSession, profile: Profile, community: Community, role: StaffRole,
                  at: datetime) -> list[str]:
    """The staff keys on duty for `role` at `at` in `community`: each covering shift's person, then its backup.
    The shifts that started the day before count too, for a night shift runs into the next day."""
    local_day = at.astimezone(profile.timezone).date()
    keys: list[str] = []
    for day in (local_day - timedelta(days=1), local_day):
        for duty in await shifts_on(session, profile, community, day):
            if duty.shift.role == role and duty.starts_at <= at < duty.ends_at:
                keys += duty.staff_keys
    return list(dict.fromkeys(keys))


async def on_duty_staff(session: AsyncSession, profile: Profile, community: Community, role: StaffRole,
                        at: datetime) -> list[Staff]:
    """Those on duty for `role` at `at` who are active, first whoever should take it."""
    return await active_staff_by_keys(session, await on_duty(session, profile, community, role, at))


def duty_role(profile: Profile, category: Category) -> StaffRole | None:
    """The role whose person on duty takes the category's tickets; None when the rota does not route it."""
    return StaffRole(category.handled_by) if category.key in profile.rota.categories else None


async def is_on_duty(session: AsyncSession, profile: Profile, community: Community, category: Category, staff: Staff,
                     at: datetime) -> bool:
    """Whether `staff` is on duty at `at` for the tickets of `category`."""
    role = duty_role(profile, category)
    return role is not None and staff.active and staff.key in await on_duty(session, profile, community, role, at)


def days_from(day: date, count: int = DAYS_SHOWN) -> list[date]:
    """`day` and the days after it, `count` in all: on a Sunday the next week's Monday is among them."""
    return [day + timedelta(days=i) for i in range(count)]


async def change_shift(session: AsyncSession, profile: Profile, community: Community, day: date, role: StaffRole,
                       starts: str, staff_key: str, by: Staff, now: datetime) -> None:
    """Put `staff_key` on duty for the shift of `role` starting on `day` at `starts`; naming the rota's own
    person undoes an earlier change. Only a shift that has not ended: who was on duty is history, but the
    night shift still running at 02:00 can have someone else put on it. Two secretaries saving the same shift
    at once both succeed (an upsert on the change's unique key), the later one's choice staying."""
    duty = next((d for d in planned(profile, community.key, day) if d.shift.role == role and d.starts == starts),
                None)
    if duty is None:
        raise RotaChangeRefused("past" if day < now.astimezone(profile.timezone).date() else "no_shift")
    if not duty.open_to_change(now):
        raise RotaChangeRefused("past")
    staff = await session.scalar(select(Staff).where(Staff.key == staff_key, Staff.active, Staff.role == role.value,
                                                     Staff.community_id == community.id))
    if staff is None:
        raise RotaChangeRefused("not_eligible")
    this_shift = (RotaOverride.community_id == community.id, RotaOverride.role == role.value,
                  RotaOverride.day == day, RotaOverride.starts == starts)
    if staff_key == duty.shift.person:
        await session.execute(delete(RotaOverride).where(*this_shift).execution_options(synchronize_session=False))
        return
    insert = dialect_insert(session)
    values = {"staff_id": staff.id, "set_by_id": by.id, "created_at": now}
    await session.execute(
        insert(RotaOverride).values(community_id=community.id, role=role.value, day=day, starts=starts, **values)
        .on_conflict_do_update(index_elements=["community_id", "role", "day", "starts"], set_=values))
