"""Late replies as the resident sees them: a message answered `success` has its replies sent later, and
the moment they are claimed for sending (`processed_messages.delivered_by`) is when the resident reads
them. One query every half second covers every message waited on; the connection is opened again when
the database went away (the fault run restarts it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

POLL_SECONDS = 0.5
QUERY = ("SELECT message_id FROM processed_messages WHERE channel = 'wechat' AND delivered_by IS NOT NULL "
         "AND message_id = ANY(%s)")

log = logging.getLogger(__name__)


class LateReplies:
    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.waiting: dict[str, asyncio.Future[None]] = {}

    async def wait(self, msg_id: int, timeout: float) -> float | None:  # noqa: ASYNC109
        """Seconds until the replies to `msg_id` were claimed for sending, or None if not within `timeout`."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        future = self.waiting.setdefault(str(msg_id), loop.create_future())
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return None
        finally:
            self.waiting.pop(str(msg_id), None)
        return loop.time() - started

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as connection:
                    await self._poll(connection, stop)
            except psycopg.OperationalError as error:
                log.info("late-reply watcher lost the database (%s); connecting again", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)

    async def _poll(self, connection: psycopg.AsyncConnection[tuple[str]], stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self.waiting:
                cursor = await connection.execute(QUERY, (list(self.waiting),))
                for (message_id,) in await cursor.fetchall():
                    future = self.waiting.get(message_id)
                    if future is not None and not future.done():
                        future.set_result(None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
