"""The residents' web chat as a channel: the `/chat` page and its API when `web_chat` is on, the demo page's
unsigned chat with the demo pages. What the office sends a web resident waits in their inbox
(`bot.channels.inbox`) for the page to show."""

from __future__ import annotations

from fastapi import APIRouter

from bot.channels.inbox.deliverer import open_inbox_in_app, open_inbox_in_worker
from bot.channels.plugin import Channel
from bot.channels.web.adapter import CHANNEL as NAME
from bot.settings import Settings


def _routes(settings: Settings) -> list[APIRouter]:
    from bot.channels.web.route import demo_router, resident_router

    return [*([resident_router] if settings.web_chat else []), *([demo_router] if settings.demo_pages else [])]


CHANNEL = Channel(NAME, lambda settings: settings.web_chat or settings.demo_pages, _routes, open_inbox_in_app,
                  open_inbox_in_worker, pushes_to_residents=True)
