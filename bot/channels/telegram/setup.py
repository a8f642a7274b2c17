"""The Telegram bot assembled from settings and the running front door."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram.sender import CHANNEL, TelegramSender
from bot.channels.telegram.updates import TelegramUpdates
from bot.runtime import Runtime
from bot.settings import Settings
from bot.staff_desk import StaffDesk

CONNECTIONS = 64
"""Sends under way at once (the pacer decides when each starts)."""


@dataclass(frozen=True)
class TelegramChannel:
    bot: Bot
    sender: TelegramSender
    updates: TelegramUpdates


def telegram_bot(settings: Settings) -> Bot:
    if settings.telegram_token is None:
        raise ValueError("FRONTDOOR_TELEGRAM_TOKEN is not set")
    base = settings.telegram_api_base.rstrip("/")
    return Bot(settings.telegram_token.get_secret_value(), base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
               request=HTTPXRequest(connection_pool_size=CONNECTIONS, read_timeout=10, pool_timeout=10),
               get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=40))


async def start_telegram(runtime: Runtime) -> TelegramChannel:
    """Initialised (getMe) and sending; call `stop_telegram` on shutdown."""
    bot = telegram_bot(runtime.settings)
    await bot.initialize()
    clock = runtime.pipeline.clock
    sender = TelegramSender(bot, runtime.sessions, runtime.profile)  # leases and marks in wall-clock time
    sender.start()
    desk = StaffDesk(runtime.sessions, runtime.profile, CHANNEL, clock)
    updates = TelegramUpdates(runtime.pipeline, runtime.sessions, desk, sender, runtime.settings.telegram_community,
                              clock)
    return TelegramChannel(bot, sender, updates)


async def stop_telegram(channel: TelegramChannel) -> None:
    await channel.sender.stop()
    await channel.bot.shutdown()
