"""Telling every resident who reported a ticket's problem (its followers, `storage.models.TicketFollower`):
one outbox message each, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ticket
from storage.repositories import outbox
from storage.repositories.tickets import followers_of


async def tell_reporters(session: AsyncSession, ticket: Ticket, kind: str, payload: dict[str, Any],
                         leaving_out: int | None = None) -> int:
    """Returns how many were told; `leaving_out` is a resident told otherwise."""
    followers = [f for f in await followers_of(session, ticket.id) if f.resident_id != leaving_out]
    for follower in followers:
        outbox.enqueue(session, kind, payload, community_id=ticket.community_id, resident_id=follower.resident_id,
                       ticket_id=ticket.id)
    return len(followers)
