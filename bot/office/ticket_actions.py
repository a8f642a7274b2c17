"""What staff do to a ticket (claim, hand on, close) and what the resident says about it (PRODUCT.md
§2: the help log's 满意 / 不满意; an unsatisfied case is worked on until it is resolved). Staff
close; the resident is asked 满意 / 不满意; 不满意 reopens the ticket and tells the assignee and
their area lead. `may_act_on` is the one rule for who may act. Everything runs in the caller's
transaction; messages go to the outbox."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import PermissionDenied, StaffNotFoundError, TicketNotFoundError, TicketStateError
from bot.core.masking import mask_as_logs
from bot.core.wording import Wording
from bot.office.follow_up_schedule import schedule_follow_up
from bot.office.pause_clock import end_pause
from bot.office.reopen_cards import ReopenedBy, reopened_card
from bot.office.reporters import tell_reporters
from bot.office.ticketing import format_datetime, fresh_deadline
from nlu.payloads import button_payload
from storage.models import (
    Area,
    Building,
    Rating,
    Resident,
    Staff,
    StaffChannel,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketStatus,
)
from storage.profile import Profile
from storage.profile.schema import StaffRole
from storage.repositories import outbox
from storage.repositories.directory import find_active_staff, first_staff_with_role, get_community_by_id
from storage.repositories.tickets import get_ticket_by_number

REPLIES: dict[str, tuple[str, ...]] = {
    "ticket_claimed_for_resident": ("assignee", "category", "due", "ticket_no"),
    "ticket_closed_feedback": ("assignee", "category", "result", "ticket_no"),
    "choice_satisfied": (),
    "choice_unsatisfied": (),
    "staff_reopen_note": ("note", "ticket_no"),
    "staff_ticket_reassigned": ("by", "category", "description", "due", "ticket_no"),
    "staff_ticket_handed_away": ("assignee", "by", "category", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


CLOSED_KIND = "ticket_closed"
CLAIMED_KIND = "ticket_claimed"
REOPENED_KIND = "ticket_reopened"
REOPEN_NOTE_KIND = "ticket_reopen_note"
REASSIGNED_KIND = "ticket_reassigned"
HANDED_AWAY_KIND = "ticket_handed_away"
ASSIGNED_BY_NOTE = "by"
"""An `assigned` event's note when someone other than routing chose the assignee: `by <staff key>`."""
FEEDBACK_CHOICES = (("choice_satisfied", "feedback_satisfied"), ("choice_unsatisfied", "feedback_unsatisfied"))
SUPERVISING_ROLES = frozenset({StaffRole.SECRETARY.value, StaffRole.ADMIN.value, StaffRole.AREA_LEAD.value})
"""Besides the assignee, who in the ticket's community may close it."""


@dataclass(frozen=True)
class Reopened:
    ticket: Ticket
    event: TicketEvent
    lead: Staff
    rating: Rating


async def open_ticket_and_actor(session: AsyncSession, number: str, staff_key: str) -> tuple[Ticket, Staff]:
    """The ticket a staff action is about (locked), and the active staff member acting, or a typed error."""
    ticket = await get_ticket_by_number(session, number, for_update=True)
    if ticket is None:
        raise TicketNotFoundError(f"no ticket numbered {number}")
    staff = await session.scalar(select(Staff).where(Staff.key == staff_key, Staff.active))
    if staff is None:
        raise StaffNotFoundError(f"no active staff member {staff_key}")
    if ticket.status == TicketStatus.CLOSED:
        raise TicketStateError(f"{number} is already closed")
    return ticket, staff


