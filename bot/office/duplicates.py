"""One problem, one ticket (国办函〔2025〕66号: repeat reports of one matter are merged into one case).

At intake, a report whose category and place (the building, or the listed public place) match an open ticket
filed within the category's `merge_window_days` joins that ticket: the resident follows it (told of every
step, asked 满意 / 不满意 at the end) instead of starting a second one. A resident who says theirs is a
different problem, or staff, split a follower off into a ticket of its own; staff can also merge two tickets.
When the number of reporters reaches one of the profile's `reporters_alert_at`, the assignee and the area lead
are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.core.errors import PermissionDenied, TicketNotFoundError, TicketStateError
from bot.office.ticket_actions import (
    area_lead_of,
    category_name,
    may_act_on,
    open_ticket_and_actor,
    tell_assignee_and_lead,
    ticket_wording,
)
from bot.office.ticketing import OpenedTicket, TicketRequest, format_datetime, open_ticket
from storage.models import (
    Building,
    Community,
    Resident,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketFollower,
    TicketStatus,
)
from storage.profile import Profile
from storage.repositories import attachments, outbox
from storage.repositories.tickets import followers_of, follows, get_ticket_by_number

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_reporters_alert": ("category", "count", "place", "ticket_no"),
    "ticket_merged_for_resident": ("assignee", "due", "into", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


DIFFERENT_INTENT = "report_is_different"
"""The button a resident whose report was attached presses to say theirs is another problem."""
REPORTERS_KIND = "ticket_reporters"
MERGED_KIND = "ticket_merged"


@dataclass(frozen=True)
class Joined:
    ticket: Ticket
    reporters: int
    already: bool
    """The resident was already among its reporters (they reported it twice)."""


async def same_problem(session: AsyncSession, profile: Profile, request: TicketRequest, now: datetime) -> Ticket | None:
    """The open ticket the request reports again, if any: same community and category, same listed place or same
    building (and, when both name one, the same unit), filed within the category's window; the oldest, when a
    report split off from it left two."""
    days = profile.merge_window_days(request.category)
    if not days or (request.building is None and request.place is None):
        return None
    query = (select(Ticket).options(joinedload(Ticket.assignee))
             .where(Ticket.community_id == request.community.id, Ticket.category_key == request.category.key,
                    Ticket.status != TicketStatus.CLOSED, Ticket.created_at >= now - timedelta(days=days))
             .order_by(Ticket.created_at, Ticket.id).limit(1))
    if request.place is not None:
        query = query.where(Ticket.building_id.is_(None), Ticket.place == request.place.name)
    else:
        assert request.building is not None
        query = query.where(Ticket.building_id == request.building.id)
        if request.unit:  # each unit has its own lift and stairwell; a room is only where the reporter lives
            query = query.where(or_(Ticket.unit.is_(None), Ticket.unit == request.unit))
    return await session.scalar(query)


async def join(session: AsyncSession, profile: Profile, ticket: Ticket, request: TicketRequest,
               now: datetime) -> Joined:
    """The resident follows `ticket` with their own words; photos they kept for a next report go with it."""
    if await follows(session, ticket.id, request.resident.id):
        return Joined(ticket, await reporters(session, ticket.id), already=True)
    session.add(TicketFollower(ticket_id=ticket.id, resident_id=request.resident.id, channel=request.channel,
                               description=request.description, created_at=now))
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.FOLLOWED, created_at=now))
    await attachments.attach_kept(session, request.resident.id, ticket.id)
    await session.flush()
    count = await reporters(session, ticket.id)
    if count in profile.district.reporters_alert_at:
        wording = await ticket_wording(session, profile, ticket)
        text = wording.render("staff_reporters_alert", ticket_no=ticket.number, count=count,
                              category=category_name(profile, ticket), place=ticket.place or "")
        tell_assignee_and_lead(session, ticket, await area_lead_of(session, ticket), REPORTERS_KIND, text)
    return Joined(ticket, count, already=False)


async def reporters(session: AsyncSession, ticket_id: int) -> int:
    query = select(func.count()).select_from(TicketFollower).where(TicketFollower.ticket_id == ticket_id)
    return await session.scalar(query) or 0


async def merge_tickets(session: AsyncSession, profile: Profile, number: str, into_number: str, staff_key: str,
                        now: datetime) -> Ticket:
    """Ticket `number` is the same problem as `into_number`: its reporters follow that one, and it is closed
    as merged (no rating asked: the problem is not solved yet). Its reporters are told where it went."""
    ticket, staff = await open_ticket_and_actor(session, number, staff_key)
    into, _ = await open_ticket_and_actor(session, into_number, staff_key)
    if into.id == ticket.id or into.community_id != ticket.community_id:
        raise TicketStateError(f"{number} cannot be merged into {into_number}")
    if not (await may_act_on(session, staff, ticket) and await may_act_on(session, staff, into)):
        raise PermissionDenied(f"{staff_key} may not merge {number} into {into_number}")
    moved = await followers_of(session, ticket.id)
    already = set((await session.scalars(select(TicketFollower.resident_id)
                                         .where(TicketFollower.ticket_id == into.id))).all())
    for follower in moved:
        if follower.resident_id in already:
            await session.delete(follower)
            continue
        follower.ticket_id = into.id
        if follower.description is None:
            follower.description = ticket.description
    ticket.status, ticket.closed_at, ticket.merged_into_id = TicketStatus.CLOSED, now, into.id
    ticket.paused_at = ticket.pause_reason = None
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.MERGED, staff_id=staff.id, note=into_number,
                            created_at=now))
    session.add(TicketEvent(ticket_id=into.id, kind=TicketEventKind.MERGED, staff_id=staff.id, note=number,
                            created_at=now))
    await session.flush()
    wording = await ticket_wording(session, profile, into)
    text = wording.render("ticket_merged_for_resident", ticket_no=number, into=into_number,
                          assignee=into.assignee.name, due=format_datetime(wording, profile, into.due_at))
    for follower in moved:
        if follower.resident_id not in already:
            outbox.enqueue(session, MERGED_KIND, {"text": text}, community_id=into.community_id,
                           resident_id=follower.resident_id, ticket_id=into.id)
    return ticket


async def split_off(session: AsyncSession, profile: Profile, number: str, resident_id: int, now: datetime,
                    staff_key: str | None = None) -> OpenedTicket:
    """A follower's report becomes a ticket of its own (the resident said it is a different problem, or staff
    did); routed and told like any new ticket. The first reporter cannot be split off: theirs is the ticket."""
    ticket = await get_ticket_by_number(session, number, for_update=True)
    if ticket is None:
        raise TicketNotFoundError(f"no ticket numbered {number}")
    if ticket.status == TicketStatus.CLOSED:
        raise TicketStateError(f"{number} is closed: a problem that is back is a new report")
    if staff_key is not None:
        _, staff = await open_ticket_and_actor(session, number, staff_key)
        if not await may_act_on(session, staff, ticket):
            raise PermissionDenied(f"{staff_key} may not split {number}")
    follower = await session.scalar(select(TicketFollower).where(TicketFollower.ticket_id == ticket.id,
                                                                 TicketFollower.resident_id == resident_id))
    if follower is None or resident_id == ticket.resident_id:
        raise TicketStateError(f"resident {resident_id} is not a follower of {number} who can be split off")
    category = profile.categories.get(ticket.category_key)
    if category is None:
        raise TicketStateError(f"{number}'s category is no longer in the profile")
    community = await session.get_one(Community, ticket.community_id)
    places = profile.places.get(community.key, {})
    place = next((p for p in places.values() if p.name == ticket.place), None)
    await session.execute(delete(TicketFollower).where(TicketFollower.id == follower.id))
    opened = await open_ticket(session, profile, TicketRequest(
        community=community, resident=await session.get_one(Resident, resident_id), channel=follower.channel,
        category=category, description=follower.description or ticket.description,
        building=await session.get(Building, ticket.building_id) if ticket.building_id else None, place=place,
        where=None if place or ticket.building_id else ticket.place), now)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.SPLIT, note=opened.ticket.number,
                            created_at=now))
    return opened
