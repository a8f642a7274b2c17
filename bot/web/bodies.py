"""Request bodies read with a limit: an oversize body is refused before it is read whole."""

from __future__ import annotations

from fastapi import Request

from bot.channels.wechat.security import MAX_BODY_BYTES, BodyTooLarge


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body of {declared} bytes is over the {limit}-byte limit")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"body is over the {limit}-byte limit")
    return bytes(body)
