"""What every handler gets and returns.

A handler is a short async function of (message, NLU result, context) returning replies. It
may read and write through repositories on `ctx.session` but never commits and makes no
network calls: side effects go to the outbox, delivered after the pipeline commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dialogue import DialogueState
from bot.core.messages import Choice, InboundMessage, Reply, TextReply
from bot.core.seal import DEVELOPMENT_SEAL, Seal
from bot.core.wording import Wording
from nlu.result import ParseResult
from storage.models import Community, Resident
from storage.profile import Profile

if TYPE_CHECKING:  # scikit-learn behind it: processes that only check intents (workers) need not load it
    from nlu.policy_index import PolicyLibrary


REPLIES: dict[str, tuple[str, ...]] = {
    "intent_appeal_report": (),
    "intent_certificate_request": (),
    "intent_appointment_book": (),
    "intent_appointment_cancel": (),
    "intent_policy_question": (),
    "intent_safety_tip": (),
    "intent_emergency": (),
    "intent_subscribe_notices": (),
    "intent_unsubscribe_notices": (),
    "intent_request_status": (),
    "intent_feedback": (),
    "intent_report_clue": (),
    "intent_human_handoff": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""
OFFERABLE_INTENTS = tuple(key.removeprefix("intent_") for key in REPLIES)
"""Needs the bot can offer as a choice: each has an `intent_<name>` reply, its label on a button."""


@dataclass
class HandlerContext:
    session: AsyncSession
    profile: Profile
    resident: Resident
    community: Community | None
    state: DialogueState
    now: datetime
    channel: str
    policies: PolicyLibrary | None = None
    replay_replies: list[Reply] | None = None
    """What a retry of this message is answered with, when the replies must not be stored with
    the resident's id (an anonymous clue's receipt number); None stores the replies themselves."""
    anonymous: bool = False
    """A turn of an anonymous clue: its retry-cache row keeps neither the resident nor the moment."""
    seal: Seal = DEVELOPMENT_SEAL
    last_guide: str | None = None
    """The title of the guide quoted in answer to the resident's last message (`DialogueState.guide`)."""
    last_quoted: str | None = None
    """The heading of that guide's passage quoted (`DialogueState.quoted`)."""
    may_be_awaited: bool = True
    """False when the turn's first read found no ticket of the resident's paused waiting on them: nothing need
    look for one (`ticket_answer`)."""

    @property
    def wording(self) -> Wording:
        return Wording(self.profile, self.community.key if self.community else None)

    def keep_guide_in_mind(self) -> None:
        """The guide just quoted stays the topic through words not understood: 「我今年八十一了」 after the 高龄津贴
        guide, then 「那要带什么材料」, asks about that guide still."""
        if self.state.guide is None:
            self.state.guide, self.state.quoted = self.last_guide, self.last_quoted

    def say(self, key: str, *choices: Choice, **fields: object) -> TextReply:
        return TextReply(self.wording.render(key, **fields), tuple(choices))

    def choice_of(self, label_key: str, payload: str) -> Choice:
        """A button labelled by a reply template."""
        return Choice(self.wording.render(label_key), payload)

    def offer(self, intent: str) -> Choice:
        """A button for a need; pressing it answers with that intent."""
        return Choice(self.wording.render(f"intent_{intent}"), f"/{intent}")


Handler = Callable[[InboundMessage, ParseResult, HandlerContext], Awaitable[list[Reply]]]
AnswerCheck = Callable[[ParseResult, HandlerContext], Awaitable[bool]]
"""Whether a message answers the question a flow waits on; a flow's module may declare one as `answers`."""

MENU = ("appeal_report", "certificate_request", "appointment_book", "policy_question", "human_handoff")
"""What the bot offers when it greets or is not sure."""


ASKED = "asked_"
"""Slot-state key prefix counting how often each question was asked."""
ASKS_BEFORE_A_PERSON = 2


def asked_with_a_way_out(ctx: HandlerContext, slot_name: str, replies: list[Reply]) -> list[Reply]:
    """The question, and from its third time on a button to a person: no question loops without a way out."""
    key = f"{ASKED}{slot_name}"
    times = int(ctx.state.slots.get(key, "0")) + 1
    ctx.state.slots[key] = str(times)
    if times <= ASKS_BEFORE_A_PERSON or not replies:
        return replies
    return [*replies[:-1], with_a_person(ctx, replies[-1])]


def with_a_person(ctx: HandlerContext, reply: Reply) -> Reply:
    """The reply with a button to a person after its own, once."""
    person = ctx.offer("human_handoff")
    return reply if person in reply.choices else replace(reply, choices=(*reply.choices, person))


def menu(ctx: HandlerContext) -> tuple[Choice, ...]:
    return tuple(ctx.offer(intent) for intent in MENU)
