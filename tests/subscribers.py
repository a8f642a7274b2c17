"""Residents subscribed to a notice topic, written in bulk (tests and the broadcast benchmark)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Building, ChannelIdentity, Community, Resident, Subscription

SEEDED_AT = datetime(2026, 11, 1, tzinfo=UTC)


async def seed_subscribers(session: AsyncSession, community_key: str, topic: str, count: int, *,
                           channel: str = "telegram", first_account: int = 5_000_000,
                           buildings: list[str] | None = None) -> list[int]:
    """`count` residents of the community, each with one active `channel` account (ids counting up
    from `first_account`) and a subscription to `topic`; their buildings cycle through `buildings`
    (default: all of the community's; an empty list: no building known). Returns the resident ids."""
    community = (await session.scalars(select(Community).where(Community.key == community_key))).one()
    homes = list((await session.execute(select(Building.id, Building.area_id).where(
        Building.community_id == community.id, *([Building.number.in_(buildings)] if buildings else []))
        .order_by(Building.id))).all()) if buildings != [] else [(None, None)]
    people = [{"community_id": community.id, "building_id": homes[i % len(homes)][0], "created_at": SEEDED_AT}
              for i in range(count)]
    ids = list(await session.scalars(insert(Resident).returning(Resident.id, sort_by_parameter_order=True), people))
    await session.execute(insert(ChannelIdentity), [
        {"resident_id": rid, "channel": channel, "external_id": str(first_account + i), "active": True,
         "created_at": SEEDED_AT, "sends_since_inbound": 0} for i, rid in enumerate(ids)])
    await session.execute(insert(Subscription), [
        {"resident_id": rid, "topic": topic, "community_id": community.id, "area_id": homes[i % len(homes)][1],
         "building_id": homes[i % len(homes)][0], "active": True, "created_at": SEEDED_AT}
        for i, rid in enumerate(ids)])
    return ids
