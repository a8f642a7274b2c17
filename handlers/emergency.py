"""emergency: danger or fraud happening now. The numbers to call come first, with no question."""

from __future__ import annotations

from bot.messages import InboundMessage, Reply
from handlers.base import HandlerContext
from nlu.result import ParseResult

INTENTS = ("emergency",)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    return [ctx.say("emergency_now")]
