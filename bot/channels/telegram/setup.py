"""The Telegram bot assembled from settings and the running front door."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot

from bot.channels.telegram.client import telegram_bot
from bot.channels.telegram.sender import CHANNEL, TelegramSender
from bot.channels.telegram.updates import TelegramUpdates
from bot.office.staff_desk import StaffDesk
from bot.runtime import Runtime


@dataclass(frozen=True)
class TelegramChannel:
    bot: Bot
    sender: TelegramSender
    updates: TelegramUpdates


async def start_telegram(runtime: Runtime) -> TelegramChannel:
    """Initialised (getMe) and sending; call `stop_telegram` on shutdown."""
    bot = telegram_bot(runtime.settings)
    await bot.initialize()
    clock = runtime.clock
    sender = TelegramSender(bot, runtime.sessions, runtime.profile, clock=clock)
    sender.start()
    desk = StaffDesk(runtime.sessions, runtime.profile, CHANNEL, clock)
    updates = TelegramUpdates(runtime.pipeline, runtime.sessions, desk, sender, runtime.settings.telegram_community,
                              clock)
    return TelegramChannel(bot, sender, updates)


async def stop_telegram(channel: TelegramChannel) -> None:
    await channel.sender.stop()
    await channel.bot.shutdown()
