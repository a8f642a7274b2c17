"""The python-telegram-bot `Bot` for our token and API base, with connections enough for paced sending."""

from __future__ import annotations

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.settings import Settings

CONNECTIONS = 64
"""Sends under way at once (the pacer decides when each starts)."""


def telegram_bot(settings: Settings) -> Bot:
    if settings.telegram_token is None:
        raise ValueError("FRONTDOOR_TELEGRAM_TOKEN is not set")
    base = settings.telegram_api_base.rstrip("/")
    return Bot(settings.telegram_token.get_secret_value(), base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
               request=HTTPXRequest(connection_pool_size=CONNECTIONS, read_timeout=10, pool_timeout=10),
               get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=40))
