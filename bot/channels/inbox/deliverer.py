"""The outbox's sender for channels that show a resident's messages when the resident looks (the web page,
the terminal chat): there is no platform to call, so a message is delivered by being put in the resident's
inbox (`storage.repositories.inbox`), where the open page picks it up at once and a closed one on return."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State

from bot.channels.plugin import Plugged, WorkerPlace
from storage.clock import Clock, system_clock
from storage.repositories.inbox import put_in_inboxes

if TYPE_CHECKING:
    from bot.runtime import Runtime


@dataclass
class InboxDeliverer:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock = system_clock

    async def deliver(self, outbox_id: int) -> None:
        await self.deliver_many([outbox_id])

    async def deliver_many(self, outbox_ids: list[int]) -> None:
        async with self.sessions() as session, session.begin():
            await put_in_inboxes(session, outbox_ids, self.clock())


async def open_inbox_in_app(runtime: Runtime, _stack: AsyncExitStack, _state: State) -> Plugged:
    """A channel's `open_in_app` when its residents read an inbox."""
    return Plugged(residents=InboxDeliverer(runtime.sessions, runtime.clock))


async def open_inbox_in_worker(place: WorkerPlace, _stack: AsyncExitStack) -> Plugged:
    """A channel's `open_in_worker` when its residents read an inbox."""
    return Plugged(residents=InboxDeliverer(place.sessions, place.clock))
