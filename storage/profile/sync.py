"""Mirror the profile's communities, areas, buildings and staff into the database.

The profile is the source of truth; the tables exist so tickets can reference people and
places. Run at start-up and by `frontdoor profile load`; idempotent. Staff who left the
profile are deactivated, not deleted, because their tickets still name them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Area, Building, Community, Staff, StaffChannel
from storage.profile.model import Profile, expand_buildings
from storage.profile.schema import Community as CommunityProfile
from storage.profile.schema import StaffMember


@dataclass(frozen=True)
class SyncCounts:
    communities: int
    areas: int
    buildings: int
    staff: int


async def sync_profile(session: AsyncSession, profile: Profile) -> SyncCounts:
    communities = {key: await _upsert_community(session, source) for key, source in profile.communities.items()}
    staff_ids = await _sync_staff(session, profile, communities)
    counts = SyncCounts(len(profile.communities), 0, 0, len(staff_ids))
    for key, community_profile in profile.communities.items():
        areas, buildings = await _sync_places(session, communities[key], community_profile, staff_ids)
        counts = SyncCounts(counts.communities, counts.areas + areas, counts.buildings + buildings, counts.staff)
    await session.flush()
    return counts


async def _upsert_community(session: AsyncSession, source: CommunityProfile) -> Community:
    community = await session.scalar(select(Community).where(Community.key == source.id))
    if community is None:
        community = Community(key=source.id, name=source.name)
        session.add(community)
    community.name = source.name
    await session.flush()
    return community


async def _sync_staff(session: AsyncSession, profile: Profile, communities: dict[str, Community]) -> dict[str, int]:
    existing = {s.key: s for s in await session.scalars(select(Staff))}
    for staff in existing.values():
        if staff.source == "profile":  # those added on the console stay as they are
            staff.active = False
    for community_key, member in profile.all_staff():
        community_id = communities[community_key].id if community_key is not None else None
        staff = existing.get(member.id) or Staff(key=member.id)
        staff.community_id, staff.name, staff.role = community_id, member.name, member.role.value
        staff.phone, staff.active, staff.office_key = member.phone, True, _office_of(profile, member)
        session.add(staff)
        existing[member.id] = staff
    await session.flush()
    channels = {(c.channel, c.external_id): c for c in await session.scalars(select(StaffChannel))}
    for _, member in profile.all_staff():
        for channel, external_id in member.channels.items():
            link = channels.get((channel, external_id)) or StaffChannel(channel=channel, external_id=external_id)
            link.staff_id = existing[member.id].id
            session.add(link)
    await session.flush()
    return {key: staff.id for key, staff in existing.items()}


def _office_of(profile: Profile, member: StaffMember) -> str | None:
    return next((o.id for o in profile.district.offices if member.id in o.staff), None)


async def _sync_places(session: AsyncSession, community: Community, source: CommunityProfile,
                       staff_ids: dict[str, int]) -> tuple[int, int]:
    areas = {a.key: a for a in await session.scalars(select(Area).where(Area.community_id == community.id))}
    buildings = {b.number: b for b in
                 await session.scalars(select(Building).where(Building.community_id == community.id))}
    building_leads = {number: staff_ids[m.id] for m in source.staff for number in m.buildings}
    count = 0
    for area_source in source.areas:
        area = areas.get(area_source.id) or Area(community_id=community.id, key=area_source.id)
        area.name, area.lead_id = area_source.name, staff_ids[area_source.lead]
        session.add(area)
        await session.flush()
        for number in expand_buildings(area_source.buildings):
            building = buildings.get(number) or Building(community_id=community.id, number=number)
            building.area_id, building.lead_id = area.id, building_leads.get(number)
            session.add(building)
            count += 1
    return len(source.areas), count
