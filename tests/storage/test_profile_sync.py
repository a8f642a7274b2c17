"""Mirroring the profile into the database: complete, idempotent, staff who left kept inactive."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Building, Staff, StaffChannel
from storage.profile import Profile
from storage.profile.sync import sync_profile


async def count(session: AsyncSession, model: type[object]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_sync_twice_changes_nothing(sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    async with sessions() as session, session.begin():
        before = (await count(session, Building), await count(session, Staff), await count(session, StaffChannel))
        counts = await sync_profile(session, profile)
        after = (await count(session, Building), await count(session, Staff), await count(session, StaffChannel))

    assert before == after
    assert (counts.communities, counts.areas, counts.buildings) == (2, 8, 133)
    assert before[1] == len(profile.all_staff())


async def test_building_three_has_its_lead(sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    lead = next(s.id for s in profile.communities["baiyang"].staff if "3" in s.buildings)
    async with sessions() as session:
        query = (select(Staff.key).join(Building, Building.lead_id == Staff.id)
                 .where(Building.number == "3", Staff.key.like("by-%")))
        assert await session.scalar(query) == lead


async def test_staff_removed_from_profile_is_deactivated(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    qingshui = profile.communities["qingshui"]
    kept = [s for s in qingshui.staff if s.id != "qs-svc-01"]
    smaller = replace(profile, communities={**profile.communities,
                                            "qingshui": qingshui.model_copy(update={"staff": kept})})
    async with sessions() as session, session.begin():
        await sync_profile(session, smaller)
    async with sessions() as session:
        gone = await session.scalar(select(Staff).where(Staff.key == "qs-svc-01"))
    assert gone is not None
    assert not gone.active
