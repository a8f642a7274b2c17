"""greet, goodbye and small answers outside any flow; out_of_scope gets what the bot can do."""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply
from handlers.base import HandlerContext, menu
from nlu.result import ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "greet": ("community",),
    "goodbye": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


GREETING = "greet"
INTENTS = (GREETING, "goodbye", "affirm", "deny", "out_of_scope")


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    intent = nlu.intent.name
    if intent in ("goodbye", "deny"):
        return [ctx.say("goodbye")]
    if intent == "out_of_scope":
        return [ctx.say("out_of_scope", *menu(ctx))]
    community = ctx.community.name if ctx.community else ctx.profile.district.name
    return [ctx.say("greet", *menu(ctx), community=community)]
