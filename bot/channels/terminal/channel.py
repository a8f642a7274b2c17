"""The terminal chat as a channel: what the office sends a terminal resident waits in their inbox
(`bot.channels.inbox`), and `frontdoor chat` shows it while it runs."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from starlette.datastructures import State

from bot.channels.inbox.deliverer import InboxDeliverer
from bot.channels.plugin import Channel, Plugged, WorkerPlace

if TYPE_CHECKING:
    from bot.runtime import Runtime

NAME = "terminal"


async def _open_in_app(runtime: Runtime, _stack: AsyncExitStack, _state: State) -> Plugged:
    return Plugged(residents=InboxDeliverer(runtime.sessions, runtime.clock))


async def _open_in_worker(place: WorkerPlace, _stack: AsyncExitStack) -> Plugged:
    return Plugged(residents=InboxDeliverer(place.sessions, place.clock))


CHANNEL = Channel(NAME, lambda _settings: True, open_in_app=_open_in_app, open_in_worker=_open_in_worker,
                  pushes_to_residents=True)