async def closed_ticket_and_actor(session: AsyncSession, number: str, staff_key: str) -> tuple[Ticket, Staff]:
    """The closed ticket a staff action is about (reopening, a phone 回访), and the active staff member who may act
    on it, or a typed error. A ticket merged into another is that one's to reopen."""
    ticket = await get_ticket_by_number(session, number, for_update=True)
    if ticket is None:
        raise TicketNotFoundError(f"no ticket numbered {number}")
    staff = await session.scalar(select(Staff).where(Staff.key == staff_key, Staff.active))
    if staff is None or not await may_act_on(session, staff, ticket):
        raise PermissionDenied(f"{staff_key} may not act on {number}")
    if ticket.status != TicketStatus.CLOSED or ticket.merged_into_id is not None:
        raise TicketStateError(f"{number} is not closed, or was merged into another ticket")
    return ticket, staff


async def close_ticket(session: AsyncSession, profile: Profile, number: str, staff_key: str, result: str,
                       now: datetime) -> Ticket:
    """Close the ticket with its result and ask the resident whether they are satisfied."""
    ticket, staff = await open_ticket_and_actor(session, number, staff_key)
    if staff.id != ticket.assignee_id and not (staff.community_id == ticket.community_id
                                               and staff.role in SUPERVISING_ROLES):
        raise PermissionDenied(f"{staff_key} is neither the assignee of {number} nor supervises it")
    end_pause(ticket, profile, now)
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.CLOSED, staff_id=staff.id, note=result,
                            created_at=now))
    community = await get_community_by_id(session, ticket.community_id)
    wording = Wording(profile, community.key)
    text = wording.render("ticket_closed_feedback", ticket_no=number, category=category_name(profile, ticket),
                          result=result, assignee=ticket.assignee.name)
    choices = [[wording.render(label), button_payload(intent, ticket=number)] for label, intent in FEEDBACK_CHOICES]
    await tell_reporters(session, ticket, CLOSED_KIND, {"text": text, "choices": choices})
    schedule_follow_up(session, profile, ticket)
    return ticket


def rate_ticket(session: AsyncSession, ticket: Ticket, resident: Resident, satisfied: bool, comment: str | None,
                now: datetime) -> Rating:
    rating = Rating(ticket_id=ticket.id, staff_id=ticket.assignee_id, resident_id=resident.id, satisfied=satisfied,
                    comment=comment, created_at=now)
    session.add(rating)
    return rating


async def reopen_ticket(session: AsyncSession, profile: Profile, ticket: Ticket, resident: Resident,
                        comment: str | None, now: datetime) -> Reopened:
    """不满意: the rating, the ticket reopened, and both the assignee and their area lead told."""
    rating = rate_ticket(session, ticket, resident, False, comment, now)
    ticket.status, ticket.closed_at = TicketStatus.REOPENED, None
    fresh_deadline(session, profile, ticket, now)
    event = TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REOPENED, note=comment, created_at=now)
    session.add(event)
    await session.flush()
    lead = await area_lead_of(session, ticket)
    text = await reopened_card(session, profile, ticket, ReopenedBy.UNSATISFIED, now, words=comment)
    tell_assignee_and_lead(session, ticket, lead, REOPENED_KIND, text)
    return Reopened(ticket, event, lead, rating)


async def add_reopen_note(session: AsyncSession, profile: Profile, ticket: Ticket, event_id: int, rating_id: int,
                          note: str, now: datetime) -> None:
    """What the resident says is still wrong: kept on the reopen event and the rating, and sent on masked like the
    logs."""
    event = await session.get(TicketEvent, event_id)
    rating = await session.get(Rating, rating_id)
    if event is not None and event.ticket_id == ticket.id:
        event.note = note
    if rating is not None and rating.ticket_id == ticket.id and not rating.comment:
        rating.comment = note
    lead = await area_lead_of(session, ticket)
    wording = await ticket_wording(session, profile, ticket)
    text = wording.render("staff_reopen_note", ticket_no=ticket.number,
                          note=mask_as_logs(note, now.astimezone(profile.timezone).date()))
    tell_assignee_and_lead(session, ticket, lead, REOPEN_NOTE_KIND, text)


