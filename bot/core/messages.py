"""The channel-neutral message a resident sends and the replies the bot gives back.

Channels turn platform payloads into `InboundMessage`s and render `Reply`s; nothing between
them knows which platform a message came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Photo:
    """A picture a resident sent, as the platform refers to it."""

    media_id: str
    url: str | None = None


@dataclass(frozen=True)
class VoiceNote:
    """A voice message, as the platform refers to its audio (fetched later through its media API)."""

    media_id: str
    format: str = ""
    """The platform's name for the encoding (WeChat: amr or speex)."""


@dataclass(frozen=True)
class SharedLocation:
    """A point a resident shared from their phone's map."""

    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    sender_id: str
    message_id: str
    text: str
    sent_at: datetime
    community_key: str | None = None
    """Set by channels bound to one community (its own account); otherwise the bot asks."""
    photo: Photo | None = None
    """A picture instead of words: it goes with the resident's open ticket or waits for the next."""
    location: SharedLocation | None = None
    """A shared location instead of words: its nearest building is offered as the address."""
    voice: VoiceNote | None = None
    """A voice message: kept with the resident's open ticket; its recognised words, if the platform sent any,
    are `text`; without them a person listens to it."""

    @property
    def retry_key(self) -> str:
        """What a retry of this message is known by: the platform's id within its sender. Platform ids are
        neither secret nor unique across senders (a WeChat MsgId, a Telegram callback id), so another sender
        naming the same id is a new message and never reads these replies."""
        return f"{self.sender_id}:{self.message_id}"


@dataclass(frozen=True)
class Choice:
    """A button: `label` is shown; `payload` comes back as the resident's answer when pressed."""

    label: str
    payload: str


@dataclass(frozen=True)
class TextReply:
    text: str
    choices: tuple[Choice, ...] = ()

    def as_plain_text(self, first_number: int = 1) -> str:
        """For channels without buttons: the choices as a numbered list, from `first_number`."""
        if not self.choices:
            return self.text
        lines = [f"{i}. {c.label}" for i, c in enumerate(self.choices, start=first_number)]
        return "\n".join([self.text, *lines])


Reply = TextReply


def plain_texts(replies: list[Reply]) -> list[str]:
    """The replies of one turn as text, their choices numbered on from one reply to the next, as the
    resident's typed number is read (`bot.core.dialogue.DialogueState.chosen_payload`)."""
    texts, number = [], 1
    for reply in replies:
        texts.append(reply.as_plain_text(number))
        number += len(reply.choices)
    return texts


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {"type": "text", "text": reply.text, "choices": [[c.label, c.payload] for c in reply.choices]}


def reply_from_json(data: dict[str, Any]) -> Reply:
    return TextReply(data["text"], tuple(Choice(label, payload) for label, payload in data.get("choices", [])))


def message_to_json(message: InboundMessage) -> dict[str, Any]:
    """`message` as JSON, for a store that must give it back whole (`message_from_json`)."""
    data = asdict(message)
    data["sent_at"] = message.sent_at.isoformat()
    return data


def message_from_json(data: dict[str, Any]) -> InboundMessage:
    photo, location, voice = data.get("photo"), data.get("location"), data.get("voice")
    return InboundMessage(
        data["channel"], data["sender_id"], data["message_id"], data["text"], datetime.fromisoformat(data["sent_at"]),
        data.get("community_key"), Photo(**photo) if photo else None,
        SharedLocation(**location) if location else None, VoiceNote(**voice) if voice else None)
