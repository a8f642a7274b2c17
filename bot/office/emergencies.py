"""Danger now: an urgent ticket for the community's on-duty staff (the category `emergency`,
handled by the police role), its alert at the head of the outbox. A resident who writes again
within `REALERT_WINDOW`, their emergency still open, re-alerts that ticket instead of opening another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.core.masking import mask_as_logs
from bot.core.wording import Wording
from bot.office.places import find_place
from bot.office.ticketing import EMERGENCY_KIND, TicketRequest, format_address, format_datetime, open_ticket
from nlu.address import stated_address
from storage.models import Building, Community, Resident, Ticket, TicketEvent, TicketEventKind, TicketStatus
from storage.profile import Profile
from storage.profile.schema import Place
from storage.repositories import outbox
from storage.repositories.directory import get_building, get_building_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_emergency": ("address", "category", "description", "due", "resident", "ticket_no"),
    "staff_emergency_stand_down": ("need", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


EMERGENCY_CATEGORY = "emergency"
NO_TEXT = "-"
REALERT_WINDOW = timedelta(hours=2)


async def alert_on_duty(session: AsyncSession, profile: Profile, community: Community, resident: Resident,
                        channel: str, text: str, now: datetime) -> Ticket:
    description = text.strip() or NO_TEXT
    ongoing = await _ongoing_emergency(session, resident.id, now - REALERT_WINDOW)
    if ongoing is not None:
        session.add(TicketEvent(ticket_id=ongoing.id, kind=TicketEventKind.REPLIED, note=description, created_at=now))
        _realert(session, profile, community, resident, ongoing,
                 mask_as_logs(description, now.astimezone(profile.timezone).date()))
        return ongoing
    where = await _where(session, profile, community, resident, text)
    opened = await open_ticket(session, profile, TicketRequest(
        community=community, resident=resident, channel=channel, category=profile.categories[EMERGENCY_CATEGORY],
        description=description, building=where.building, unit=where.unit, room=where.room, place=where.place,
        urgent=True,
    ), now)
    return opened.ticket


async def _ongoing_emergency(session: AsyncSession, resident_id: int, since: datetime) -> Ticket | None:
    query = (select(Ticket).options(joinedload(Ticket.building))
             .where(Ticket.resident_id == resident_id, Ticket.category_key == EMERGENCY_CATEGORY,
                    Ticket.status != TicketStatus.CLOSED, Ticket.created_at >= since)
             .order_by(Ticket.id.desc()).limit(1))
    return await session.scalar(query)


@dataclass(frozen=True)
class _Where:
    building: Building | None = None
    unit: str | None = None
    room: str | None = None
    place: Place | None = None


async def _where(session: AsyncSession, profile: Profile, community: Community, resident: Resident,
                 text: str) -> _Where:
    """Where the staff go first: the building or place the message names (「29栋3单元楼道里好大一股煤气味」),
    else where the resident said they live, if in this community."""
    said = stated_address(text)
    named = await get_building(session, community.id, said[0].building) if said else None
    if said and named is not None:
        return _Where(named, said[0].unit, said[0].room)
    place = find_place(profile, community.key, text)
    if place is not None:
        return _Where(place=place)
    home = await get_building_by_id(session, resident.building_id) if resident.building_id is not None else None
    if home is None or home.community_id != community.id:
        return _Where()
    return _Where(home, resident.unit, resident.room)


def _realert(session: AsyncSession, profile: Profile, community: Community, resident: Resident, ticket: Ticket,
             description: str) -> None:
    wording = Wording(profile, community.key)
    place = format_address(wording, ticket.building.number if ticket.building else None, ticket.unit, ticket.room)
    text = wording.render(
        "staff_emergency", ticket_no=ticket.number, category=profile.categories[EMERGENCY_CATEGORY].name,
        due=format_datetime(wording, profile, ticket.due_at), address=community.name + place,
        description=description, resident=f"#{resident.id}",
    )
    outbox.enqueue(session, EMERGENCY_KIND, {"text": text}, community_id=community.id, staff_id=ticket.assignee_id,
                   ticket_id=ticket.id, priority=outbox.PRIORITY_URGENT)


async def stand_down(session: AsyncSession, profile: Profile, community: Community, resident: Resident,
                     chosen: str, now: datetime) -> Ticket | None:
    """The resident said it was not urgent after all: the on-duty staff hear so at once, and the
    emergency ticket keeps the note (it stays open: a person decides whether to close it)."""
    ticket = await _ongoing_emergency(session, resident.id, now - REALERT_WINDOW)
    if ticket is None:
        return None
    wording = Wording(profile, community.key)
    need = wording.render(f"intent_{chosen}")
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.STOOD_DOWN, note=need, created_at=now))
    text = wording.render("staff_emergency_stand_down", ticket_no=ticket.number, need=need)
    outbox.enqueue(session, EMERGENCY_KIND, {"text": text}, community_id=community.id, staff_id=ticket.assignee_id,
                   ticket_id=ticket.id, priority=outbox.PRIORITY_URGENT)
    return ticket
