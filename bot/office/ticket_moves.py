"""A resident corrects where a report is right after filing it (「不对 是91栋」): the ticket moves, and goes
to whoever answers for the new place; both the new and the old assignee are told. A unit and room in the building
it was filed at (「3单元402」) place it more exactly and leave it with its assignee, who is told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.wording import Wording
from bot.office.routing import Route, route_ticket
from bot.office.ticketing import format_address
from storage.models import Building, Community, Staff, Ticket, TicketEvent, TicketEventKind
from storage.profile import Profile
from storage.profile.schema import Place
from storage.repositories import outbox

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_ticket_moved": ("address", "assignee", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""

MOVED_KIND = "ticket_moved"


@dataclass(frozen=True)
class Moved:
    ticket: Ticket
    route: Route
    address_label: str


async def move_ticket(session: AsyncSession, profile: Profile, community: Community, ticket: Ticket,
                      building: Building | None, place: Place | None, now: datetime, words: str | None = None,
                      unit: str | None = None, room: str | None = None) -> Moved:
    """Put the ticket at the building (and `unit` and `room` of it), place or described spot (`words`) the resident
    corrected it to, and route it again."""
    category = profile.categories[ticket.category_key]
    route = await route_ticket(session, profile, community, category, building, place)
    wording = Wording(profile, community.key)
    ticket.building_id, ticket.unit, ticket.room = (building.id, unit, room) if building else (None, None, None)
    ticket.place = place.name if place else words
    address = community.name + (format_address(wording, building.number, unit, room) if building
                                else ticket.place or "")
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.MOVED, note=address, created_at=now))
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ASSIGNED, staff_id=route.assignee.id,
                            created_at=now))
    told = {ticket.assignee_id, route.assignee.id}
    ticket.assignee_id = route.assignee.id
    text = wording.render("staff_ticket_moved", ticket_no=ticket.number, address=address,
                          assignee=route.assignee.name)
    for staff_id in told:
        outbox.enqueue(session, MOVED_KIND, {"text": text}, community_id=community.id, staff_id=staff_id,
                       ticket_id=ticket.id)
    return Moved(ticket, route, address)


async def place_in_building(session: AsyncSession, profile: Profile, community: Community, ticket: Ticket,
                            building: Building, unit: str, room: str | None, now: datetime) -> str:
    """The ticket, filed at `building`, in its `unit` (and `room`): the same assignee, told; the address returned.
    Not routed again: who answers for a building does not change with the unit, and a ticket the bot was unsure
    of waits for the area lead to re-file it wherever in the building it is."""
    wording = Wording(profile, community.key)
    ticket.unit, ticket.room = unit, room
    address = community.name + format_address(wording, building.number, unit, room)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.PLACED, note=address, created_at=now))
    assignee = await session.get_one(Staff, ticket.assignee_id)
    text = wording.render("staff_ticket_moved", ticket_no=ticket.number, address=address, assignee=assignee.name)
    outbox.enqueue(session, MOVED_KIND, {"text": text}, community_id=community.id, staff_id=assignee.id,
                   ticket_id=ticket.id)
    return address