async def area_lead_of(session: AsyncSession, ticket: Ticket) -> Staff:
    """The 片长 over the ticket's building (or over the buildings its assignee leads); the community
    secretary when there is none, or when the assignee is that 片长 themselves."""
    building = await session.get(Building, ticket.building_id) if ticket.building_id else None
    if building is None:
        building = await session.scalar(select(Building).where(Building.lead_id == ticket.assignee_id).limit(1))
    area = await session.get(Area, building.area_id) if building else None
    lead = await find_active_staff(session, area.lead_id if area else None)
    if lead is None or lead.id == ticket.assignee_id:
        lead = await first_staff_with_role(session, ticket.community_id, StaffRole.SECRETARY.value)
    if lead is None:
        raise StaffNotFoundError(f"no area lead or secretary to tell about {ticket.number}")
    return lead


def category_name(profile: Profile, ticket: Ticket) -> str:
    category = profile.categories.get(ticket.category_key)
    return category.name if category else ticket.category_key


async def ticket_wording(session: AsyncSession, profile: Profile, ticket: Ticket) -> Wording:
    return Wording(profile, (await get_community_by_id(session, ticket.community_id)).key)


def tell_assignee_and_lead(session: AsyncSession, ticket: Ticket, lead: Staff, kind: str, text: str) -> None:
    for staff_id in dict.fromkeys((ticket.assignee_id, lead.id)):
        outbox.enqueue(session, kind, {"text": text}, community_id=ticket.community_id, staff_id=staff_id,
                       ticket_id=ticket.id)


async def staff_on_roster(session: AsyncSession, channel: str, external_id: str) -> Staff | None:
    """The active staff member whose account on `channel` (e.g. their WeCom user id) this is."""
    query = (select(Staff).join(StaffChannel, StaffChannel.staff_id == Staff.id)
             .where(StaffChannel.channel == channel, StaffChannel.external_id == external_id, Staff.active))
    return await session.scalar(query)


async def may_act_on(session: AsyncSession, staff: Staff, ticket: Ticket, *, reassign: bool = False) -> bool:
    """Whether `staff` may claim or close `ticket` or, with `reassign`, hand it to someone else.

    The one rule for WeCom, Telegram and the console: the ticket's assignee, the 片长 over its
    building (`area_leads_over`) and its community's secretary may act; handing a ticket on needs
    the 片长 or the secretary. Staff no longer on the roster (inactive) may do nothing.
    """
    if not staff.active:
        return False
    if staff.role == StaffRole.SECRETARY.value and staff.community_id == ticket.community_id:
        return True
    if staff.id in await area_leads_over(session, ticket):
        return True
    return not reassign and staff.id == ticket.assignee_id


async def area_leads_over(session: AsyncSession, ticket: Ticket) -> set[int]:
    """The 片长 of the ticket's building's area, and whoever `area_lead_of` names (for a ticket with no
    building, the 片长 over the buildings its assignee leads, else the secretary)."""
    leads: set[int] = set()
    building = await session.get(Building, ticket.building_id) if ticket.building_id else None
    area = await session.get(Area, building.area_id) if building else None
    if area is not None and area.lead_id is not None:
        leads.add(area.lead_id)
    with contextlib.suppress(StaffNotFoundError):
        leads.add((await area_lead_of(session, ticket)).id)
    return leads


async def claim_ticket(session: AsyncSession, profile: Profile, number: str, staff_key: str,
                       now: datetime) -> Ticket:
    """The staff member takes the ticket up: it is theirs (a supervisor claiming takes it over), and claimed.
    The resident is told who is handling it."""
    ticket, staff = await open_ticket_and_actor(session, number, staff_key)
    if not await may_act_on(session, staff, ticket):
        raise PermissionDenied(f"{staff_key} may not claim {number}")
    if ticket.status == TicketStatus.CLAIMED and ticket.assignee_id == staff.id:
        raise TicketStateError(f"{number} is already claimed by {staff_key}")
    previous = ticket.assignee_id
    if previous != staff.id:
        _assign(session, ticket, staff, staff, now)
    ticket.status = TicketStatus.CLAIMED
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.CLAIMED, staff_id=staff.id, created_at=now))
    wording = await ticket_wording(session, profile, ticket)
    if previous != staff.id:  # a supervisor took it over: the one who had it need not act on it any more
        _tell_handed_away(session, profile, wording, ticket, previous, staff, staff)
    text = wording.render("ticket_claimed_for_resident", ticket_no=number, category=category_name(profile, ticket),
                          assignee=staff.name, due=format_datetime(wording, profile, ticket.due_at))
    await tell_reporters(session, ticket, CLAIMED_KIND, {"text": text})
    return ticket


