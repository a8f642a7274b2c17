"""The browser chat channel's endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from bot.channels.web.adapter import ReplyOut, WebMessageIn, parse_message, render_replies
from bot.web.deps import RuntimeDep

router = APIRouter(prefix="/api")


@router.post("/chat")
async def post_chat_message(body: WebMessageIn, runtime: RuntimeDep) -> list[ReplyOut]:
    replies = await runtime.pipeline.handle(parse_message(body, runtime.clock()))
    return render_replies(replies)
