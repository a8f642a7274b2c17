"""Stored dialogue state, one row per resident."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


async def load_conversation(session: AsyncSession, resident_id: int) -> Conversation:
    conversation = await session.get(Conversation, resident_id)
    if conversation is None:
        conversation = Conversation(resident_id=resident_id, state={}, updated_at=None)
        session.add(conversation)
    return conversation


def save_conversation(conversation: Conversation, state: dict[str, Any], now: datetime) -> None:
    conversation.state = state
    conversation.updated_at = now
