"""A Telegram voice note's audio, through `getFile` and the file URL it names (`bot.channels.media` keeps it)."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.media import Download

log = logging.getLogger(__name__)

VOICE_TYPE = "audio/ogg"
"""Telegram records voice messages as Opus in OGG."""


def telegram_download(bot: Bot) -> Download:
    async def download(file_id: str) -> tuple[str, bytes] | None:
        try:
            found = await bot.get_file(file_id)
            audio = await found.download_as_bytearray()
        except TelegramError as error:
            log.warning("voice note %s could not be fetched: %s", file_id[:8], type(error).__name__)
            return None
        return VOICE_TYPE, bytes(audio)

    return download
