"""The outbox: notifications written with their cause, delivered by a worker after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notice, OutboxMessage

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


async def claim_due(session: AsyncSession, limit: int, now: datetime, lease: timedelta,
                    worker: str) -> Sequence[OutboxMessage]:
    """Take up to `limit` due messages for this worker, most urgent first: each is put off until the
    lease ends, so no other worker takes it meanwhile, and comes due again then if it was not settled
    (the worker died). On PostgreSQL rows another worker is claiming are skipped, not waited for; the
    guarded UPDATE keeps a claim exclusive on SQLite too, where writers take turns."""
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.undeliverable_reason.is_(None),
                  OutboxMessage.available_at <= now)
           .order_by(OutboxMessage.priority, OutboxMessage.id).limit(limit)
           .with_for_update(skip_locked=True))
    ids = list(await session.scalars(due))
    if not ids:
        return []
    claimed = await session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.available_at <= now, OutboxMessage.delivered_at.is_(None))
        .values(available_at=now + lease, claimed_by=worker)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False))
    taken = sorted(claimed)
    rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(taken))
                                 .order_by(OutboxMessage.priority, OutboxMessage.id)
                                 .execution_options(populate_existing=True))
    return rows.all()


async def text_of(session: AsyncSession, message: OutboxMessage) -> str:
    """What the recipient reads: a notice delivery carries its notice's text (one copy for all of its
    recipients, loaded once per session), any other message its own."""
    if message.notice_id is not None:
        notice = await session.get(Notice, message.notice_id)
        return notice.body or "" if notice is not None else ""
    return str(message.payload.get("text", ""))


async def undeliverable(session: AsyncSession, limit: int = 100) -> Sequence[OutboxMessage]:
    """Messages no platform could take, newest first, for staff to follow up by other means."""
    query = (select(OutboxMessage).where(OutboxMessage.undeliverable_reason.is_not(None))
             .order_by(OutboxMessage.id.desc()).limit(limit))
    return (await session.scalars(query)).all()
