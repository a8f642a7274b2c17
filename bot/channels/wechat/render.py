"""Replies as WeChat text: choices become a numbered list (WeChat text has no buttons), and a
passive answer carries only as much as fits WeChat's 2,048-byte limit."""

from __future__ import annotations

from bot.core.messages import Reply, plain_texts
from bot.core.wording import Wording

REPLIES: dict[str, tuple[str, ...]] = {
    "wechat_choice_hint": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


PASSIVE_LIMIT_BYTES = 2048
"""WeChat's limit for a text answer; a customer-service message has the same."""


def reply_texts(replies: list[Reply], wording: Wording) -> list[str]:
    """One text a reply, choices numbered across the turn, the hint after each reply that has some."""
    hint = wording.render("wechat_choice_hint")
    return [f"{text}\n{hint}" if reply.choices else text for reply, text in zip(replies, plain_texts(replies),
                                                                                   strict=True)]


def split_for_answer(texts: list[str]) -> tuple[str, list[str]]:
    """The texts joined into one passive answer as far as they fit whole; the rest to send after."""
    taken: list[str] = []
    for index, text in enumerate(texts):
        joined = "\n\n".join([*taken, text])
        if taken and len(joined.encode()) > PASSIVE_LIMIT_BYTES:
            return "\n\n".join(taken), texts[index:]
        taken.append(text)
    return "\n\n".join(taken), []


def chunks(text: str, limit: int = PASSIVE_LIMIT_BYTES) -> list[str]:
    """One text cut at line ends (or, for a very long line, anywhere) into pieces within `limit` bytes."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:
            cut = _fitting(line, limit)
            pieces.extend([current, line[:cut]] if current else [line[:cut]])
            current, line = "", line[cut:]
        if len((current + line).encode()) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current:
        pieces.append(current)
    return [p.rstrip("\n") for p in pieces if p.strip()]


def _fitting(text: str, limit: int) -> int:
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode())
        if size > limit:
            return index
    return len(text)
