"""A delivery worker: the outbox dispatcher, the job scheduler and a heartbeat, run together.

`frontdoor worker` runs one in its own process; run several, on several machines, against one
PostgreSQL database: they claim outbox batches and due jobs with `FOR UPDATE SKIP LOCKED`, so each
message and job is taken by one of them. The app runs one in-process too unless
`FRONTDOOR_IN_APP_WORKER` is off. Every worker beats in `worker_beats`; the live ones split the
bot's overall Telegram limit evenly, so together they never exceed it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import socket
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.plugin import Plugged, WorkerPlace
from bot.channels.registry import configured_channels, plug_into, push_channels, shared_rate
from bot.channels.telegram.pacing import Pacer
from bot.conversation.profile_check import load_checked_profile
from bot.privacy.retention import ensure_daily_purge
from bot.settings import Settings
from bot.workers.delivery import OutboxDispatcher
from bot.workers.scheduler import Scheduler
from storage.clock import Clock, system_clock
from storage.db import create_engine, create_sessionmaker, retry_transient
from storage.models import WorkerBeat
from storage.profile import Profile

log = logging.getLogger(__name__)

STALE_AFTER_BEATS = 3
"""A worker not seen for this many beats is taken for dead: the others take its share of the limit."""


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:60]


@dataclass
class Heartbeat:
    sessions: async_sessionmaker[AsyncSession]
    name: str
    interval: float
    pacer: Pacer | None = None
    """The Telegram pacer whose overall rate is this worker's share of `per_second`."""
    per_second: int = 30
    clock: Clock = system_clock

    async def beat(self) -> int:
        """Say this worker is alive; returns how many are (itself included) and takes its share."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            seen = await session.execute(update(WorkerBeat).where(WorkerBeat.name == self.name).values(seen_at=now))
            if not seen.rowcount:  # type: ignore[attr-defined]
                session.add(WorkerBeat(name=self.name, seen_at=now))
            live_since = now - timedelta(seconds=self.interval * STALE_AFTER_BEATS)
            live = int(await session.scalar(select(func.count()).where(WorkerBeat.seen_at >= live_since)) or 1)
        if self.pacer is not None:
            share = max(1, self.per_second // max(live, 1))
            if share != self.pacer.per_second:
                log.info("%d workers live: this one sends at most %d Telegram messages a second", live, share)
                self.pacer.per_second = share
        return live

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.beat()
            except Exception:
                log.exception("worker heartbeat failed; trying again")
            try:
                await asyncio.wait_for(stop.wait(), self.interval)
            except TimeoutError:
                continue
        async with self.sessions() as session, session.begin():
            await session.execute(delete(WorkerBeat).where(WorkerBeat.name == self.name))


@dataclass
class Worker:
    dispatcher: OutboxDispatcher
    scheduler: Scheduler
    heartbeat: Heartbeat

    async def run(self, stop: asyncio.Event) -> None:
        starting = asyncio.create_task(retry_transient(self._start, "starting the worker", math.inf))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not starting.done():  # stopped before the database came back
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            return
        starting.result()
        await asyncio.gather(self.heartbeat.run(stop), self.dispatcher.run(stop), self.scheduler.run(stop))


    async def _start(self) -> None:
        """The share of the send rate known before the first send; the daily purge scheduled. A database down
        when the worker starts (a restart during an outage) is waited for."""
        await self.heartbeat.beat()
        async with self.scheduler.sessions() as session, session.begin():
            await ensure_daily_purge(session, self.scheduler.clock())


def assemble_worker(settings: Settings, sessions: async_sessionmaker[AsyncSession], profile: Profile,
                    dispatcher: OutboxDispatcher, shared: Plugged | None, clock: Clock) -> Worker:
    """A worker around a dispatcher whose channels are already plugged in; its jobs and beats on `clock`.
    `shared` is the channel whose send rate the live workers divide between them."""
    dispatcher.lease = timedelta(seconds=settings.outbox_lease_seconds)
    heartbeat = Heartbeat(sessions, dispatcher.worker, settings.worker_beat_seconds,
                          shared.pacer if shared else None, shared.shared_per_second if shared else 0, clock)
    return Worker(dispatcher, Scheduler(sessions, profile, clock=clock), heartbeat)


async def open_worker(settings: Settings, sessions: async_sessionmaker[AsyncSession], profile: Profile,
                      stack: AsyncExitStack, name: str | None = None, clock: Clock = system_clock) -> Worker:
    """A worker of its own (`frontdoor worker`) delivering through every configured channel; the
    channels are closed when `stack` closes."""
    dispatcher = OutboxDispatcher(sessions, worker=name or worker_name(), push_channels=push_channels(), clock=clock)
    place = WorkerPlace(settings, sessions, profile, clock)
    plugged = [plug_into(dispatcher, channel, await channel.open_in_worker(place, stack))
               for channel in configured_channels(settings) if channel.open_in_worker is not None]
    return assemble_worker(settings, sessions, profile, dispatcher, shared_rate(plugged), clock)


async def serve_worker(settings: Settings, name: str | None = None) -> None:
    """Run a worker until SIGTERM or SIGINT, then finish the sends in hand and leave."""
    profile = load_checked_profile(settings.profile_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    engine = create_engine(settings.database_url, **settings.database_pool())
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        worker = await open_worker(settings, create_sessionmaker(engine), profile, stack, name)
        log.info("worker %s delivering through %s", worker.dispatcher.worker,
                 ", ".join(sorted({*worker.dispatcher.residents, *worker.dispatcher.staff})) or "no channel")
        await worker.run(stop)
