"""A resident's inbox on the channels that show what the office sends when the resident looks: the web
page and the terminal chat. It is the resident's outbox rows that no platform refused, in order, so a page
that reconnects after the last one it showed (its cursor) misses nothing and shows nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage
from storage.repositories.outbox import text_of

PAGE = 50


@dataclass(frozen=True)
class InboxMessage:
    id: int
    text: str
    choices: list[tuple[str, str]]
    """(label, payload) of each button the office attached (满意 / 不满意)."""


async def messages_after(session: AsyncSession, resident_id: int, cursor: int, now: datetime,
                         limit: int = PAGE) -> list[InboxMessage]:
    """The resident's messages after `cursor` (an outbox id), oldest first; each is marked delivered as it
    is shown, if the outbox had not already put it here."""
    rows: Sequence[OutboxMessage] = (await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.resident_id == resident_id, OutboxMessage.staff_id.is_(None),
               OutboxMessage.undeliverable_reason.is_(None), OutboxMessage.id > cursor)
        .order_by(OutboxMessage.id).limit(limit))).all()
    shown = [InboxMessage(row.id, await text_of(session, row),
                          [(str(label), str(payload)) for label, payload in row.payload.get("choices", [])])
             for row in rows]
    pending = [row.id for row in rows if row.delivered_at is None]
    if pending:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(pending),
                                                          OutboxMessage.delivered_at.is_(None))
                              .values(delivered_at=now).execution_options(synchronize_session=False))
    return shown


async def put_in_inboxes(session: AsyncSession, outbox_ids: list[int], now: datetime) -> None:
    """These messages wait in their residents' inboxes: delivered, as far as the outbox is concerned."""
    await session.execute(update(OutboxMessage)
                          .where(OutboxMessage.id.in_(outbox_ids), OutboxMessage.delivered_at.is_(None),
                                 OutboxMessage.undeliverable_reason.is_(None))
                          .values(delivered_at=now).execution_options(synchronize_session=False))
