"""Telegram as a channel for residents and staff: updates by webhook (`/telegram/webhook`, when a secret
is set) or long polling (`frontdoor telegram poll`); every send paced within the platform's limits."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.datastructures import State

from bot.channels.plugin import Channel, Plugged, WorkerPlace
from bot.channels.telegram.sender import CHANNEL as NAME
from bot.settings import Settings
from bot.workers.polling import running

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _routes(settings: Settings) -> list[APIRouter]:
    from bot.channels.telegram.route import router

    return [router] if settings.telegram_webhook_secret is not None else []


async def _open_in_app(runtime: Runtime, stack: AsyncExitStack, state: State) -> Plugged:
    from bot.channels.media import VoiceFetcher
    from bot.channels.telegram.media import telegram_download
    from bot.channels.telegram.setup import start_telegram, stop_telegram

    telegram = await start_telegram(runtime)
    stack.push_async_callback(stop_telegram, telegram)
    if runtime.settings.in_app_worker:
        fetcher = VoiceFetcher(runtime.sessions, NAME, telegram_download(telegram.sender.bot))
        await stack.enter_async_context(running(fetcher))
    secret = runtime.settings.telegram_webhook_secret
    state.telegram = telegram
    state.telegram_webhook_secret = secret.get_secret_value() if secret else ""
    return Plugged(telegram.sender, telegram.sender, telegram.sender.pacer, runtime.settings.telegram_per_second)


async def _open_in_worker(place: WorkerPlace, stack: AsyncExitStack) -> Plugged:
    from bot.channels.media import VoiceFetcher
    from bot.channels.telegram.client import telegram_bot
    from bot.channels.telegram.media import telegram_download
    from bot.channels.telegram.sender import TelegramSender

    bot = telegram_bot(place.settings)
    await bot.initialize()
    stack.push_async_callback(bot.shutdown)
    sender = TelegramSender(bot, place.sessions, place.profile, clock=place.clock)
    sender.start()
    stack.push_async_callback(sender.stop)
    await stack.enter_async_context(running(VoiceFetcher(place.sessions, NAME, telegram_download(bot))))
    return Plugged(sender, sender, sender.pacer, place.settings.telegram_per_second)


CHANNEL = Channel(NAME, lambda settings: settings.telegram_token is not None, _routes, _open_in_app, _open_in_worker,
                  pushes_to_residents=True, commands="bot.channels.telegram.cli:telegram_app")
