"""Keys of platform messages already handled, for de-duplicating webhook retries."""

from __future__ import annotations

from typing import Any

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


def record_replies(processed: ProcessedMessage, replies: list[dict[str, Any]]) -> None:
    processed.replies = replies
