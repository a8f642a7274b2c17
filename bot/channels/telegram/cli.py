"""`frontdoor telegram`: long polling for development, and pointing Telegram at the webhook."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
from rich.console import Console
from telegram.error import TelegramError

from bot.channels.registry import push_channels
from bot.settings import Settings

telegram_app = typer.Typer(help="The Telegram bot.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
log = logging.getLogger(__name__)
POLL_SECONDS = 25


@telegram_app.command("poll")
def poll(once: Annotated[bool, typer.Option(help="Handle what is waiting, then stop (tests).")] = False) -> None:
    """Fetch updates by long polling (no public URL needed) and answer them; Ctrl-C stops."""
    from bot.channels.telegram.setup import start_telegram, stop_telegram
    from bot.privacy.log_masking import configure_logging
    from bot.runtime import start_runtime
    from bot.workers.delivery import OutboxDispatcher
    from bot.workers.polling import running

    configure_logging(logging.WARNING)  # masked, and without a request line for every long poll
    settings = Settings()
    if settings.telegram_token is None:
        errors.print("set FRONTDOOR_TELEGRAM_TOKEN first")
        raise typer.Exit(1)

    async def serve() -> None:
        runtime = await start_runtime(settings)
        channel = await start_telegram(runtime)
        dispatcher = OutboxDispatcher(runtime.sessions, {"telegram": channel.sender}, {"telegram": channel.sender},
                                      push_channels=push_channels(), clock=runtime.clock)
        try:
            await channel.bot.delete_webhook()
            console.print(f"polling as @{channel.bot.username}")
            offset = 0
            async with running(dispatcher):
                while True:
                    updates = await channel.bot.get_updates(offset=offset, timeout=0 if once else POLL_SECONDS)
                    for update in updates:
                        await channel.updates.handle(update)
                        offset = update.update_id + 1
                    if once:
                        await dispatcher.dispatch_once()
                        await channel.sender.drain()
                        break
        finally:
            await stop_telegram(channel)
            await runtime.close()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    except TelegramError as error:
        errors.print(f"Telegram refused: {error}")
        raise typer.Exit(1) from error


@telegram_app.command("set-webhook")
def set_webhook(url: Annotated[str, typer.Argument(help="The public HTTPS address of /telegram/webhook.")]) -> None:
    """Tell Telegram to deliver updates to URL, with the configured secret token."""
    from bot.channels.telegram.client import telegram_bot

    settings = Settings()
    if settings.telegram_token is None or settings.telegram_webhook_secret is None:
        errors.print("set FRONTDOOR_TELEGRAM_TOKEN and FRONTDOOR_TELEGRAM_WEBHOOK_SECRET first")
        raise typer.Exit(1)
    secret = settings.telegram_webhook_secret.get_secret_value()

    async def point() -> None:
        async with telegram_bot(settings) as bot:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=["message", "callback_query"])

    try:
        asyncio.run(point())
    except TelegramError as error:
        errors.print(f"Telegram refused: {error}")
        raise typer.Exit(1) from error
    console.print(f"Telegram now delivers to {url}")
