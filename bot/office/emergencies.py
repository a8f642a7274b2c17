"""Danger now: an urgent ticket for the community's on-duty staff (the category `emergency`,
handled by the police role), its alert at the head of the outbox. A resident who writes again
within `REALERT_WINDOW`, their emergency still open, re-alerts that ticket instead of opening another."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.core.wording import Wording
from bot.office.ticketing import EMERGENCY_KIND, TicketRequest, format_address, format_datetime, open_ticket
from storage.models import Building, Community, Resident, Ticket, TicketEvent, TicketEventKind, TicketStatus
from storage.profile import Profile
from storage.repositories import outbox
from storage.repositories.directory import get_building_by_id

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
        _realert(session, profile, community, resident, ongoing, description)
        return ongoing
    building = await _home(session, resident, community)
    opened = await open_ticket(session, profile, TicketRequest(
        community=community, resident=resident, channel=channel, category=profile.categories[EMERGENCY_CATEGORY],
        description=description, building=building, unit=resident.unit if building else None,
        room=resident.room if building else None, urgent=True,
    ), now)
    return opened.ticket


async def _ongoing_emergency(session: AsyncSession, resident_id: int, since: datetime) -> Ticket | None:
    query = (select(Ticket).options(joinedload(Ticket.building))
             .where(Ticket.resident_id == resident_id, Ticket.category_key == EMERGENCY_CATEGORY,
                    Ticket.status != TicketStatus.CLOSED, Ticket.created_at >= since)
             .order_by(Ticket.id.desc()).limit(1))
    return await session.scalar(query)


async def _home(session: AsyncSession, resident: Resident, community: Community) -> Building | None:
    """Where the resident said they live, if in this community: the staff go there first."""
    if resident.building_id is None:
        return None
    building = await get_building_by_id(session, resident.building_id)
    return building if building.community_id == community.id else None


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
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REPLIED, note=f"not_urgent:{chosen}",
                            created_at=now))
    text = wording.render("staff_emergency_stand_down", ticket_no=ticket.number, need=need)
    outbox.enqueue(session, EMERGENCY_KIND, {"text": text}, community_id=community.id, staff_id=ticket.assignee_id,
                   ticket_id=ticket.id, priority=outbox.PRIORITY_URGENT)
    return ticket
