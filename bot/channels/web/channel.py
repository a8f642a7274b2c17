"""The residents' web chat as a channel: the `/chat` page and its API when `web_chat` is on, the demo page's
unsigned chat with the demo pages. What the office sends a web resident waits in their inbox
(`bot.channels.inbox`) for the page to show."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.datastructures import State

from bot.channels.inbox.deliverer import InboxDeliverer
from bot.channels.plugin import Channel, Plugged, WorkerPlace
from bot.channels.web.adapter import CHANNEL as NAME
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _routes(settings: Settings) -> list[APIRouter]:
    from bot.channels.web.route import demo_router, resident_router

    return [*([resident_router] if settings.web_chat else []), *([demo_router] if settings.demo_pages else [])]


async def _open_in_app(runtime: Runtime, _stack: AsyncExitStack, _state: State) -> Plugged:
    return Plugged(residents=InboxDeliverer(runtime.sessions, runtime.clock))


async def _open_in_worker(place: WorkerPlace, _stack: AsyncExitStack) -> Plugged:
    return Plugged(residents=InboxDeliverer(place.sessions, place.clock))


CHANNEL = Channel(NAME, lambda settings: settings.web_chat or settings.demo_pages, _routes, _open_in_app,
                  _open_in_worker, pushes_to_residents=True)
