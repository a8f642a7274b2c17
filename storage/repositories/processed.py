"""Keys of platform messages already handled, for de-duplicating webhook retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedMessage


async def find_processed(session: AsyncSession, channel: str, message_id: str) -> ProcessedMessage | None:
    return await session.get(ProcessedMessage, (channel, message_id))


async def claim_message(session: AsyncSession, channel: str, message_id: str, resident_id: int) -> ProcessedMessage:
    """Insert the key now, so a concurrent retry waits on it (and then fails) instead of acting twice."""
    processed = ProcessedMessage(channel=channel, message_id=message_id, resident_id=resident_id, replies=[])
    session.add(processed)
    await session.flush()
    return processed


def unlink(processed: ProcessedMessage, timezone: ZoneInfo) -> None:
    """A turn of an anonymous clue: the row keeps no resident and only the local day, so neither its owner
    nor its moment pairs it with the clue or the police's alert. Its key is already sealed (`bot.core.seal`)."""
    processed.resident_id = None
    processed.created_at = processed.created_at.astimezone(timezone).replace(hour=0, minute=0, second=0,
                                                                             microsecond=0)


def record_replies(processed: ProcessedMessage, replies: list[dict[str, Any]]) -> None:
    processed.replies = replies


ANSWER = "answer"
"""The webhook's own answer: WeChat retries only when it did not get it, so a retry may answer again."""
SEND = "send"


async def claim_delivery(session: AsyncSession, channel: str, message_id: str, by: str, at: datetime) -> bool:
    """True when `by` may deliver the replies: nobody has yet, or (for ANSWER) only earlier answers did.
    An anonymous clue's row (no resident) keeps its day as the delivery time, not the moment."""
    key = (ProcessedMessage.channel == channel, ProcessedMessage.message_id == message_id)
    unclaimed = ProcessedMessage.delivered_by.is_(None)
    allowed = or_(unclaimed, ProcessedMessage.delivered_by == ANSWER) if by == ANSWER else unclaimed
    anonymous_day = case((ProcessedMessage.resident_id.is_(None), ProcessedMessage.created_at), else_=at)
    result = await session.execute(update(ProcessedMessage).where(*key, allowed)
                                   .values(delivered_by=by, delivered_at=anonymous_day))
    return bool(result.rowcount)  # type: ignore[attr-defined]
