"""The community's numbers for the console dashboard (PRODUCT.md §5: on-time rate, satisfaction, reach).

Every figure is an aggregate the database computes (GROUP BY), over fields a resident's erasure
keeps: a ticket's category, intake type, building, dates, status and assignee, a rating's
satisfied flag, appointments' service and time, notices' deliveries. Nothing here reads a name, a
phone, a unit or room, or a description, so erasing a resident leaves every figure unchanged.

Tickets are those opened in [start, end); on time means closed_at <= due_at. Weeks start on Monday
in the district's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.wording import Wording
from storage.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    Area,
    Building,
    Community,
    FollowUp,
    Notice,
    OutboxMessage,
    Rating,
    Staff,
    Ticket,
)
from storage.profile import Profile
from storage.repositories.directory import get_community_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "stats_no_building": (),
    "stats_area_of_community": ("area", "community"),
    "stats_notice_update": ("headline",),
    "stats_notice_cancel": ("headline",),
    "stats_staff_with_role": ("name", "role"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class OnTime:
    on_time: int
    """Closed no later than due."""
    closed: int
    open_overdue: int
    """Not closed, and past due at the time of computing."""

    @property
    def late(self) -> int:
        return self.closed - self.on_time

    @property
    def share(self) -> float | None:
        """On time out of those whose outcome is known (closed, or already overdue): leaving a ticket
        open past its due time counts against the rate instead of hiding it."""
        return _share(self.on_time, self.closed + self.open_overdue)


@dataclass(frozen=True)
class Satisfaction:
    satisfied: int
    unsatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.unsatisfied

    @property
    def share(self) -> float | None:
        return _share(self.satisfied, self.total)


@dataclass(frozen=True)
class FollowUps:
    """回访 asked in a period (by message or recorded after a call) and how they were answered."""

    asked: int
    answered: int
    satisfied: int

    @property
    def rate(self) -> float | None:
        """The follow-up rate: answered out of asked."""
        return _share(self.answered, self.asked)

    @property
    def satisfaction(self) -> float | None:
        return _share(self.satisfied, self.answered)

    @staticmethod
    def total(parts: Iterable[FollowUps]) -> FollowUps:
        found = list(parts)
        return FollowUps(sum(f.asked for f in found), sum(f.answered for f in found), sum(f.satisfied for f in found))


@dataclass(frozen=True)
class NoticeReach:
    headline: str
    """The notice's headline; an Update or a Cancel is marked as such (profile wording)."""
    sent_at: datetime
    recipients: int
    delivered: int
    not_delivered: int
    """Given up: no platform could take it (blocked, outside WeChat's window, notice withdrawn ...)."""

    @property
    def pending(self) -> int:
        return max(self.recipients - self.delivered - self.not_delivered, 0)

    @property
    def share(self) -> float | None:
        return _share(self.delivered, self.recipients)


@dataclass(frozen=True)
class Dashboard:
    """Counts by name are ordered largest first; names are the profile's."""

    tickets_by_category: dict[str, int]
    tickets_by_area: dict[str, int]
    """Area name (across communities: community and area), or the profile's "no building" label."""
    tickets_by_week: list[tuple[date, int]]
    """Local Monday -> tickets opened that week, every week of the period, empty ones too."""
    on_time_by_intake: dict[str, OnTime]
    on_time_by_staff: dict[str, OnTime]
    """By the ticket's current assignee."""
    median_hours_to_close: float | None
    satisfaction: Satisfaction
    """Ratings given in the period."""
    appointments_by_service: dict[str, int]
    """Bookings not cancelled whose time falls in the period."""
    notice_reach: list[NoticeReach]
    """Notices sent in the period, oldest first."""
    unreached_tickets: int
    """Tickets opened in the period with a message to their resident that no platform took: residents whom
    the office has to phone or visit."""
    follow_ups_by_staff: dict[str, FollowUps]
    """回访 asked in the period, by the staff member who handled the ticket."""

    @property
    def follow_ups(self) -> FollowUps:
        return FollowUps.total(self.follow_ups_by_staff.values())


