"""The monthly ledger (台账) out of the data (PRODUCT.md §5: nothing is typed twice): the month's
tickets, certificates, appointments, notices, ratings and 公示 of one community, with their totals, as
an XLSX workbook or a printable PDF (`bot.console.ledger_files`).

A ledger is a staff record of work done, so it carries no resident's personal data: no names,
phones, ID numbers, units or rooms, and no description or objection. The free texts staff wrote, the result
of closing a ticket and how a 公示's objections were handled, are kept with any phone, ID number, unit or room
in them masked. The month is the district's local month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.stats import FollowUps, NoticeReach, Satisfaction, follow_ups_by_staff, notice_reach
from bot.core.masking import MaskStyle, mask_text
from bot.core.wording import Wording
from storage.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    CertificateRequest,
    PublicityStage,
    Rating,
    Staff,
    Ticket,
    TicketEvent,
    TicketEventKind,
)
from storage.profile import Profile
from storage.repositories.directory import get_community_by_id
from storage.repositories.participation import publicities_opened

REPLIES: dict[str, tuple[str, ...]] = {
    "ledger_title": ("community", "month", "year"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


__all__ = ["Ledger", "LedgerAppointment", "LedgerCertificate", "LedgerPublicity", "LedgerRating", "LedgerTicket",
           "LedgerTotals", "build_ledger", "month_bounds"]

MASK = "＊＊"
LEDGER_STYLE = MaskStyle(id_number=lambda _: MASK, digits=lambda _: MASK,
                         address=lambda address: MASK if address.unit or address.room else None)
"""ID and phone numbers and any other long number a resident could be traced by, and an address that names
a unit or room, each written ＊＊; a building alone stays, it is where the work was."""


@dataclass(frozen=True)
class LedgerTicket:
    number: str
    category: str
    intake_type: str
    created: datetime
    due: datetime
    closed: datetime | None
    assignee_role: str
    assignee: str
    result: str | None
    """What staff wrote on closing (personal details masked); none while open."""

    @property
    def on_time(self) -> bool | None:
        return None if self.closed is None else self.closed <= self.due


@dataclass(frozen=True)
class LedgerCertificate:
    number: str
    certificate: str
    requested: datetime
    ready: datetime | None


@dataclass(frozen=True)
class LedgerAppointment:
    number: str
    service: str
    time: datetime
    status: str
    """`booked`, `cancelled` or `done` (`AppointmentStatus`)."""


@dataclass(frozen=True)
class LedgerRating:
    ticket_number: str
    category: str
    staff: str
    satisfied: bool
    rated: datetime


@dataclass(frozen=True)
class LedgerPublicity:
    title: str
    subject: str
    opens: datetime
    closes: datetime | None
    """The end of the objection window."""
    closed: bool
    objections: int
    outcome: str | None
    """How staff handled the objections (personal details masked); none if they wrote nothing."""


@dataclass(frozen=True)
class LedgerTotals:
    tickets: int
    closed: int
    on_time: int
    late: int
    open: int
    certificates: int
    certificates_ready: int
    appointments: int
    appointments_done: int
    appointments_cancelled: int
    notices: int
    recipients: int
    delivered: int
    satisfied: int
    unsatisfied: int
    follow_ups: FollowUps
    """回访 asked in the month."""
    publicities: int
    objections: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.closed if self.closed else None

    @property
    def satisfied_share(self) -> float | None:
        rated = self.satisfied + self.unsatisfied
        return self.satisfied / rated if rated else None


@dataclass(frozen=True)
class Ledger:
    community: str
    month: date
    """The first day of the month."""
    wording: Wording
    """The profile's words for headings and labels, and its time zone for dates."""
    tickets: tuple[LedgerTicket, ...]
    certificates: tuple[LedgerCertificate, ...]
    appointments: tuple[LedgerAppointment, ...]
    notices: tuple[NoticeReach, ...]
    ratings: tuple[LedgerRating, ...]
    satisfaction: Satisfaction
    totals: LedgerTotals
    follow_ups: dict[str, FollowUps]
    """回访 asked in the month, by the staff member who handled the ticket."""
    publicities: tuple[LedgerPublicity, ...]
    """公示 published in the month, with the objections to each."""

    @property
    def title(self) -> str:
        return self.wording.render("ledger_title", community=self.community, year=self.month.year,
                                   month=self.month.month)


