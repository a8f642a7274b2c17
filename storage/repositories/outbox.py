"""The outbox: notifications written with their cause, delivered by a worker after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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


async def next_batch(session: AsyncSession, limit: int, *, now: datetime | None = None) -> Sequence[OutboxMessage]:
    """Undelivered messages, most urgent first, then in the order they were written; with `now`,
    only those already due."""
    query = select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None))
    if now is not None:
        query = query.where(OutboxMessage.available_at <= now)
    query = query.order_by(OutboxMessage.priority, OutboxMessage.id).limit(limit)
    return (await session.scalars(query)).all()