@dataclass(frozen=True)
class _Scope:
    community_id: int | None
    area_id: int | None
    start: datetime
    end: datetime

    def tickets(self) -> list[ColumnElement[bool]]:
        """Tickets opened in the period, in the community and area; one merged into another is not counted again."""
        return [Ticket.created_at >= self.start, Ticket.created_at < self.end, Ticket.merged_into_id.is_(None),
                *self.place()]

    def place(self) -> list[ColumnElement[bool]]:
        """Tickets of the community and area, whenever opened."""
        found: list[ColumnElement[bool]] = []
        if self.community_id is not None:
            found.append(Ticket.community_id == self.community_id)
        if self.area_id is not None:
            found.append(Ticket.building_id.in_(select(Building.id).where(Building.area_id == self.area_id)))
        return found

    def community(self, column: Any) -> list[ColumnElement[bool]]:
        return [] if self.community_id is None else [column == self.community_id]


async def compute_dashboard(session: AsyncSession, profile: Profile, community_id: int | None, start: datetime,
                            end: datetime, area_id: int | None = None, *, now: datetime) -> Dashboard:
    """The dashboard for tickets opened in [start, end) in one community (None: all) or one of its
    areas. `now` decides which open tickets are already overdue. Appointments
    (by slot time) and notices (by sending time) are the community's: they have no area."""
    scope = _Scope(community_id, area_id, start, end)
    community_key = (await get_community_by_id(session, community_id)).key if community_id is not None else None
    wording = Wording(profile, community_key)
    intake_names = {key: kind.name for key, kind in profile.district.intake_types.items()}
    return Dashboard(
        tickets_by_category=await _tickets_by_category(session, profile, scope),
        tickets_by_area=await _tickets_by_area(session, wording, scope),
        tickets_by_week=await _tickets_by_week(session, scope, profile.timezone),
        on_time_by_intake={intake_names.get(key, key): counts
                           for key, counts in (await _on_time_by(session, scope, Ticket.intake_type, now)).items()},
        on_time_by_staff=await _on_time_by_staff(session, profile, wording, scope, now),
        median_hours_to_close=await _median_hours_to_close(session, scope),
        satisfaction=await _satisfaction(session, scope),
        appointments_by_service=await _appointments_by_service(session, profile, scope),
        notice_reach=await notice_reach(session, wording, community_id, start, end),
        unreached_tickets=await _unreached_tickets(session, scope),
        follow_ups_by_staff=await follow_ups_by_staff(session, profile, wording, scope.community_id, start, end,
                                                      scope.place()),
    )


async def _unreached_tickets(session: AsyncSession, scope: _Scope) -> int:
    refused = select(OutboxMessage.ticket_id).where(OutboxMessage.ticket_id == Ticket.id,
                                                    OutboxMessage.resident_id == Ticket.resident_id,
                                                    OutboxMessage.staff_id.is_(None),
                                                    OutboxMessage.undeliverable_reason.is_not(None))
    return int(await session.scalar(select(func.count(Ticket.id)).where(*scope.tickets(), refused.exists())) or 0)


async def _tickets_by_category(session: AsyncSession, profile: Profile, scope: _Scope) -> dict[str, int]:
    query = select(Ticket.category_key, func.count()).where(*scope.tickets()).group_by(Ticket.category_key)
    counts: dict[str, int] = {}
    for key, count in (await session.execute(query)).all():
        name = category.name if (category := profile.categories.get(key)) else key
        counts[name] = counts.get(name, 0) + count
    return _largest_first(counts)


async def _tickets_by_area(session: AsyncSession, wording: Wording, scope: _Scope) -> dict[str, int]:
    """By the area of the ticket's building; across communities an area is named with its community."""
    query = (select(Area.id, Area.name, Community.name, func.count())
             .select_from(Ticket).outerjoin(Building, Building.id == Ticket.building_id)
             .outerjoin(Area, Area.id == Building.area_id).outerjoin(Community, Community.id == Area.community_id)
             .where(*scope.tickets()).group_by(Area.id, Area.name, Community.name))
    counts: dict[str, int] = {}
    for area_id, area, community, count in (await session.execute(query)).all():
        if area_id is None:
            label = wording.render("stats_no_building")
        elif scope.community_id is None:
            label = wording.render("stats_area_of_community", community=community, area=area)
        else:
            label = area
        counts[label] = counts.get(label, 0) + count
    return _largest_first(counts)


