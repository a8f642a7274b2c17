"""The outbox: notifications written with their cause, delivered by a worker after commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage

PRIORITY_NORMAL = 100


def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, community_id: int | None = None,
            staff_id: int | None = None, resident_id: int | None = None, ticket_id: int | None = None,
            priority: int = PRIORITY_NORMAL) -> OutboxMessage:
    message = OutboxMessage(kind=kind, payload=payload, community_id=community_id, staff_id=staff_id,
                            resident_id=resident_id, ticket_id=ticket_id, priority=priority)
    session.add(message)
    return message
