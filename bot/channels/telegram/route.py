"""`/telegram/webhook`: Telegram's webhook, refused without the secret token Telegram echoes back."""

from __future__ import annotations

import hmac
import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from telegram import Bot, Update

from bot.channels.telegram.setup import TelegramChannel
from bot.web.bodies import read_limited

router = APIRouter()

SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""A `\\uD800`-`\\uDFFF` escape: half of a pair, or a lone surrogate no UTF-8 text can hold."""


async def get_telegram(request: Request) -> TelegramChannel:
    channel: TelegramChannel = request.app.state.telegram
    return channel


async def get_webhook_secret(request: Request) -> str:
    secret: str = request.app.state.telegram_webhook_secret
    return secret


@router.post("/telegram/webhook")
async def receive_telegram_update(request: Request, telegram: Annotated[TelegramChannel, Depends(get_telegram)],
                                  secret: Annotated[str, Depends(get_webhook_secret)],
                                  token: Annotated[str, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = ""
                                  ) -> dict[str, bool]:
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise HTTPException(403, "wrong or missing secret token")
    await telegram.updates.handle(read_update(await read_limited(request), telegram.bot))
    return {"ok": True}


def read_update(raw: bytes, bot: Bot) -> Update:
    """The update in a webhook body, or a 400 for anything that is not one (never a 500)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise HTTPException(400, "body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(400, "not a Telegram update")
    if SURROGATE_ESCAPE.search(raw) and not _encodable(data):
        raise HTTPException(400, "a lone surrogate: not text")
    try:
        return Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise HTTPException(400, "not a Telegram update") from None


def _encodable(data: object) -> bool:
    """Whether every string in the update is valid Unicode (paired escapes decode to one character)."""
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True