def week_starts(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """The local Mondays of the weeks that overlap [start, end)."""
    monday = start.astimezone(tz).date()
    monday -= timedelta(days=monday.weekday())
    weeks = []
    while _local_midnight(monday, tz) < end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


async def _tickets_by_week(session: AsyncSession, scope: _Scope, tz: ZoneInfo) -> list[tuple[date, int]]:
    """Each ticket falls in the first week whose next Monday is after it: one CASE, so the database
    buckets by local weeks without any time-zone function of its own."""
    weeks = week_starts(scope.start, scope.end, tz)
    if not weeks:
        return []
    week = case(*[(Ticket.created_at < _local_midnight(monday + timedelta(days=7), tz), index)
                  for index, monday in enumerate(weeks)], else_=len(weeks) - 1).label("week")
    bucketed = select(week).where(*scope.tickets()).subquery()  # GROUP BY a column, not a bound expression
    query = select(bucketed.c.week, func.count()).group_by(bucketed.c.week)
    counts = {int(index): int(count) for index, count in (await session.execute(query)).all()}
    return [(monday, counts.get(index, 0)) for index, monday in enumerate(weeks)]


def _on_time_columns(now: datetime) -> tuple[ColumnElement[Any], ...]:
    closed = Ticket.closed_at.is_not(None)
    return (
        func.sum(case((and_(closed, Ticket.closed_at <= Ticket.due_at), 1), else_=0)),
        func.count(Ticket.closed_at),
        func.sum(case((and_(Ticket.closed_at.is_(None), Ticket.paused_at.is_(None), Ticket.due_at < now), 1),
                      else_=0)),
    )


async def _on_time_by(session: AsyncSession, scope: _Scope, column: Any, now: datetime) -> dict[str, OnTime]:
    query = (select(column, *_on_time_columns(now))
             .where(*scope.tickets()).group_by(column).order_by(column))
    return {key: OnTime(int(on_time or 0), int(closed or 0), int(overdue or 0))
            for key, on_time, closed, overdue in (await session.execute(query)).all()}


async def _on_time_by_staff(session: AsyncSession, profile: Profile, wording: Wording, scope: _Scope,
                            now: datetime) -> dict[str, OnTime]:
    """By the current assignee."""
    query = (select(Staff.id, Staff.name, Staff.role, *_on_time_columns(now))
             .join(Staff, Staff.id == Ticket.assignee_id).where(*scope.tickets())
             .group_by(Staff.id, Staff.name, Staff.role).order_by(Staff.name, Staff.id))
    rows = (await session.execute(query)).all()
    labels = staff_labels(profile, wording, [(staff_id, name, role) for staff_id, name, role, *_ in rows])
    return {label: OnTime(int(on_time or 0), int(closed or 0), int(overdue or 0))
            for label, (_, _, _, on_time, closed, overdue) in zip(labels, rows, strict=True)}


async def follow_ups_by_staff(session: AsyncSession, profile: Profile, wording: Wording, community_id: int | None,
                              start: datetime, end: datetime,
                              place: Sequence[ColumnElement[bool]] = ()) -> dict[str, FollowUps]:
    """回访 asked in [start, end) on tickets of the community (and `place`), by the staff member who handled the
    ticket."""
    answered = FollowUp.answered_at.is_not(None)
    query = (select(Staff.id, Staff.name, Staff.role, func.count(), func.count(FollowUp.answered_at),
                    func.sum(case((and_(answered, FollowUp.satisfied.is_(True)), 1), else_=0)))
             .join(Ticket, Ticket.id == FollowUp.ticket_id).join(Staff, Staff.id == FollowUp.staff_id)
             .where(FollowUp.asked_at >= start, FollowUp.asked_at < end, *place,
                    *([] if community_id is None else [Ticket.community_id == community_id]))
             .group_by(Staff.id, Staff.name, Staff.role).order_by(Staff.name, Staff.id))
    rows = (await session.execute(query)).all()
    labels = staff_labels(profile, wording, [(staff_id, name, role) for staff_id, name, role, *_ in rows])
    return {label: FollowUps(int(asked), int(done), int(satisfied or 0))
            for label, (_, _, _, asked, done, satisfied) in zip(labels, rows, strict=True)}


def staff_labels(profile: Profile, wording: Wording, people: Sequence[tuple[int, str, str]]) -> list[str]:
    """Each (id, name, role) by name; two people of the same name are told apart by their role, then their id."""
    names = [name for _, name, _ in people]
    role_names = {role.value: name for role, name in profile.district.role_names.items()}
    labels: list[str] = []
    for staff_id, name, role in people:
        label = name if names.count(name) == 1 else wording.render(
            "stats_staff_with_role", name=name, role=role_names.get(role, role))
        labels.append(f"{label} #{staff_id}" if label in labels else label)
    return labels


def _hours_to_close(session: AsyncSession) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", Ticket.closed_at - Ticket.created_at) / 3600.0
    return (func.julianday(Ticket.closed_at) - func.julianday(Ticket.created_at)) * 24.0


async def _median_hours_to_close(session: AsyncSession, scope: _Scope) -> float | None:
    """The middle one or two durations, found by ORDER BY ... OFFSET (SQLite has no percentile)."""
    closed = [*scope.tickets(), Ticket.closed_at.is_not(None)]
    count = int(await session.scalar(select(func.count()).select_from(Ticket).where(*closed)) or 0)
    if count == 0:
        return None
    hours = _hours_to_close(session)
    middle = select(hours).where(*closed).order_by(hours).offset((count - 1) // 2).limit(2 - count % 2)
    values = [float(value) for value in (await session.scalars(middle)).all()]
    return round(sum(values) / len(values), 2)


async def _satisfaction(session: AsyncSession, scope: _Scope) -> Satisfaction:
    """Ratings given in the period on tickets of the community (and area)."""
    query = (select(Rating.satisfied, func.count()).join(Ticket, Ticket.id == Rating.ticket_id)
             .where(Rating.created_at >= scope.start, Rating.created_at < scope.end, *scope.place())
             .group_by(Rating.satisfied))
    counts = {bool(satisfied): int(count) for satisfied, count in (await session.execute(query)).all()}
    return Satisfaction(counts.get(True, 0), counts.get(False, 0))


async def _appointments_by_service(session: AsyncSession, profile: Profile, scope: _Scope) -> dict[str, int]:
    """Bookings (not cancelled) whose time falls in the period."""
    query = (select(Appointment.service_key, func.count())
             .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
             .where(AppointmentSlot.starts_at >= scope.start, AppointmentSlot.starts_at < scope.end,
                    Appointment.status != AppointmentStatus.CANCELLED, *scope.community(Appointment.community_id))
             .group_by(Appointment.service_key))
    counts: dict[str, int] = {}
    for key, count in (await session.execute(query)).all():
        name = service.name if (service := profile.services.get(key)) else key
        counts[name] = counts.get(name, 0) + count
    return _largest_first(counts)


async def notice_reach(session: AsyncSession, wording: Wording, community_id: int | None, start: datetime,
                       end: datetime) -> list[NoticeReach]:
    """Notices sent in [start, end) with their delivery counts, oldest first."""
    query = (select(Notice.headline, Notice.msg_type, Notice.sent_at, Notice.recipients,
                    func.count(OutboxMessage.delivered_at), func.count(OutboxMessage.undeliverable_reason))
             .outerjoin(OutboxMessage, OutboxMessage.notice_id == Notice.id)
             .where(Notice.sent_at >= start, Notice.sent_at < end,
                    *([] if community_id is None else [Notice.community_id == community_id]))
             .group_by(Notice.id, Notice.headline, Notice.msg_type, Notice.sent_at, Notice.recipients)
             .order_by(Notice.sent_at, Notice.id))
    return [NoticeReach(notice_headline(wording, headline, msg_type), cast(datetime, sent_at),  # filtered non-null
                        int(recipients or 0), int(delivered),
                        int(undelivered))
            for headline, msg_type, sent_at, recipients, delivered, undelivered in (await session.execute(query)).all()]


def notice_headline(wording: Wording, headline: str, msg_type: str) -> str:
    """An Update or a Cancel carries the headline of the notice it replaces: say which it is."""
    if msg_type == "Update":
        return wording.render("stats_notice_update", headline=headline)
    if msg_type == "Cancel":
        return wording.render("stats_notice_cancel", headline=headline)
    return headline


def _largest_first(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
