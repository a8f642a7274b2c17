"""Residents and their platform identities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Conversation, Resident, Ticket, TicketStatus


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
REOPEN: Update = (update(_IDENTITIES)
                  .where(_IDENTITIES.c.channel == bindparam("account_channel"),
                         _IDENTITIES.c.external_id == bindparam("account_id"))
                  .values(last_inbound_at=bindparam("at"), sends_since_inbound=0, active=True)
                  .returning(_IDENTITIES.c.resident_id))
"""The account that has just written: its reply window (WeChat: 48 hours, 5 messages) reopens, and its resident is
returned; no row on first contact. It also holds the account's row until the transaction ends, so two messages of
one resident take turns. Built once: on every message's path, building a statement costs about as much as running
it."""


def reopening(channel: str, external_id: str, at: datetime) -> dict[str, Any]:
    """The parameters of `REOPEN`."""
    return {"account_channel": channel, "account_id": external_id, "at": at}


_CONVERSATIONS = cast(Table, Conversation.__table__)
_AWAITED = exists().where(Ticket.resident_id == Resident.id, Ticket.status != TicketStatus.CLOSED,
                          Ticket.paused_at.is_not(None), Ticket.pause_reason.in_(bindparam("reasons", expanding=True)))
_TURN = (select(Resident, _CONVERSATIONS.c.state, _CONVERSATIONS.c.updated_at, _AWAITED.label("awaited"))
         .outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.resident_id == Resident.id)
         .where(Resident.id == bindparam("resident")))
"""What a turn starts from, in one read: the resident, their dialogue state, and whether the office waits on them."""


@dataclass(frozen=True)
class Writer:
    """A resident who has just written, with what their turn starts from."""

    resident: Resident
    state: dict[str, Any]
    """Their stored dialogue state; empty before their first turn."""
    saved_at: datetime | None
    """When the state was last saved; None before their first turn."""
    awaited: bool
    """Whether a ticket of theirs that is not closed is paused for one of the reasons asked about."""


async def writer(session: AsyncSession, resident_id: int | None, channel: str, external_id: str,
                 community_id: int | None, at: datetime, awaiting_reasons: Sequence[str]) -> Writer:
    """The resident `REOPEN` found (`storage.repositories.turns.claim`; None: first contact, created now), with
    their dialogue state and whether a ticket of theirs is paused for one of `awaiting_reasons`, in one read after
    the statement that took the account's row (a read before it could miss the state another message of theirs
    has just saved). Two statements on every message's path, where an ORM load and the state's and the tickets'
    queries were four."""
    if resident_id is None:
        return Writer(await _first_contact(session, channel, external_id, community_id, at), {}, None, False)
    row = (await session.execute(_TURN, {"resident": resident_id, "reasons": list(awaiting_reasons)})).one()
    resident: Resident = row[0]
    _settle_community(resident, community_id)
    return Writer(resident, row.state or {}, row.updated_at, row.awaited)


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
