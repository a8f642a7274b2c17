"""Messages to Telegram chats, paced to Telegram's limits, from the outbox and as direct answers.

The outbox dispatcher hands over messages it has claimed (leased to this worker, see
`storage.repositories.outbox.claim_due`) with `deliver_many`; each is queued for its chat. One
scheduler picks, again and again, the chat that may receive soonest (`Pacer`), and starts that send
without waiting for the one before, so a slow or refused chat holds up nobody else; at most as many
are under way as the client has connections, so no send waits for one after its moment was reserved
(answers held back by Telegram would otherwise release the sends queued behind them all at once, over
the limit). A 429 puts that chat (only) on hold and its message back at the front; a 403 (the bot was
blocked) marks the account inactive, which pauses its notices, and settles the message; a network
error leaves the row to the dispatcher's retry with a growing pause, and puts a direct answer that
failed so into the outbox, to be retried the same way rather than lost. A sent message is marked
delivered at once (marks that arrive while one is being written go together in the next write). A
process killed mid-way loses nothing: its claimed rows come due again when the lease ends; a message
repeats only if Telegram had taken it and its mark was not yet written."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.client import CONNECTIONS
from bot.channels.telegram.pacing import Pacer
from bot.channels.telegram.render import keyboard, split_text, staff_keyboard
from bot.core.messages import Choice
from bot.core.wording import Wording
from storage.clock import Clock, system_clock
from storage.models import ChannelIdentity, OutboxMessage, StaffChannel, Ticket
from storage.profile import Profile
from storage.profile.staff_commands import StaffAction
from storage.repositories import outbox

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_button_claim": (),
    "staff_button_close": (),
    "staff_button_transfer": (),
    "staff_button_pause": (),
    "staff_button_default_result": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


log = logging.getLogger(__name__)

CHANNEL = "telegram"
QUEUE_SECONDS = 10
"""Outbox messages wait here for at most this long at the current rate (`deliver_many` waits while more
are queued), far less than the lease the dispatcher claimed them under."""
LEASE_SAFETY = timedelta(seconds=5)
"""A claimed message whose lease ends sooner than this is not sent: the lease may lapse mid-send and
another worker claim the row (the rate may have dropped, or Telegram held the chat). It comes due again."""
ANSWER_KIND = "telegram_answer"
"""An outbox message holding a direct answer that could not be sent at once."""
STAFF_BUTTON_KINDS = frozenset({"ticket_assigned", "ticket_reopened", "ticket_reassigned", "ticket_due_soon",
                                "ticket_overdue"})


class Undeliverable:
    NO_ACCOUNT = "no_telegram_account"
    BLOCKED = "telegram_bot_blocked"
    REFUSED = "telegram_refused"


@dataclass
class Outgoing:
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    outbox_id: int | None = None
    lease_end: datetime | None = None
    """For an outbox message: until when this worker holds its row."""
    done: asyncio.Future[bool] | None = None
    """For a direct answer: set when sent (True) or not sent now (False)."""
    answer: bool = False
    """A piece of a direct answer (not from the outbox)."""


@dataclass
class TelegramSender:
    bot: Bot
    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    pacer: Pacer = field(default_factory=Pacer)
    clock: Clock = system_clock
    max_in_flight: int = CONNECTIONS
    """Sends under way at once: no more than the bot's connection pool holds."""
    _queues: dict[int, deque[Outgoing]] = field(default_factory=dict)
    _queued: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _room: asyncio.Event = field(default_factory=asyncio.Event)
    _sending: set[asyncio.Task[None]] = field(default_factory=set)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _scheduler: asyncio.Task[None] | None = None
    _sent: list[int] = field(default_factory=list)
    _marker: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._scheduler is None:
            self._scheduler = asyncio.create_task(self._schedule())

    async def stop(self) -> None:
        """Stop taking new sends and wait for those under way (queued outbox rows come due again later)."""
        if self._scheduler is not None:
            self._scheduler.cancel()
            await asyncio.gather(self._scheduler, return_exceptions=True)
            self._scheduler = None
        await asyncio.gather(*self._sending, return_exceptions=True)
        if self._marker is not None:
            await asyncio.gather(self._marker, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until everything queued has been sent or given up, and marked (tests, benchmarks)."""
        while self._queued or self._sending:
            self._idle.clear()
            await self._idle.wait()
        if self._marker is not None:
            await self._marker

    def _send_finished(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if len(self._sending) == self.max_in_flight - 1:
            self._changed.set()  # the scheduler may have been waiting for a free connection
        if not self._sending and not self._queued:
            self._idle.set()

    async def deliver(self, outbox_id: int) -> None:
        await self.deliver_many([outbox_id])

    async def deliver_many(self, outbox_ids: list[int]) -> None:
        """Take claimed outbox messages for sending: read in one transaction, queued here."""
        while self._queued >= self.pacer.per_second * QUEUE_SECONDS:
            self._room.clear()
            await self._room.wait()
        jobs: list[Outgoing] = []
        async with self.sessions() as session, session.begin():
            rows = (await session.scalars(select(OutboxMessage).where(
                OutboxMessage.id.in_(outbox_ids), OutboxMessage.delivered_at.is_(None),
                OutboxMessage.undeliverable_reason.is_(None)).order_by(OutboxMessage.id))).all()
            chats = await self._chats_of(session, rows)
            for row in rows:
                chat_id = chats.get(row.id)
                if chat_id is None:
                    outbox.settle_undeliverable(row, Undeliverable.NO_ACCOUNT)
                    continue
                markup = await self._markup(session, row)
                pieces = split_text(await outbox.text_of(session, row))
                lease_end = row.available_at if row.claimed_by else None
                last = len(pieces) - 1
                jobs += [Outgoing(chat_id, piece, markup if i == last else None, row.id if i == last else None,
                                  lease_end) for i, piece in enumerate(pieces)]
        for job in jobs:
            self._enqueue(job)

    async def send_now(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
        """An answer to what the chat just wrote, paced like everything else; True once sent, False when
        Telegram could not take it now (a network error or timeout leaves it to the outbox)."""
        pieces = split_text(text) or [""]
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            self._enqueue(Outgoing(chat_id, piece, markup if last else None, done=done if last else None,
                                   answer=True))
        return await done

    def _enqueue(self, job: Outgoing, *, front: bool = False) -> None:
        queue = self._queues.setdefault(job.chat_id, deque())
        queue.appendleft(job) if front else queue.append(job)
        self._queued += 1
        self._changed.set()

    async def _schedule(self) -> None:
        while True:
            chat_id = min(self._queues, key=self.pacer.ready_at, default=None)
            if chat_id is None or len(self._sending) >= self.max_in_flight:
                self._changed.clear()
                await self._changed.wait()
                continue
            wait = self.pacer.ready_at(chat_id) - self.pacer.clock()
            if wait > 0:
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
                continue
            job = self._queues[chat_id].popleft()
            if not self._queues[chat_id]:
                del self._queues[chat_id]
            self._queued -= 1
            self._room.set()
            if job.lease_end is not None and self.clock() >= job.lease_end - LEASE_SAFETY:
                log.warning("outbox %s not sent: its lease ends at %s; it comes due again", job.outbox_id,
                            f"{job.lease_end:%H:%M:%S}")
                if not self._queued and not self._sending:
                    self._idle.set()
                continue
            self.pacer.take(chat_id)
            task = asyncio.create_task(self._send(job))
            self._sending.add(task)
            task.add_done_callback(self._send_finished)

    async def _send(self, job: Outgoing) -> None:
        try:
            await self.bot.send_message(job.chat_id, job.text, reply_markup=job.markup)
        except RetryAfter as error:
            with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                seconds = error.retry_after
            self.pacer.hold(job.chat_id, seconds.total_seconds() if isinstance(seconds, timedelta) else seconds)
            self._enqueue(job, front=True)
            return
        except Forbidden as error:
            await self._blocked(job, str(error))
        except NetworkError as error:  # includes TimedOut
            reason = f"network: {type(error).__name__}"
            if job.answer:
                await self._answer_later(job, reason)
            await self._settle(job, retry=reason)
        except TelegramError as error:
            await self._settle(job, undeliverable=Undeliverable.REFUSED, retry=str(error))
        else:
            await self._settle(job, sent=True)

    async def _settle(self, job: Outgoing, *, sent: bool = False, retry: str | None = None,
                      undeliverable: str | None = None) -> None:
        if job.done is not None and not job.done.done():
            job.done.set_result(sent)
        if job.outbox_id is None:
            return
        if sent:
            self._sent.append(job.outbox_id)
            if self._marker is None or self._marker.done():
                self._marker = asyncio.create_task(self._mark_sent())
            return
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, job.outbox_id, with_for_update=True)
            if row is None:
                return
            now = self.clock()
            if undeliverable is not None:
                row.last_error = retry
                outbox.settle_undeliverable(row, undeliverable)
            else:
                outbox.retry_later(row, retry or "", now)

    async def _answer_later(self, job: Outgoing, reason: str) -> None:
        """A direct answer Telegram did not take, written to the outbox for the workers' retries. Had
        Telegram taken it after all (its answer held past the timeout), the chat sees it twice."""
        async with self.sessions() as session, session.begin():
            staff_id = await session.scalar(select(StaffChannel.staff_id).where(
                StaffChannel.channel == CHANNEL, StaffChannel.external_id == str(job.chat_id)))
            resident_id = None if staff_id is not None else await session.scalar(
                select(ChannelIdentity.resident_id).where(ChannelIdentity.channel == CHANNEL,
                                                          ChannelIdentity.external_id == str(job.chat_id)))
            if staff_id is None and resident_id is None:
                log.warning("an answer to Telegram chat %s was not sent (%s): the chat is no one's", job.chat_id,
                            reason)
                return
            buttons = job.markup.inline_keyboard if job.markup is not None else ()
            choices = [[button.text, button.callback_data] for row in buttons for button in row]
            payload: dict[str, Any] = {"text": job.text, "choices": choices} if choices else {"text": job.text}
            row = outbox.enqueue(session, ANSWER_KIND, payload, staff_id=staff_id, resident_id=resident_id)
            outbox.retry_later(row, reason, self.clock())
        log.info("an answer to Telegram chat %s was not sent (%s); the outbox delivers it", job.chat_id, reason)

    async def _mark_sent(self) -> None:
        """Sent messages marked delivered: those that arrive while a write is under way go together in
        the next one, so under load one write serves many sends (SQLite has a single writer) while a
        lone send is marked at once. Until its mark is committed a killed process would send it again."""
        while self._sent:
            ids, self._sent = self._sent, []
            async with self.sessions() as session, session.begin():
                await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                      .values(delivered_at=self.clock()))

    async def _blocked(self, job: Outgoing, reason: str) -> None:
        """The chat blocked the bot: a resident's account goes inactive (their notices pause)."""
        log.info("Telegram chat %s blocked the bot: %s", job.chat_id, reason)
        async with self.sessions() as session, session.begin():
            identity = await session.scalar(select(ChannelIdentity).where(
                ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == str(job.chat_id)))
            if identity is not None:
                identity.active = False
        await self._settle(job, undeliverable=Undeliverable.BLOCKED, retry=reason)

    @staticmethod
    async def _chats_of(session: AsyncSession, rows: Sequence[OutboxMessage]) -> dict[int, int]:
        """The Telegram chat of each row's recipient (two queries for the lot)."""
        staff = {r.staff_id for r in rows if r.staff_id is not None}
        residents = {r.resident_id for r in rows if r.staff_id is None and r.resident_id is not None}
        staff_query = select(StaffChannel.staff_id, StaffChannel.external_id).where(
            StaffChannel.staff_id.in_(staff), StaffChannel.channel == CHANNEL)
        resident_query = select(ChannelIdentity.resident_id, ChannelIdentity.external_id).where(
            ChannelIdentity.resident_id.in_(residents), ChannelIdentity.channel == CHANNEL, ChannelIdentity.active)
        staff_chats = dict((await session.execute(staff_query)).all()) if staff else {}
        resident_chats = dict((await session.execute(resident_query)).all()) if residents else {}
        found: dict[int, int] = {}
        for row in rows:
            account = (staff_chats.get(row.staff_id) if row.staff_id is not None
                       else resident_chats.get(row.resident_id or 0))
            if account is not None and account.lstrip("-").isdigit():
                found[row.id] = int(account)
        return found

    async def _markup(self, session: AsyncSession, row: OutboxMessage) -> InlineKeyboardMarkup | None:
        if row.staff_id is None:
            return keyboard([Choice(str(label), str(payload)) for label, payload in row.payload.get("choices", [])])
        if row.kind not in STAFF_BUTTON_KINDS or row.ticket_id is None:
            return None
        ticket = await session.get(Ticket, row.ticket_id)
        if ticket is None or ticket.number is None:
            return None
        words, wording = self.profile.staff_commands, Wording(self.profile, None)
        result = wording.render("staff_button_default_result")
        buttons = [
            (wording.render("staff_button_claim"), f"{words.first(StaffAction.CLAIM)} {ticket.number}"),
            (wording.render("staff_button_close"), f"{words.first(StaffAction.CLOSE)} {ticket.number} {result}"),
            (wording.render("staff_button_transfer"), f"{words.first(StaffAction.TRANSFER)} {ticket.number}"),
        ]
        if words.first(StaffAction.PAUSE) and self.profile.district.pause_reasons:
            # pressed, it lists the reasons to type after the number (a button cannot take a note)
            buttons.append((wording.render("staff_button_pause"), f"{words.first(StaffAction.PAUSE)} {ticket.number}"))
        return staff_keyboard(buttons)
