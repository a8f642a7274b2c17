"""The outbox: notifications written with their cause, delivered by a worker after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage

PRIORITY_URGENT = 0
"""Emergency alerts: delivered before anything else waiting, however long the queue."""
PRIORITY_NORMAL = 100


def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, community_id: int | None = None,
            staff_id: int | None = None, resident_id: int | None = None, ticket_id: int | None = None,
            priority: int = PRIORITY_NORMAL) -> OutboxMessage:
    message = OutboxMessage(kind=kind, payload=payload, community_id=community_id, staff_id=staff_id,
                            resident_id=resident_id, ticket_id=ticket_id, priority=priority)
    session.add(message)
    return message


RETRY_BASE_SECONDS = 5
RETRY_CAP_SECONDS = 600


def retry_later(message: OutboxMessage, error: str, now: datetime) -> None:
    """A passing failure (network, platform busy): try again after a growing pause."""
    message.attempts = (message.attempts or 0) + 1
    message.last_error = error[:500]
    message.available_at = now + timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** (message.attempts - 1),
                                                       RETRY_CAP_SECONDS))


def settle_undeliverable(message: OutboxMessage, reason: str) -> None:
    """The platform can never take it (no account, window shut, bot blocked): kept, shown, not retried."""
    message.undeliverable_reason = reason


async def next_batch(session: AsyncSession, limit: int, *, now: datetime | None = None) -> Sequence[OutboxMessage]:
    """Undelivered messages, most urgent first, then in the order they were written; with `now`,
    only those already due."""
    query = select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None),
                                        OutboxMessage.undeliverable_reason.is_(None))
    if now is not None:
        query = query.where(OutboxMessage.available_at <= now)
    query = query.order_by(OutboxMessage.priority, OutboxMessage.id).limit(limit)
    return (await session.scalars(query)).all()


async def undeliverable(session: AsyncSession, limit: int = 100) -> Sequence[OutboxMessage]:
    """Messages no platform could take, newest first, for staff to follow up by other means."""
    query = (select(OutboxMessage).where(OutboxMessage.undeliverable_reason.is_not(None))
             .order_by(OutboxMessage.id.desc()).limit(limit))
    return (await session.scalars(query)).all()
