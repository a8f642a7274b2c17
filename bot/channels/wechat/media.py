"""A WeChat voice note's audio, from the official account's `media/get` (`bot.channels.media` keeps it)."""

from __future__ import annotations

import asyncio
import logging

from requests import RequestException
from wechatpy.exceptions import WeChatClientException

from bot.channels.media import Download
from bot.channels.wechat.tokens import OfficialAccountClient

log = logging.getLogger(__name__)

AUDIO_TYPES = ("audio/", "application/octet-stream", "voice/")
"""What WeChat answers media/get for a voice note with (amr: audio/amr; speex arrives as octet-stream)."""


def wechat_download(client: OfficialAccountClient) -> Download:
    async def download(media_id: str) -> tuple[str, bytes] | None:
        try:
            answer = await asyncio.to_thread(client.media.download, media_id)
        except (WeChatClientException, RequestException) as error:
            log.warning("voice note %s could not be fetched: %s", media_id[:8], type(error).__name__)
            return None
        content_type = str(getattr(answer, "headers", {}).get("Content-Type", "")).split(";")[0].strip()
        if not content_type.startswith(AUDIO_TYPES):
            log.warning("voice note %s: WeChat answered %s, not audio", media_id[:8], content_type or "nothing")
            return None
        return content_type, bytes(answer.content)

    return download
