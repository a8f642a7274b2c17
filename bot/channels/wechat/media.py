"""Voice notes' audio fetched from WeChat's media API (`media/get`) and kept with the ticket.

WeChat keeps a message's media for 3 days and is retiring the words it recognised in voice messages, so the
audio itself is what a person listens to. A loop beside the outbox asks for every voice note not yet here; a
failure (network, an expired token, the platform busy) leaves it for the next round, up to
`storage.repositories.attachments.FETCH_ATTEMPTS` times. The download runs outside any database transaction.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from requests import RequestException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from wechatpy.exceptions import WeChatClientException

from bot.channels.wechat.inbound import CHANNEL
from bot.channels.wechat.tokens import OfficialAccountClient
from bot.workers.polling import poll_until_stopped
from storage.models import Attachment
from storage.repositories.attachments import voice_to_fetch

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
AUDIO_TYPES = ("audio/", "application/octet-stream", "voice/")
"""What WeChat answers media/get for a voice note with (amr: audio/amr; speex arrives as octet-stream)."""


@dataclass
class VoiceFetcher:
    sessions: async_sessionmaker[AsyncSession]
    client: OfficialAccountClient
    poll_seconds: float = POLL_SECONDS

    async def run(self, stop: asyncio.Event) -> None:
        await poll_until_stopped(stop, self.fetch_once, self.poll_seconds, "wechat voice fetch")

    async def fetch_once(self) -> int:
        """Fetch every voice note waiting; returns how many arrived."""
        async with self.sessions() as session:
            waiting = [(note.id, note.media_id) for note in await voice_to_fetch(session, CHANNEL)]
        arrived = 0
        for attachment_id, media_id in waiting:
            audio = await self._download(media_id)
            async with self.sessions() as session, session.begin():
                note = await session.get_one(Attachment, attachment_id)
                if audio is None:
                    note.fetch_attempts += 1
                    continue
                note.content_type, note.content = audio
                arrived += 1
        return arrived

    async def _download(self, media_id: str) -> tuple[str, bytes] | None:
        try:
            answer = await asyncio.to_thread(self.client.media.download, media_id)
        except (WeChatClientException, RequestException) as error:
            log.warning("voice note %s could not be fetched: %s", media_id[:8], type(error).__name__)
            return None
        content_type = str(getattr(answer, "headers", {}).get("Content-Type", "")).split(";")[0].strip()
        if not content_type.startswith(AUDIO_TYPES):
            log.warning("voice note %s: WeChat answered %s, not audio", media_id[:8], content_type or "nothing")
            return None
        return content_type, bytes(answer.content)
