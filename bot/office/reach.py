"""Whether a message to a resident can reach them at all, told at the moment staff act: a resident with no
account the bot can write to (the WeChat account unfollowed, the Telegram bot blocked) is phoned instead."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Resident


@dataclass(frozen=True)
class Reach:
    channels: tuple[str, ...]
    """The channels of the resident's active accounts that can write to a resident unasked."""
    phone: str | None
    """The phone the resident gave, for staff to call when no channel reaches them."""

    @property
    def reachable(self) -> bool:
        return bool(self.channels)


async def reach_of(session: AsyncSession, resident_id: int, push_channels: frozenset[str]) -> Reach:
    found = await session.scalars(select(ChannelIdentity.channel).where(ChannelIdentity.resident_id == resident_id,
                                                                       ChannelIdentity.active.is_(True)))
    resident = await session.get(Resident, resident_id)
    return Reach(tuple(sorted(set(found) & push_channels)), resident.phone if resident else None)
