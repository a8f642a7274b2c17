"""Voice notes' audio fetched from the platform that took them, and kept with the ticket.

Platforms keep a message's media for a while only (WeChat: 3 days) and WeChat is retiring the words it
recognised in voice messages, so the audio itself is what a person listens to. A loop beside the outbox asks
each channel's media API for every voice note of that channel not yet here; a failure (network, an expired
token, the platform busy) leaves it for the next round, up to
`storage.repositories.attachments.FETCH_ATTEMPTS` times. Downloads run outside any database transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.workers.polling import poll_until_stopped
from storage.models import Attachment
from storage.repositories.attachments import voice_to_fetch

POLL_SECONDS = 2.0

Download = Callable[[str], Awaitable[tuple[str, bytes] | None]]
"""A platform's media API: the (content type, audio) of a media id, or None when it cannot be had now."""


@dataclass
class VoiceFetcher:
    sessions: async_sessionmaker[AsyncSession]
    channel: str
    download: Download
    poll_seconds: float = POLL_SECONDS

    async def run(self, stop: asyncio.Event) -> None:
        await poll_until_stopped(stop, self.fetch_once, self.poll_seconds, f"{self.channel} voice fetch")

    async def fetch_once(self) -> int:
        """Fetch every voice note waiting; returns how many arrived."""
        async with self.sessions() as session:
            waiting = [(note.id, note.media_id) for note in await voice_to_fetch(session, self.channel)]
        arrived = 0
        for attachment_id, media_id in waiting:
            audio = await self.download(media_id)
            async with self.sessions() as session, session.begin():
                note = await session.get_one(Attachment, attachment_id)
                if audio is None:
                    note.fetch_attempts += 1
                    continue
                note.content_type, note.content = audio
                arrived += 1
        return arrived
