"""The demo page's browser chat as a channel: JSON in, the replies in the answer. It takes any sender id it
is given, so it is served only with the demo pages (never in production), and cannot write unasked."""

from __future__ import annotations

from fastapi import APIRouter

from bot.channels.plugin import Channel
from bot.channels.web.adapter import CHANNEL as NAME
from bot.settings import Settings


def _routes(_settings: Settings) -> list[APIRouter]:
    from bot.channels.web.route import router

    return [router]


CHANNEL = Channel(NAME, lambda settings: settings.demo_pages, _routes)
