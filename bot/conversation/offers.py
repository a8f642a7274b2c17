"""Choices the office attached to a message it sent (满意 / 不满意, 我有异议), made answerable by number: on
channels where the resident types rather than presses (WeChat text, the terminal), the next message「1」 picks the
first, as if the pipeline had offered them.

Not while the resident is in the middle of a flow (choosing a time, giving an address): its numbers answer the
flow's own question, so the message shows its choices as words to reply instead (「回复“我有异议”即可」), and
those words work as ever."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dialogue import DialogueState
from bot.core.wording import Wording
from storage.profile import Profile
from storage.repositories import conversations

REPLIES: dict[str, tuple[str, ...]] = {
    "choices_by_word": ("labels",),
    "choices_by_word_separator": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


async def offer_choices(session: AsyncSession, profile: Profile, resident_id: int, choices: list[list[str]],
                        now: datetime) -> list[list[str]] | None:
    """Make `choices` the ones a number picks; returns those it replaced, or None when it did not (no choices,
    or a flow in progress). The conversation row is locked first, so that a turn of the resident's committed
    meanwhile is read, not overwritten."""
    if not choices:
        return None
    await conversations.lock_conversation(session, resident_id)
    state = _state(profile, *await conversations.load_state(session, resident_id), now)
    if state.flow is not None:
        return None
    replaced, state.offered = state.offered, choices
    await conversations.save_state(session, resident_id, state.to_json(), now)
    return replaced


async def withdraw_choices(session: AsyncSession, profile: Profile, resident_id: int, choices: list[list[str]],
                           replaced: list[list[str]], now: datetime) -> None:
    """The message carrying `choices` was not delivered after all: a number picks what it picked before,
    unless the resident has been offered something else since."""
    await conversations.lock_conversation(session, resident_id)
    state = _state(profile, *await conversations.load_state(session, resident_id), now)
    if state.offered == choices:
        state.offered = replaced
        await conversations.save_state(session, resident_id, state.to_json(), now)


def with_choices_as_words(wording: Wording, text: str, choices: list[list[str]]) -> str:
    """The text with its choices as words to reply (a number would answer the flow in progress)."""
    if not choices:
        return text
    labels = wording.render("choices_by_word_separator").join(label for label, _ in choices)
    return f"{text}\n{wording.render('choices_by_word', labels=labels)}"


def _state(profile: Profile, saved: dict[str, Any], updated_at: datetime | None, now: datetime) -> DialogueState:
    idle = timedelta(minutes=profile.district.conversation_idle_minutes)
    return DialogueState.restore(saved, updated_at, now, idle)
