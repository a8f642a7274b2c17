"""Choices the office attached to a message it sent (满意 / 不满意), made answerable by number: on channels
where the resident types rather than presses (WeChat text, the terminal), the next message「1」 picks the first,
as if the pipeline had offered them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dialogue import DialogueState
from storage.profile import Profile
from storage.repositories import conversations


async def offer_choices(session: AsyncSession, profile: Profile, resident_id: int, choices: list[list[str]],
                        now: datetime) -> None:
    if not choices:
        return
    conversation = await conversations.load_conversation(session, resident_id)
    idle = timedelta(minutes=profile.district.conversation_idle_minutes)
    state = DialogueState.restore(conversation.state, conversation.updated_at, now, idle)
    state.offered = choices
    conversations.save_conversation(conversation, state.to_json(), now)
