"""What every handler gets and returns.

A handler is a short async function of (message, NLU result, context) returning replies. It
may read and write through repositories on `ctx.session` but never commits and makes no
network calls: side effects go to the outbox, delivered after the pipeline commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogue import DialogueState
from bot.messages import Choice, InboundMessage, Reply, TextReply
from bot.wording import Wording
from nlu.result import ParseResult
from storage.models import Community, Resident
from storage.profile import Profile


@dataclass
class HandlerContext:
    session: AsyncSession
    profile: Profile
    resident: Resident
    community: Community | None
    state: DialogueState
    now: datetime
    channel: str

    @property
    def wording(self) -> Wording:
        return Wording(self.profile, self.community.key if self.community else None)

    def say(self, key: str, *choices: Choice, **fields: object) -> TextReply:
        return TextReply(self.wording.render(key, **fields), tuple(choices))

    def choice(self, label_key: str, payload: str) -> Choice:
        return Choice(self.wording.render(label_key), payload)


Handler = Callable[[InboundMessage, ParseResult, HandlerContext], Awaitable[list[Reply]]]

MENU = (
    ("choice_appeal", "/appeal_report"),
    ("choice_certificate", "/certificate_request"),
    ("choice_appointment", "/appointment_book"),
    ("choice_policy", "/policy_question"),
    ("choice_handoff", "/human_handoff"),
)
"""What the bot offers when it is not sure: (label template, payload that comes back)."""


def menu(ctx: HandlerContext) -> tuple[Choice, ...]:
    return tuple(ctx.choice(label, payload) for label, payload in MENU)
