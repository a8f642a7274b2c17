"""`/telegram/webhook`: Telegram's webhook, refused without the secret token Telegram echoes back."""

from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from telegram import Update

from bot.channels.telegram.setup import TelegramChannel
from bot.web.bodies import read_limited

router = APIRouter()


def get_telegram(request: Request) -> TelegramChannel:
    channel: TelegramChannel = request.app.state.telegram
    return channel


def get_webhook_secret(request: Request) -> str:
    secret: str = request.app.state.telegram_webhook_secret
    return secret


@router.post("/telegram/webhook")
async def receive_telegram_update(request: Request, telegram: Annotated[TelegramChannel, Depends(get_telegram)],
                                  secret: Annotated[str, Depends(get_webhook_secret)],
                                  token: Annotated[str, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = ""
                                  ) -> dict[str, bool]:
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise HTTPException(403, "wrong or missing secret token")
    try:
        data = json.loads(await read_limited(request))
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "body is not JSON") from None
    try:
        update = Update.de_json(data, telegram.bot) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError):
        update = None
    if update is None or not isinstance(data.get("update_id"), int):
        raise HTTPException(400, "not a Telegram update")
    await telegram.updates.handle(update)
    return {"ok": True}
