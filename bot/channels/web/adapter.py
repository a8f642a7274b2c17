"""Browser chat: a JSON message in, the replies as JSON out."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from bot.core.messages import InboundMessage, Reply

CHANNEL = "web"


class WebMessageIn(BaseModel):
    sender_id: str = Field(min_length=1, max_length=64, pattern=r"^[\w-]+$")
    text: str = Field(min_length=1, max_length=2000)
    message_id: str | None = Field(default=None, max_length=35)
    """Unique per sender (the stored key is `<sender_id>:<message_id>`, 100 characters at most)."""
    community: str | None = Field(default=None, max_length=40)


class ChoiceOut(BaseModel):
    label: str
    payload: str


class ReplyOut(BaseModel):
    text: str
    choices: list[ChoiceOut] = []


def resident_message(sender_id: str, text: str, message_id: str | None, community: str | None,
                     now: datetime) -> InboundMessage:
    """A retry (the same message id from the same sender) gets the stored replies (`InboundMessage.retry_key`)."""
    return InboundMessage(channel=CHANNEL, sender_id=sender_id, message_id=message_id or uuid.uuid4().hex, text=text,
                          sent_at=now, community_key=community)


def parse_message(body: WebMessageIn, now: datetime) -> InboundMessage:
    return resident_message(body.sender_id, body.text, body.message_id, body.community, now)


def render_replies(replies: list[Reply]) -> list[ReplyOut]:
    return [ReplyOut(text=r.text, choices=[ChoiceOut(label=c.label, payload=c.payload) for c in r.choices])
            for r in replies]