async def reassign_ticket(session: AsyncSession, profile: Profile, number: str, staff_key: str, target: Staff,
                          now: datetime) -> Ticket:
    """A 片长 or the secretary hands the ticket to a colleague in its community, who is told at once; so is the
    previous assignee (unless they handed it on themselves), who no longer needs to act on it."""
    ticket, staff = await open_ticket_and_actor(session, number, staff_key)
    if not await may_act_on(session, staff, ticket, reassign=True):
        raise PermissionDenied(f"{staff_key} may not reassign {number}")
    if not target.active or target.community_id != ticket.community_id:
        raise StaffNotFoundError(f"{target.key} is not an active staff member of the ticket's community")
    if target.id == ticket.assignee_id:
        raise TicketStateError(f"{number} is already assigned to {target.key}")
    previous = ticket.assignee_id
    _assign(session, ticket, target, staff, now)
    if ticket.status == TicketStatus.CLAIMED:
        ticket.status = TicketStatus.OPEN  # the new assignee has not taken it up yet
    wording = await ticket_wording(session, profile, ticket)
    text = wording.render("staff_ticket_reassigned", ticket_no=number, category=category_name(profile, ticket),
                          due=format_datetime(wording, profile, ticket.due_at), by=staff.name,
                          description=mask_as_logs(ticket.description, now.astimezone(profile.timezone).date()))
    outbox.enqueue(session, REASSIGNED_KIND, {"text": text}, community_id=ticket.community_id, staff_id=target.id,
                   ticket_id=ticket.id)
    if previous != staff.id:
        _tell_handed_away(session, profile, wording, ticket, previous, target, staff)
    return ticket


def _tell_handed_away(session: AsyncSession, profile: Profile, wording: Wording, ticket: Ticket, previous: int,
                      now_with: Staff, by: Staff) -> None:
    away = wording.render("staff_ticket_handed_away", ticket_no=ticket.number, category=category_name(profile, ticket),
                          assignee=now_with.name, by=by.name)
    outbox.enqueue(session, HANDED_AWAY_KIND, {"text": away}, community_id=ticket.community_id, staff_id=previous,
                   ticket_id=ticket.id)


def _assign(session: AsyncSession, ticket: Ticket, assignee: Staff, by: Staff, now: datetime) -> None:
    ticket.assignee = assignee
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ASSIGNED, staff_id=assignee.id,
                            note=f"{ASSIGNED_BY_NOTE} {by.key}", created_at=now))


async def reopen_by_staff(session: AsyncSession, profile: Profile, number: str, staff_key: str, reason: str,
                          now: datetime) -> Ticket:
    """Staff reopen a closed ticket (the matter came back, or was closed by mistake); its assignee is told."""
    ticket, staff = await closed_ticket_and_actor(session, number, staff_key)
    ticket.status, ticket.closed_at = TicketStatus.REOPENED, None
    fresh_deadline(session, profile, ticket, now)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REOPENED, staff_id=staff.id, note=reason,
                            created_at=now))
    if staff.id != ticket.assignee_id:
        text = await reopened_card(session, profile, ticket, ReopenedBy.STAFF, now, staff=staff, words=reason)
        outbox.enqueue(session, REOPENED_KIND, {"text": text}, community_id=ticket.community_id,
                       staff_id=ticket.assignee_id, ticket_id=ticket.id)
    return ticket
