"""Residents and their platform identities."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Resident


async def find_or_create_resident(session: AsyncSession, channel: str, external_id: str,
                                  community_id: int | None) -> Resident:
    """The resident behind a platform account, created on first contact."""
    query = (select(Resident).join(ChannelIdentity, ChannelIdentity.resident_id == Resident.id)
             .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id))
    resident = await session.scalar(query)
    if resident is None:
        resident = Resident(community_id=community_id)
        session.add(resident)
        await session.flush()
        session.add(ChannelIdentity(resident_id=resident.id, channel=channel, external_id=external_id))
        await session.flush()
    elif resident.community_id is None and community_id is not None:
        resident.community_id = community_id
    return resident
