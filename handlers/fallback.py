"""nlu_fallback: not understood. First a clarifying question, then a person, never a guess."""

from __future__ import annotations

from bot.messages import InboundMessage, Reply
from handlers.base import MENU, HandlerContext, menu
from handlers.human_handoff import hand_over
from nlu.result import FALLBACK_INTENT, ParseResult

INTENTS = (FALLBACK_INTENT,)
MISSES_BEFORE_PERSON = 2
_LABELS = {payload.lstrip("/"): label for label, payload in MENU}


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    ctx.state.misses += 1
    if ctx.state.misses >= MISSES_BEFORE_PERSON:
        return [await hand_over(ctx, nlu.text)]
    top = [score.name for score in nlu.ranking[:2]]
    if len(top) == 2 and all(name in _LABELS for name in top):
        first, second = (ctx.choice(_LABELS[name], f"/{name}") for name in top)
        return [ctx.say("fallback_choose", first, second, ctx.choice("choice_handoff", "/human_handoff"),
                        first=first.label, second=second.label)]
    return [ctx.say("fallback_clarify", *menu(ctx))]
