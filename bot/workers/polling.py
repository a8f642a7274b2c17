"""Background loops (the outbox dispatcher, the scheduler): run a step again and again until told to
stop, and run such a loop for the duration of a block."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol

from storage.db import is_transient

log = logging.getLogger(__name__)


async def poll_until_stopped(stop: asyncio.Event, step: Callable[[], Awaitable[int]], pause_seconds: float,
                             what: str) -> None:
    """Run `step` until `stop` is set: again at once while it finds work (returns more than 0), after
    `pause_seconds` when it found none or failed (the failure is logged and the loop goes on)."""
    unreachable = False
    while not stop.is_set():
        try:
            done = await step()
        except Exception as error:
            if not is_transient(error):
                log.exception("%s failed; trying again", what)
            elif not unreachable:  # a database outage is said once, not once a second with a traceback
                log.warning("%s: database unavailable (%s); trying again", what, type(error).__name__)
            unreachable = is_transient(error)
            done = 0
        else:
            if unreachable:
                log.info("%s: the database answers again", what)
            unreachable = False
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
