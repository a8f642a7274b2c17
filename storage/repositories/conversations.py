"""Stored dialogue state, one row per resident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


async def lock_conversation(session: AsyncSession, resident_id: int) -> None:
    """Hold the resident's conversation row until the transaction ends, on PostgreSQL (a row lock) and on SQLite
    (the write lock, taken by this write before anything is read), so a read-modify-write of it is not
    interleaved with another. A resident with no conversation yet locks nothing."""
    await session.execute(update(Conversation).where(Conversation.resident_id == resident_id)
                          .values(resident_id=Conversation.resident_id))


async def load_conversation(session: AsyncSession, resident_id: int) -> Conversation:
    conversation = await session.get(Conversation, resident_id)
    if conversation is None:
        conversation = Conversation(resident_id=resident_id, state={}, updated_at=None)
        session.add(conversation)
    return conversation


def save_conversation(conversation: Conversation, state: dict[str, Any], now: datetime) -> None:
    conversation.state = state
    conversation.updated_at = now
