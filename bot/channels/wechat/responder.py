"""WeChat's 5-second rule: answer in the webhook when the pipeline is quick, send later when not.

WeChat waits 5 s for an answer, then retries the same message (3 tries in all). The pipeline runs
as a task; the webhook waits for it up to a budget (about 4 s). Done in time: the replies are the
webhook's answer. Not done: the webhook answers `success` and the replies follow as customer-service
messages when the task ends. A retry of a message still running waits on the same task instead
of starting it again; a retry reaching another process finds the message claimed in the database
(`processed_messages`) and gets the stored replies. Who delivers is settled by an atomic claim
on that row (`claim_delivery`), so a resident never gets the same replies both ways.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.wechat.render import reply_text, split_for_answer
from bot.channels.wechat.sender import WeChatSender
from bot.messages import InboundMessage, Reply
from bot.pipeline import Pipeline
from bot.wording import Wording
from storage.repositories import processed
from storage.repositories.residents import identity_resident

log = logging.getLogger(__name__)


@dataclass
class Responder:
    pipeline: Pipeline
    sessions: async_sessionmaker[AsyncSession]
    sender: WeChatSender
    budget_seconds: float = 4.0
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _running: dict[str, asyncio.Task[list[Reply]]] = field(default_factory=dict)
    _waiting: Counter[str] = field(default_factory=Counter)
    _late: set[asyncio.Task[None]] = field(default_factory=set)

    async def answer(self, message: InboundMessage, wording: Wording) -> str | None:
        """The text to answer the webhook with, or None for `success` (the replies follow later)."""
        key = message.message_id
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self.pipeline.handle(message))
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(message, wording, done))
        self._waiting[key] += 1
        try:
            replies = await asyncio.wait_for(asyncio.shield(task), self.budget_seconds)
        except TimeoutError:
            replies = None
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
        if replies is None:
            if task.done():
                # Finished in the instant the wait gave up, after `_finished` saw it waited on.
                self._send_later(message, wording, task.result())
            return None
        texts = [reply_text(r, wording) for r in replies]
        if not texts or not await self._claim(message, processed.ANSWER):
            return None
        answer, rest = split_for_answer(texts)
        if rest:
            self._start(self._send(message, rest))
        return answer

    def _finished(self, message: InboundMessage, wording: Wording, task: asyncio.Task[list[Reply]]) -> None:
        self._running.pop(message.message_id, None)
        if task.cancelled() or task.exception() is not None:
            return
        if not self._waiting[message.message_id]:
            self._send_later(message, wording, task.result())

    def _send_later(self, message: InboundMessage, wording: Wording, replies: list[Reply]) -> None:
        texts = [reply_text(r, wording) for r in replies]
        if texts:
            self._start(self._claim_and_send(message, texts))

    def _start(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._late.add(task)
        task.add_done_callback(self._late.discard)

    async def _claim(self, message: InboundMessage, by: str) -> bool:
        async with self.sessions() as session, session.begin():
            return await processed.claim_delivery(session, message.channel, message.message_id, by, self.clock())

    async def _claim_and_send(self, message: InboundMessage, texts: list[str]) -> None:
        if await self._claim(message, processed.SEND):
            await self._send(message, texts)

    async def _send(self, message: InboundMessage, texts: list[str]) -> None:
        try:
            async with self.sessions() as session:
                resident_id = await identity_resident(session, message.channel, message.sender_id)
            if resident_id is not None:
                await self.sender.send_texts(resident_id, texts)
        except Exception:
            log.exception("late replies to WeChat message %s are in the outbox but not yet sent", message.message_id)

    async def drain(self) -> None:
        """Wait for every late send (shutdown, tests)."""
        while self._running or self._late:
            await asyncio.gather(*self._running.values(), *self._late, return_exceptions=True)
