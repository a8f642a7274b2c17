"""Sends what the outbox holds, each message through the channel that can reach its recipient.

An in-process loop for a single server: it picks due messages, most urgent first, and hands each
to a channel sender, which sends it and marks it delivered, retries it later, or settles it as
undeliverable with the reason. Channels are plugged in by name; a recipient no configured
channel can reach is retried later (the channel may be configured on the next start) or, for a
resident whose only accounts cannot receive pushes at all (the web page, the terminal), settled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ChannelIdentity, OutboxMessage, StaffChannel
from storage.repositories import outbox

log = logging.getLogger(__name__)

BATCH = 50
NO_PUSH_CHANNEL = "resident_has_no_push_channel"
STAFF_WITHOUT_CHANNEL = "staff_has_no_channel"
NO_CHANNEL_CONFIGURED = "no configured channel reaches this recipient"


class Deliverer(Protocol):
    async def deliver(self, outbox_id: int) -> None: ...


@dataclass
class OutboxDispatcher:
    sessions: async_sessionmaker[AsyncSession]
    residents: dict[str, Deliverer] = field(default_factory=dict)
    """Senders by channel name (the `channel` of a resident's account)."""
    staff: dict[str, Deliverer] = field(default_factory=dict)
    """Staff notifiers by channel name (the `channel` of a staff member's account in the profile)."""
    poll_seconds: float = 1.0
    push_channels: frozenset[str] = frozenset({"wechat", "telegram"})
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.dispatch_once()
            except Exception:
                log.exception("outbox dispatch failed; trying again")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)

    async def dispatch_once(self) -> int:
        """Hand every due message to its channel once; returns how many were handed on."""
        async with self.sessions() as session:
            rows = [(row.id, row.staff_id, row.resident_id) for row in
                    await outbox.next_batch(session, BATCH, now=self.clock())]
        handed = 0
        for outbox_id, staff_id, resident_id in rows:
            deliverer = await self._route(outbox_id, staff_id, resident_id)
            if deliverer is not None:
                await deliverer.deliver(outbox_id)
                handed += 1
        return handed

    async def _route(self, outbox_id: int, staff_id: int | None, resident_id: int | None) -> Deliverer | None:
        """The channel for one message; without one, the message is put off or settled here."""
        async with self.sessions() as session, session.begin():
            if staff_id is not None:
                senders, no_channel = self.staff, STAFF_WITHOUT_CHANNEL
                channels = set((await session.scalars(select(StaffChannel.channel).where(
                    StaffChannel.staff_id == staff_id))).all())
            else:
                senders, no_channel = self.residents, NO_PUSH_CHANNEL
                accounts = select(ChannelIdentity.channel).where(ChannelIdentity.resident_id == resident_id,
                                                                 ChannelIdentity.active)
                channels = set((await session.scalars(accounts)).all()) & self.push_channels
            for channel in sorted(channels):
                if channel in senders:
                    return senders[channel]
            row = await session.get(OutboxMessage, outbox_id, with_for_update=True)
            if row is None:
                return None
            if channels:
                outbox.retry_later(row, NO_CHANNEL_CONFIGURED, self.clock())
            else:
                outbox.settle_undeliverable(row, no_channel)
        return None