def month_bounds(month: date, profile: Profile) -> tuple[datetime, datetime]:
    """[start, end) of the local month holding `month`, as UTC instants."""
    first = month.replace(day=1)
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    tz = profile.timezone
    return (datetime.combine(first, time(), tzinfo=tz).astimezone(UTC),
            datetime.combine(following, time(), tzinfo=tz).astimezone(UTC))


async def build_ledger(session: AsyncSession, profile: Profile, community_id: int, month: date) -> Ledger:
    """The ledger of one community for the local month holding `month`: tickets and certificates
    requested in it, appointments whose time falls in it, notices sent, ratings given, 回访 asked and 公示 published
    in it."""
    community = await get_community_by_id(session, community_id)
    wording = Wording(profile, community.key)
    start, end = month_bounds(month, profile)
    tickets = await _tickets(session, profile, community_id, start, end)
    certificates = await _certificates(session, profile, community_id, start, end)
    appointments = await _appointments(session, profile, community_id, start, end)
    notices = tuple(await notice_reach(session, wording, community_id, start, end))
    ratings = await _ratings(session, profile, community_id, start, end)
    satisfaction = Satisfaction(sum(r.satisfied for r in ratings), sum(not r.satisfied for r in ratings))
    follow_ups = await follow_ups_by_staff(session, profile, wording, community_id, start, end)
    publicities = await _publicities(session, profile, community_id, start, end)
    totals = LedgerTotals(
        tickets=len(tickets), closed=sum(t.closed is not None for t in tickets),
        on_time=sum(t.on_time is True for t in tickets), late=sum(t.on_time is False for t in tickets),
        open=sum(t.closed is None for t in tickets), certificates=len(certificates),
        certificates_ready=sum(c.ready is not None for c in certificates), appointments=len(appointments),
        appointments_done=sum(a.status == AppointmentStatus.DONE for a in appointments),
        appointments_cancelled=sum(a.status == AppointmentStatus.CANCELLED for a in appointments),
        notices=len(notices), recipients=sum(n.recipients for n in notices),
        delivered=sum(n.delivered for n in notices), satisfied=satisfaction.satisfied,
        unsatisfied=satisfaction.unsatisfied,
        follow_ups=FollowUps.total(follow_ups.values()), publicities=len(publicities),
        objections=sum(p.objections for p in publicities))
    return Ledger(community.name, start.astimezone(profile.timezone).date(), wording, tickets, certificates,
                  appointments, notices, ratings, satisfaction, totals, follow_ups, publicities)


async def _tickets(session: AsyncSession, profile: Profile, community_id: int, start: datetime,
                   end: datetime) -> tuple[LedgerTicket, ...]:
    month = [Ticket.community_id == community_id, Ticket.created_at >= start, Ticket.created_at < end,
             Ticket.merged_into_id.is_(None)]  # a ticket merged into another is that one's, not a case of its own
    query = (select(Ticket.id, Ticket.number, Ticket.category_key, Ticket.intake_type, Ticket.created_at,
                    Ticket.due_at, Ticket.closed_at, Staff.role, Staff.name)
             .join(Staff, Staff.id == Ticket.assignee_id).where(*month).order_by(Ticket.created_at, Ticket.id))
    results = await _close_notes(session, month, end.date())
    roles = {role.value: name for role, name in profile.district.role_names.items()}
    intakes = profile.district.intake_types
    return tuple(
        LedgerTicket(number or "", _category(profile, key), intakes[kind].name if kind in intakes else kind, created,
                     due, closed, roles.get(role, role), name, results.get(ticket_id) if closed else None)
        for ticket_id, number, key, kind, created, due, closed, role, name in (await session.execute(query)).all())


