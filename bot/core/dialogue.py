"""A resident's dialogue state: the open flow, what it is waiting for, and the slots so far."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

RECENT_MESSAGES = 3
RECENT_CHARS = 200
PICK_DIGITS = 2
"""A number of at most this many digits is a pick from choices; a longer one is a phone, an ID or a room."""


def is_a_pick(text: str) -> bool:
    """「1」, 「３」: a number alone, as residents answer a list of choices."""
    stripped = text.strip()
    return stripped.isdigit() and len(stripped) <= PICK_DIGITS


@dataclass
class DialogueState:
    flow: str | None = None
    awaiting: str | None = None
    slots: dict[str, str] = field(default_factory=dict)
    misses: int = 0
    """Consecutive messages not understood: the first gets a question, the second a person."""
    pending_text: str | None = None
    """What the resident said when the bot asked which need they meant; the answer applies to it."""
    suspended: dict[str, Any] | None = None
    """A flow put aside when another need broke in; `resume` brings it back."""
    later: list[str] | None = None
    """A second need said in the same message as the first, as [intent, its words], offered when the first is done."""
    filed: list[str] = field(default_factory=list)
    """The tickets of the report just filed, for the next message only: 「不对 是91栋」 moves them."""
    booked: str | None = None
    """The number of an appointment just booked without a phone, for the next message only: a phone sent then is
    left on it (the summary said it may be)."""
    guide: str | None = None
    """The title of the guide just quoted, for the next message only: 「要带啥材料」 then asks more of it."""
    quoted: str | None = None
    """The heading of the passage of `guide` quoted: 「我不会用手机」 after the steps on the phone asks another way."""
    recent: list[str] = field(default_factory=list)
    """The resident's last few messages, so a person taking over sees what was said before 「转人工」."""
    offered: list[list[str]] = field(default_factory=list)
    """The choices of the last answer as [label, payload]: on channels without buttons the resident
    answers with the number or the label, and it is read as the payload."""

    def chosen_payload(self, text: str) -> str | None:
        """The payload a bare number or an exact label picks from the last answer's choices."""
        stripped = text.strip()
        if is_a_pick(stripped) and 1 <= int(stripped) <= len(self.offered):
            return self.offered[int(stripped) - 1][1]
        return next((payload for label, payload in self.offered if label == stripped), None)

    def remember_words(self, text: str) -> None:
        words = text.strip()
        if words and not words.startswith("/"):
            self.recent = [*self.recent, words[:RECENT_CHARS]][-RECENT_MESSAGES:]

    def start(self, flow: str) -> None:
        self.flow, self.awaiting, self.slots = flow, None, {}

    def finish(self) -> None:
        self.flow, self.awaiting, self.slots = None, None, {}

    def suspend(self) -> None:
        self.suspended = {"flow": self.flow, "awaiting": self.awaiting, "slots": dict(self.slots)}
        self.finish()

    def resume(self) -> bool:
        if not self.suspended:
            return False
        self.flow, self.awaiting = self.suspended["flow"], self.suspended["awaiting"]
        self.slots, self.suspended = dict(self.suspended["slots"]), None
        return True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def restore(cls, data: dict[str, Any], updated_at: datetime | None, now: datetime,
                idle: timedelta) -> DialogueState:
        """The stored state, or a fresh one when the resident has been silent longer than `idle`."""
        if not data or updated_at is None or now - updated_at > idle:
            return cls()
        return cls(flow=data.get("flow"), awaiting=data.get("awaiting"), slots=dict(data.get("slots") or {}),
                   misses=int(data.get("misses") or 0), pending_text=data.get("pending_text"),
                   suspended=data.get("suspended"), later=data.get("later"),
                   filed=list(data.get("filed") or []), booked=data.get("booked"), guide=data.get("guide"),
                   quoted=data.get("quoted"), recent=list(data.get("recent") or []),
                   offered=[list(c) for c in data.get("offered") or []])
