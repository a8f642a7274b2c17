"""Residents and their platform identities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
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


async def note_inbound(session: AsyncSession, channel: str, external_id: str, at: datetime) -> None:
    """The resident just wrote: platforms with a reply window (WeChat: 48 hours, 5 messages) reopen it."""
    await session.execute(update(ChannelIdentity)
                          .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
                          .values(last_inbound_at=at, sends_since_inbound=0, active=True))


async def identity_of(session: AsyncSession, resident_id: int, channel: str, *,
                      for_update: bool = False) -> ChannelIdentity | None:
    query = select(ChannelIdentity).where(ChannelIdentity.resident_id == resident_id,
                                          ChannelIdentity.channel == channel)
    return await session.scalar(query.with_for_update() if for_update else query)


async def deactivate_identity(session: AsyncSession, channel: str, external_id: str) -> int | None:
    """The account left (unfollowed, blocked the bot): nothing more is sent to it. Returns the resident."""
    identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.channel == channel,
                                                                  ChannelIdentity.external_id == external_id))
    if identity is None:
        return None
    identity.active = False
    return identity.resident_id


async def identity_resident(session: AsyncSession, channel: str, external_id: str) -> int | None:
    return await session.scalar(select(ChannelIdentity.resident_id).where(ChannelIdentity.channel == channel,
                                                                          ChannelIdentity.external_id == external_id))