async def _close_notes(session: AsyncSession, tickets: list[ColumnElement[bool]], today: date) -> dict[int, str]:
    """The result written at the latest closing of each ticket (a reopened ticket may close twice), masked."""
    query = (select(TicketEvent.ticket_id, TicketEvent.note)
             .where(TicketEvent.kind == TicketEventKind.CLOSED,
                    TicketEvent.ticket_id.in_(select(Ticket.id).where(*tickets)))
             .order_by(TicketEvent.created_at, TicketEvent.id))
    return {ticket_id: mask_personal(note or "", today) for ticket_id, note in (await session.execute(query)).all()}


async def _certificates(session: AsyncSession, profile: Profile, community_id: int, start: datetime,
                        end: datetime) -> tuple[LedgerCertificate, ...]:
    query = (select(Ticket.number, CertificateRequest.certificate_key, Ticket.created_at, CertificateRequest.ready_at)
             .join(CertificateRequest, CertificateRequest.ticket_id == Ticket.id)
             .where(Ticket.community_id == community_id, Ticket.created_at >= start, Ticket.created_at < end)
             .order_by(Ticket.created_at, Ticket.id))
    names = {key: certificate.name for key, certificate in profile.certificates.items()}
    return tuple(LedgerCertificate(number or "", names.get(key, key), requested, ready)
                 for number, key, requested, ready in (await session.execute(query)).all())


async def _appointments(session: AsyncSession, profile: Profile, community_id: int, start: datetime,
                        end: datetime) -> tuple[LedgerAppointment, ...]:
    query = (select(Appointment.number, Appointment.service_key, AppointmentSlot.starts_at, Appointment.status)
             .join(AppointmentSlot, AppointmentSlot.id == Appointment.slot_id)
             .where(Appointment.community_id == community_id, AppointmentSlot.starts_at >= start,
                    AppointmentSlot.starts_at < end)
             .order_by(AppointmentSlot.starts_at, Appointment.id))
    names = {key: service.name for key, service in profile.services.items()}
    return tuple(LedgerAppointment(number or "", names.get(key, key), starts, status)
                 for number, key, starts, status in (await session.execute(query)).all())


async def _ratings(session: AsyncSession, profile: Profile, community_id: int, start: datetime,
                   end: datetime) -> tuple[LedgerRating, ...]:
    """Ratings given in the month (the ticket may be older); their comments are the resident's words
    and stay out."""
    query = (select(Ticket.number, Ticket.category_key, Staff.name, Rating.satisfied, Rating.created_at)
             .join(Ticket, Ticket.id == Rating.ticket_id).join(Staff, Staff.id == Rating.staff_id)
             .where(Ticket.community_id == community_id, Rating.created_at >= start, Rating.created_at < end)
             .order_by(Rating.created_at, Rating.id))
    return tuple(LedgerRating(number or "", _category(profile, key), staff, bool(satisfied), rated)
                 for number, key, staff, satisfied, rated in (await session.execute(query)).all())


async def _publicities(session: AsyncSession, profile: Profile, community_id: int, start: datetime,
                       end: datetime) -> tuple[LedgerPublicity, ...]:
    """公示 published in the month (the window may end in the next); their text may list names and stays out."""
    settings = profile.participation.publicity
    subjects = {subject.key: subject.name for subject in settings.subjects} if settings else {}
    return tuple(
        LedgerPublicity(publicity.title, subjects.get(publicity.subject, publicity.subject),
                        publicity.opens_at or start, publicity.closes_at, publicity.stage == PublicityStage.CLOSED,
                        objections, mask_personal(publicity.outcome, end.date()) if publicity.outcome else None)
        for publicity, objections in await publicities_opened(session, community_id, start, end))


def _category(profile: Profile, key: str) -> str:
    category = profile.categories.get(key)
    return category.name if category else key


def mask_personal(text: str, today: date) -> str:
    """The text with ID and phone numbers, long numbers and any address naming a unit or room written ＊＊;
    a building alone stays (it is where the work was, not who asked). `today` bounds an ID's birth date."""
    return mask_text(text, today, LEDGER_STYLE)
