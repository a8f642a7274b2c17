"""Who a ticket can be handed to (转派): the community's active staff with the areas they answer for and how many
open tickets they hold, and whether a move takes the ticket out of its area, which the console confirms first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.queue import OPEN_STATUSES
from storage.models import Area, Building, Community, Staff, Ticket
from storage.profile import Profile
from storage.repositories.directory import get_area


@dataclass(frozen=True)
class Assignee:
    staff: Staff
    areas: tuple[Area, ...]
    """The areas they lead (片长) or hold buildings in (楼长); none for community-wide roles."""
    load: int
    """Open tickets assigned to them."""

    def area_names(self, separator: str) -> str:
        return separator.join(area.name for area in self.areas)


async def assignees(session: AsyncSession, community_id: int) -> list[Assignee]:
    staff = (await session.scalars(select(Staff).where(Staff.community_id == community_id, Staff.active)
                                   .order_by(Staff.role, Staff.name))).all()
    areas = {area.id: area for area in await session.scalars(select(Area).where(Area.community_id == community_id)
                                                             .order_by(Area.key))}
    building_leads = await session.execute(select(Building.lead_id, Building.area_id).distinct()
                                           .where(Building.area_id.in_(areas)))
    held: dict[int, set[int]] = {}
    for lead_id, area_id in [*((a.lead_id, a.id) for a in areas.values()), *building_leads]:
        if lead_id is not None:
            held.setdefault(lead_id, set()).add(area_id)
    loads = {assignee_id: count for assignee_id, count in await session.execute(
        select(Ticket.assignee_id, func.count()).where(Ticket.community_id == community_id,
                                                       Ticket.status.in_(OPEN_STATUSES)).group_by(Ticket.assignee_id))}
    return [Assignee(person, tuple(area for key, area in areas.items() if key in held.get(person.id, set())),
                     loads.get(person.id, 0)) for person in staff]


async def area_of_ticket(session: AsyncSession, profile: Profile, ticket: Ticket) -> Area | None:
    """The 片 the ticket is in: its building's, else the listed place's (东门 belongs to an area too)."""
    if ticket.building_id is not None:
        return await session.scalar(select(Area).join(Building, Building.area_id == Area.id)
                                    .where(Building.id == ticket.building_id))
    community = await session.get_one(Community, ticket.community_id)
    place = next((p for p in profile.places.get(community.key, {}).values() if p.name == ticket.place), None)
    return await get_area(session, ticket.community_id, place.area) if place is not None else None


def crosses_over(ticket_area: Area | None, current: Assignee | None, target: Assignee) -> bool:
    """Whether handing the ticket to `target` takes it out of its area, or (a ticket with no building) to someone
    of another role than its assignee: a move the console asks to confirm."""
    if ticket_area is not None:
        return ticket_area not in target.areas
    return current is None or current.staff.role != target.staff.role


def find_assignee(people: Sequence[Assignee], staff_id: int | None = None, key: str = "") -> Assignee | None:
    return next((p for p in people if p.staff.id == staff_id or p.staff.key == key), None)
