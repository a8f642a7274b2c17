"""emergency: danger or fraud happening now. The numbers to call come first, with no question.

A false alarm must cost the resident nothing: a second reply offers the non-urgent needs, and
the choice applies to what they wrote (the pending text), so a complaint is not lost.
"""

from __future__ import annotations

from bot.messages import InboundMessage, Reply
from handlers.base import HandlerContext
from nlu.result import ParseResult

INTENTS = ("emergency",)
NOT_URGENT_CHOICES = ("appeal_report", "safety_tip", "report_clue")


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    ctx.state.pending_text = nlu.text or None
    offers = tuple(ctx.offer(intent) for intent in NOT_URGENT_CHOICES)
    return [ctx.say("emergency_now"), ctx.say("emergency_not_urgent", *offers)]
