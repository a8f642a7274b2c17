"""Residents and their platform identities."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Resident


async def find_or_create_resident(session: AsyncSession, channel: str, external_id: str,
                                  community_id: int | None) -> Resident:
    """The resident behind a platform account, created on first contact."""
    query = (select(Resident).join(ChannelIdentity, ChannelIdentity.resident_id == Resident.id)
             .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id))
    resident = await session.scalar(query)
    if resident is None:
        return await _first_contact(session, channel, external_id, community_id, None)
    _settle_community(resident, community_id)
    return resident


_IDENTITIES = cast(Table, ChannelIdentity.__table__)
_REOPEN = (update(_IDENTITIES)
           .where(_IDENTITIES.c.channel == bindparam("account_channel"),
                  _IDENTITIES.c.external_id == bindparam("account_id"))
           .values(last_inbound_at=bindparam("at"), sends_since_inbound=0, active=True)
           .returning(_IDENTITIES.c.resident_id))
"""Built once: on every message's path, building a statement costs about as much as running it."""


async def resident_writing(session: AsyncSession, channel: str, external_id: str, community_id: int | None,
                           at: datetime) -> Resident:
    """The resident behind a platform account that has just written, created on first contact. The account's
    reply window (WeChat: 48 hours, 5 messages) reopens in the statement that finds it: on every message's path,
    so one statement on the identity's table rather than an ORM load and an update."""
    resident_id = await session.scalar(_REOPEN, {"account_channel": channel, "account_id": external_id, "at": at})
    if resident_id is None:
        return await _first_contact(session, channel, external_id, community_id, at)
    resident = await session.get_one(Resident, resident_id)
    _settle_community(resident, community_id)
    return resident


async def _first_contact(session: AsyncSession, channel: str, external_id: str, community_id: int | None,
                         last_inbound_at: datetime | None) -> Resident:
    resident = Resident(community_id=community_id)
    session.add(resident)
    await session.flush()
    session.add(ChannelIdentity(resident_id=resident.id, channel=channel, external_id=external_id,
                                last_inbound_at=last_inbound_at))
    await session.flush()
    return resident


def _settle_community(resident: Resident, community_id: int | None) -> None:
    """A resident first met on the district's account belongs to the community whose account they write to next."""
    if resident.community_id is None and community_id is not None:
        resident.community_id = community_id


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
