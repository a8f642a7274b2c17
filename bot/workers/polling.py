"""Background loops (the outbox dispatcher, the scheduler): run a step again and again until told to
stop, and run such a loop for the duration of a block."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

log = logging.getLogger(__name__)


async def poll_until_stopped(stop: asyncio.Event, step: Callable[[], Awaitable[int]], pause_seconds: float,
                             what: str) -> None:
    """Run `step` until `stop` is set: again at once while it finds work (returns more than 0), after
    `pause_seconds` when it found none or failed (the failure is logged and the loop goes on)."""
    while not stop.is_set():
        try:
            done = await step()
        except Exception:
            log.exception("%s failed; trying again", what)
            done = 0
        if not done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause_seconds)


class Loop(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...


@asynccontextmanager
async def running(loop: Loop) -> AsyncIterator[None]:
    """The loop (a dispatcher, a worker) runs in the background for the duration; stopped, after the
    work in hand, on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
