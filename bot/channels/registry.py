"""Every channel the bot speaks on, one line each. A new platform is a folder with a `channel.py` that
makes a `Channel` (bot/channels/plugin.py) and a line here."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from bot.channels.plugin import Channel, Plugged
from bot.settings import Settings
from bot.workers.delivery import OutboxDispatcher

REGISTERED = (
    "bot.channels.wechat.channel",
    "bot.channels.wecom.channel",
    "bot.channels.telegram.channel",
    "bot.channels.web.channel",
    "bot.channels.terminal.channel",
)


@cache
def channels() -> tuple[Channel, ...]:
    return tuple(import_module(module).CHANNEL for module in REGISTERED)


def configured_channels(settings: Settings) -> list[Channel]:
    return [channel for channel in channels() if channel.configured(settings)]


def push_channels() -> frozenset[str]:
    """The channels the bot can write to a resident on unasked."""
    return frozenset(channel.name for channel in channels() if channel.pushes_to_residents)


def plug_into(dispatcher: OutboxDispatcher, channel: Channel, plugged: Plugged) -> Plugged:
    """The outbox delivers to the channel's residents and staff through what it opened."""
    if plugged.residents is not None:
        dispatcher.residents[channel.name] = plugged.residents
    if plugged.staff is not None:
        dispatcher.staff[channel.name] = plugged.staff
    return plugged


def shared_rate(plugged: list[Plugged]) -> Plugged | None:
    """The opened channel whose send rate the live workers share, if any."""
    return next((parts for parts in plugged if parts.pacer is not None), None)
