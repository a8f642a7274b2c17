"""WeChat's 5-second rule: answer in the webhook when the pipeline is quick, send later when not.

WeChat waits 5 s for an answer, then retries the same message (3 tries in all). The pipeline runs
as a task; the webhook waits for it up to a budget (about 4 s). Done in time: the replies are the
webhook's answer. Not done: the webhook answers `success` and the replies follow as customer-service
messages when the task ends. A retry of a message still running waits on the same task instead
of starting it again; a retry reaching another process finds the message claimed in the database
(`processed_messages`) and gets the stored replies. Who delivers is settled by an atomic claim
on that row (`claim_delivery`), so a resident never gets the same replies both ways.

Once the webhook has answered `success`, WeChat never sends the message again. So before that answer
leaves, the message is written to the spool on local disk (`bot.channels.spool`), which works while the
database is down, and survives this process: the next process to start takes over what it left. The
pipeline and the late delivery are tried again until the database answers; the delivery's claim and
outbox rows are written in one transaction (claimed means queued: the outbox dispatcher sends what this
process could not), and only then does the message leave the spool. Shutdown does not wait for a long
outage to end: after a short grace, unfinished messages are left to the spool.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.spool import Spool, Spooled, reference
from bot.channels.wechat.render import chunks, reply_texts, split_for_answer
from bot.channels.wechat.sender import REPLY_KIND, WeChatSender
from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage, Reply
from bot.core.wording import Wording
from bot.workers.polling import poll_until_stopped
from storage.clock import Clock, system_clock
from storage.db import autocommit_sessionmaker, is_transient, retry_transient
from storage.repositories import outbox, processed
from storage.repositories.residents import identity_resident

log = logging.getLogger(__name__)

SENDING_LEASE = timedelta(seconds=60)
"""Late replies are queued leased to this process for this long: the outbox dispatcher leaves them
alone meanwhile (no row lock keeps two senders apart on SQLite) and takes over those not sent by then."""
SENDER = "wechat-responder"


@dataclass
class Responder:
    pipeline: Pipeline
    sessions: async_sessionmaker[AsyncSession]
    sender: WeChatSender
    spool: Spool
    """Where a message answered `success` is kept until its replies are queued."""
    budget_seconds: float = 4.0
    clock: Clock = system_clock
    retry_seconds: float = math.inf
    """How long a message (and its late replies) is tried again while the database is unreachable: until
    it answers, or until shutdown leaves the message to the spool."""
    shutdown_grace_seconds: float = 5.0
    _running: dict[str, asyncio.Task[list[Reply]]] = field(default_factory=dict)
    _waiting: Counter[str] = field(default_factory=Counter)
    _late: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._single_statements = autocommit_sessionmaker(self.sessions)

    async def answer(self, message: InboundMessage, wording: Wording, waited: float = 0.0) -> str | None:
        """The text to answer the webhook with, or None for `success` (the replies follow later). A callback
        that reached us `waited` seconds after WeChat sent it has that much less of the budget: one that came
        too late for WeChat to still be listening gets its replies as customer-service messages, never in an
        answer nobody reads. (This needs the server's clock set by NTP, as WeChat's is.)"""
        key = message.retry_key
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._handle(message))
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(message, wording, done))
        self._waiting[key] += 1
        try:
            replies = await asyncio.wait_for(asyncio.shield(task), max(0.0, self.budget_seconds - waited))
        except TimeoutError:
            replies = None
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
        if replies is None:
            await self._hand_over(message, wording)
            if task.done() and not task.cancelled() and task.exception() is None:
                # Finished in the instant the wait gave up, after `_finished` saw it waited on.
                self._send_later(message, wording, task.result())
            return None
        texts = reply_texts(replies, wording)
        if not texts:
            return None
        try:
            claimed = await self._claim(message)
        except Exception as error:
            if not is_transient(error):
                raise
            await self._hand_over(message, wording)
            self._start(self._claim_and_send(message, texts))  # WeChat may not ask again: send later
            return None
        if not claimed:
            return None
        answer, rest = split_for_answer(texts)
        if rest:
            self._start(self._queue_and_send(message, rest, None))
        return answer

    async def _handle(self, message: InboundMessage) -> list[Reply]:
        return await retry_transient(lambda: self.pipeline.handle(message),
                                     f"WeChat message {reference(message.retry_key)}", self.retry_seconds)

    def _finished(self, message: InboundMessage, wording: Wording, task: asyncio.Task[list[Reply]]) -> None:
        self._running.pop(message.retry_key, None)
        waited = bool(self._waiting[message.retry_key])
        if task.cancelled():
            return
        if (error := task.exception()) is not None:
            if not waited:  # the webhook answered `success`: WeChat will not send it again
                self._give_up(message, wording, error)
            return
        if not waited:
            self._send_later(message, wording, task.result())

    def _send_later(self, message: InboundMessage, wording: Wording, replies: list[Reply]) -> None:
        texts = reply_texts(replies, wording)
        if texts:
            self._start(self._claim_and_send(message, texts))
        else:
            self._ended(message)

    async def _hand_over(self, message: InboundMessage, wording: Wording) -> None:
        """Written to the spool, durably, before the webhook answers `success`; a failure here is raised,
        so the webhook fails and WeChat sends the message again."""
        await asyncio.to_thread(self.spool.put, message.retry_key, message, wording.community_key)

    def _ended(self, message: InboundMessage) -> None:
        self.spool.done(message.retry_key)

    def _give_up(self, message: InboundMessage, wording: Wording, error: BaseException) -> None:
        log.error("WeChat message %s was answered `success` but could not be handled (kept in the spool's "
                  "failed.jsonl)", reference(message.retry_key), exc_info=error)
        self.spool.failed(Spooled(message.retry_key, message, wording.community_key), type(error).__name__)

    def _start(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._late.add(task)
        task.add_done_callback(self._late.discard)

    async def _claim(self, message: InboundMessage) -> bool:
        """One statement, committed by itself: the webhook's answer waits on it."""
        async with self._single_statements() as session:
            return await processed.claim_delivery(session, message.channel, self.pipeline.retry_key(message),
                                                  processed.ANSWER, self.clock())

    async def _claim_and_send(self, message: InboundMessage, texts: list[str]) -> None:
        await self._queue_and_send(message, texts, processed.SEND)

    async def _queue_and_send(self, message: InboundMessage, texts: list[str], claim: str | None) -> None:
        """Queue the texts (claiming the delivery first, if `claim`), then send them; what cannot be
        sent now stays in the outbox for the dispatcher."""
        try:
            ids = await retry_transient(lambda: self._queue(message, texts, claim),
                                        f"late replies to WeChat message {reference(message.retry_key)}",
                                        self.retry_seconds)
        except Exception as error:
            self._give_up(message, Wording(self.pipeline.profile, message.community_key), error)
            return
        if claim is not None:  # a late delivery: the message was handed over to the spool
            self._ended(message)
        try:
            for outbox_id in ids:
                await self.sender.deliver(outbox_id)
        except Exception:
            log.exception("late replies to WeChat message %s are queued but could not be sent now; the outbox "
                          "dispatcher sends them", reference(message.retry_key))

    async def _queue(self, message: InboundMessage, texts: list[str], claim: str | None) -> list[int]:
        async with self.sessions() as session, session.begin():
            if claim is not None and not await processed.claim_delivery(
                    session, message.channel, self.pipeline.retry_key(message), claim, self.clock()):
                return []
            resident_id = await identity_resident(session, message.channel, message.sender_id)
            if resident_id is None:
                return []
            rows = [outbox.enqueue(session, REPLY_KIND, {"text": piece}, resident_id=resident_id)
                    for text in texts for piece in chunks(text)]
            leased_until = self.clock() + SENDING_LEASE
            for row in rows:
                row.available_at, row.claimed_by = leased_until, SENDER
            await session.flush()
            return [row.id for row in rows]

    def resume(self) -> int:
        """Takes over what dead processes left in the spool and handles it; the number taken over."""
        adopted = self.spool.take_over()
        for entry in adopted:
            self._start(self._handle_spooled(entry))
        return len(adopted)

    async def _handle_spooled(self, entry: Spooled) -> None:
        wording = Wording(self.pipeline.profile, entry.community)
        try:
            replies = await self._handle(entry.message)
        except Exception as error:
            self._give_up(entry.message, wording, error)
            return
        self._send_later(entry.message, wording, replies)

    async def close(self) -> None:
        """Shutdown: a short grace for what is nearly done, then what is not is left to the spool."""
        pending = {*self._running.values(), *self._late}
        if pending:
            _, unfinished = await asyncio.wait(pending, timeout=self.shutdown_grace_seconds)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
            if unfinished:
                log.warning("%d WeChat message(s) unfinished at shutdown are left in the spool", len(unfinished))
        self.spool.close()


@dataclass
class SpoolTakeOver:
    """At start and then every `every_seconds`: what server processes that died left in the spool is taken
    over and handled (a process restarted by its supervisor, or a sibling that stays down)."""

    responder: Responder
    every_seconds: float = 30.0

    async def run(self, stop: asyncio.Event) -> None:
        await poll_until_stopped(stop, self._take_over, self.every_seconds, "taking over the spool")

    async def _take_over(self) -> int:
        return self.responder.resume()
