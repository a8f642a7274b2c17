"""Replies as Telegram messages: choices become an inline keyboard, long text is split at the limit."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.messages import Choice, Reply

TEXT_LIMIT = 4096
"""Characters in one Telegram message."""
CALLBACK_DATA_BYTES = 64
STAFF_PREFIX = "staff:"
"""Callback data of a staff button: the prefix, then the staff command it stands for."""


def callback_data(choice: Choice) -> str:
    """What a pressed button sends back: the payload, or (when that is over Telegram's 64 bytes) the label,
    which the pipeline maps back to the payload of the choices it last offered."""
    return choice.payload if len(choice.payload.encode()) <= CALLBACK_DATA_BYTES else choice.label


def keyboard(choices: Sequence[Choice], per_row: int = 2) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    buttons = [InlineKeyboardButton(c.label, callback_data=callback_data(c)) for c in choices]
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def one_message(replies: Sequence[Reply]) -> tuple[str, InlineKeyboardMarkup | None]:
    """All replies to one message as one Telegram message (one a second per chat is the rule)."""
    text = "\n\n".join(r.text for r in replies)
    return text, keyboard([c for r in replies for c in r.choices])


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces within `limit` characters, cut at line ends where there are any."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*pieces, text] if text else pieces


def staff_keyboard(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Buttons (label, staff command) on a ticket notification."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=STAFF_PREFIX + command)
                                  for label, command in buttons]])
