"""Communities, buildings and staff: who is accountable where."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, make_transient_to_detached

from storage.models import Area, Building, Community, Staff


async def get_community(session: AsyncSession, key: str) -> Community | None:
    return await session.scalar(select(Community).where(Community.key == key))


async def get_community_by_id(session: AsyncSession, community_id: int) -> Community:
    return await session.get_one(Community, community_id)


class CommunityRows:
    """The communities' rows, read once by the process that answers messages: every message needs its community,
    and the rows change only when the profile is loaded, which a server reads at its start (a profile loaded while
    it runs reaches it when it restarts). A row is attached to each session without a query."""

    def __init__(self) -> None:
        self._by_key: dict[str, Community] = {}
        self._by_id: dict[int, Community] = {}

    async def by_key(self, session: AsyncSession, key: str) -> Community | None:
        if key not in self._by_key:
            found = await get_community(session, key)
            if found is None:
                return None
            self._keep(found)
        return await session.merge(self._by_key[key], load=False)

    async def by_id(self, session: AsyncSession, community_id: int) -> Community:
        if community_id not in self._by_id:
            self._keep(await get_community_by_id(session, community_id))
        return await session.merge(self._by_id[community_id], load=False)

    def _keep(self, row: Community) -> None:
        kept = Community(id=row.id, key=row.key, name=row.name)
        make_transient_to_detached(kept)  # a copy no session holds, its columns as loaded: merged without a query
        self._by_key[row.key] = self._by_id[row.id] = kept


async def get_building(session: AsyncSession, community_id: int, number: str) -> Building | None:
    query = (select(Building).options(joinedload(Building.area))
             .where(Building.community_id == community_id, Building.number == number))
    return await session.scalar(query)


async def get_building_by_id(session: AsyncSession, building_id: int) -> Building:
    query = select(Building).options(joinedload(Building.area)).where(Building.id == building_id)
    return (await session.scalars(query)).one()


async def find_active_staff(session: AsyncSession, staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    staff = await session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


async def first_staff_with_role(session: AsyncSession, community_id: int, role: str) -> Staff | None:
    query = (select(Staff).where(Staff.community_id == community_id, Staff.role == role, Staff.active)
             .order_by(Staff.id).limit(1))
    return await session.scalar(query)


async def first_office_staff(session: AsyncSession, office_key: str) -> Staff | None:
    query = select(Staff).where(Staff.office_key == office_key, Staff.active).order_by(Staff.id).limit(1)
    return await session.scalar(query)


async def get_area(session: AsyncSession, community_id: int, key: str) -> Area | None:
    return await session.scalar(select(Area).where(Area.community_id == community_id, Area.key == key))


async def area_lead(session: AsyncSession, area: Area) -> Staff | None:
    return await find_active_staff(session, area.lead_id)


async def active_staff_by_keys(session: AsyncSession, keys: list[str]) -> list[Staff]:
    """The active staff members with these keys, in the order of `keys` (those inactive or unknown left out)."""
    found = {s.key: s for s in await session.scalars(select(Staff).where(Staff.key.in_(keys), Staff.active))}
    return [found[key] for key in keys if key in found]
