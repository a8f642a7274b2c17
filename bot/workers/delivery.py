"""Sends what the outbox holds, each message through the channel that can reach its recipient.

A loop run by every worker (and by the app itself when it delivers in-process): it claims due
messages, most urgent first, under a lease (`outbox.claim_due`, so several workers share the queue
and a dead worker's messages come due again when the lease ends), and hands each to a channel
sender, which sends it and marks it delivered, retries it later, or settles it as undeliverable
with the reason. Channels are plugged in by name; a recipient no configured
channel can reach is retried later (the channel may be configured on the next start) or, for a
resident whose only accounts cannot receive pushes at all (the web page, the terminal), settled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from bot.workers.polling import poll_until_stopped
from storage.clock import Clock, system_clock
from storage.models import ChannelIdentity, StaffChannel
from storage.repositories import notices, outbox

log = logging.getLogger(__name__)

BATCH = 50
NO_PUSH_CHANNEL = "resident_has_no_push_channel"
STAFF_WITHOUT_CHANNEL = "staff_has_no_channel"
NO_CHANNEL_CONFIGURED = "no configured channel reaches this recipient"
LEASE = timedelta(minutes=5)
"""How long a claimed message is its worker's: far longer than it waits in a channel's queue (the
Telegram sender queues 10 s of sends at most, and sends nothing whose lease is about to end)."""


class Deliverer(Protocol):
    async def deliver(self, outbox_id: int) -> None: ...


@runtime_checkable
class BatchDeliverer(Deliverer, Protocol):
    async def deliver_many(self, outbox_ids: list[int]) -> None:
        """Take several messages at once (one database transaction for all)."""


@dataclass
class OutboxDispatcher:
    sessions: async_sessionmaker[AsyncSession]
    residents: dict[str, Deliverer] = field(default_factory=dict)
    """Senders by channel name (the `channel` of a resident's account)."""
    staff: dict[str, Deliverer] = field(default_factory=dict)
    """Staff notifiers by channel name (the `channel` of a staff member's account in the profile)."""
    poll_seconds: float = 1.0
    worker: str = "app"
    lease: timedelta = LEASE
    push_channels: frozenset[str] = field(kw_only=True)
    """The channels that can write to a resident unasked: `bot.channels.registry.push_channels()`. A resident
    on none of them is settled as unreachable; on one this process does not run, left for a worker that does."""
    clock: Clock = system_clock

    async def run(self, stop: asyncio.Event) -> None:
        await poll_until_stopped(stop, self.dispatch_once, self.poll_seconds, "outbox dispatch")

    async def dispatch_once(self) -> int:
        """Hand every due message to its channel once; returns how many were handed on."""
        batches: dict[int, tuple[Deliverer, list[int]]] = {}
        async with self.sessions() as session, session.begin():
            now = self.clock()
            rows = list(await outbox.claim_due(session, BATCH, now, self.lease, self.worker))
            rows = await notices.settle_stale_deliveries(session, rows, now)
            staff_channels = await self._channels(session, StaffChannel.staff_id, StaffChannel.channel,
                                                  {r.staff_id for r in rows if r.staff_id is not None})
            resident_channels = await self._channels(
                session, ChannelIdentity.resident_id, ChannelIdentity.channel,
                {r.resident_id for r in rows if r.staff_id is None and r.resident_id is not None},
                ChannelIdentity.active.is_(True))
            for row in rows:
                if row.staff_id is not None:
                    senders, channels = self.staff, staff_channels.get(row.staff_id, set())
                    no_channel = STAFF_WITHOUT_CHANNEL
                else:
                    senders, no_channel = self.residents, NO_PUSH_CHANNEL
                    channels = resident_channels.get(row.resident_id or 0, set()) & self.push_channels
                deliverer = next((senders[c] for c in sorted(channels) if c in senders), None)
                if deliverer is not None:
                    batches.setdefault(id(deliverer), (deliverer, []))[1].append(row.id)
                elif channels:
                    outbox.retry_later(row, NO_CHANNEL_CONFIGURED, now)
                else:
                    outbox.settle_undeliverable(row, no_channel)
        for deliverer, ids in batches.values():
            if isinstance(deliverer, BatchDeliverer):
                await deliverer.deliver_many(ids)
            else:
                for outbox_id in ids:
                    await deliverer.deliver(outbox_id)
        return sum(len(ids) for _, ids in batches.values())

    @staticmethod
    async def _channels(session: AsyncSession, owner: InstrumentedAttribute[int], channel: InstrumentedAttribute[str],
                        owners: set[int], *where: ColumnElement[bool]) -> dict[int, set[str]]:
        """The channels each of `owners` has an account on, in one query."""
        found: dict[int, set[str]] = {}
        if owners:
            for key, name in (await session.execute(select(owner, channel).where(owner.in_(owners), *where))).all():
                found.setdefault(key, set()).add(name)
        return found
