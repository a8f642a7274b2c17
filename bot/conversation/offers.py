"""Choices the office attached to a message it sent (满意 / 不满意), made answerable by number: on channels
where the resident types rather than presses (WeChat text, the terminal), the next message「1」 picks the first,
as if the pipeline had offered them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dialogue import DialogueState
from storage.profile import Profile
from storage.repositories import conversations


async def offer_choices(session: AsyncSession, profile: Profile, resident_id: int, choices: list[list[str]],
                        now: datetime) -> list[list[str]]:
    """Make `choices` the ones a number picks; returns those it replaced."""
    if not choices:
        return []
    conversation = await conversations.load_conversation(session, resident_id)
    state = _state(profile, conversation.state, conversation.updated_at, now)
    replaced, state.offered = state.offered, choices
    conversations.save_conversation(conversation, state.to_json(), now)
    return replaced


async def withdraw_choices(session: AsyncSession, profile: Profile, resident_id: int, choices: list[list[str]],
                           replaced: list[list[str]], now: datetime) -> None:
    """The message carrying `choices` was not delivered after all: a number picks what it picked before,
    unless the resident has been offered something else since."""
    if not choices:
        return
    conversation = await conversations.load_conversation(session, resident_id)
    state = _state(profile, conversation.state, conversation.updated_at, now)
    if state.offered == choices:
        state.offered = replaced
        conversations.save_conversation(conversation, state.to_json(), now)


def _state(profile: Profile, saved: dict[str, Any], updated_at: datetime | None, now: datetime) -> DialogueState:
    idle = timedelta(minutes=profile.district.conversation_idle_minutes)
    return DialogueState.restore(saved, updated_at, now, idle)
