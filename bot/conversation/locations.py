"""A location a resident shares: the nearest building of their community, offered as their address."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply, SharedLocation, TextReply
from bot.core.wording import Wording
from bot.office.ticketing import format_address
from storage.models import Community, Resident
from storage.profile import Profile
from storage.repositories.directory import get_building

REPLIES: dict[str, tuple[str, ...]] = {
    "location_building": ("address",),
    "location_unknown": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


def nearest_building(profile: Profile, community: Community | None, location: SharedLocation) -> str | None:
    positions = profile.building_locations.get(community.key) if community else None
    return positions.nearest(location.latitude, location.longitude) if positions else None


async def remember_location(session: AsyncSession, wording: Wording, resident: Resident, community: Community | None,
                            number: str | None) -> Reply:
    """Tell the resident which building the point is nearest; it is offered as the address of their
    next report (a button they may take or ignore)."""
    building = await get_building(session, community.id, number) if community and number else None
    if community is None or building is None:
        return TextReply(wording.render("location_unknown"))
    resident.building_id, resident.unit, resident.room = building.id, None, None
    return TextReply(wording.render("location_building", address=community.name + format_address(wording,
                                                                                                   building.number)))
