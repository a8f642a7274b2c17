"""Needs the bot understands but cannot yet serve in chat: say so and offer a person."""

from __future__ import annotations

from bot.messages import InboundMessage, Reply
from handlers.base import HandlerContext
from nlu.result import ParseResult

INTENTS = ("safety_tip", "subscribe_notices", "unsubscribe_notices", "feedback", "report_clue")


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    return [ctx.say("not_yet_online", ctx.offer("human_handoff"))]
