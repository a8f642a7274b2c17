"""nlu_fallback: not understood. First a clarifying question, then a person, never a guess; but help asked
with an office matter plainly named is filed (`bot.office.categories.asks_office_to_act`).

When the classifier hesitated between two needs, the question offers exactly those two; the
answer then applies to what the resident first wrote (see `Pipeline.understand`).
"""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply
from bot.office.categories import asks_office_to_act
from handlers import appeal_report
from handlers.base import OFFERABLE_INTENTS, HandlerContext, menu
from handlers.human_handoff import hand_over
from nlu.result import FALLBACK_INTENT, ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "fallback_clarify": (),
    "fallback_choose": ("first", "second"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = (FALLBACK_INTENT,)
MISSES_BEFORE_PERSON = 2


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if not ctx.state.suspended and not ctx.state.misses and asks_office_to_act(ctx.profile, nlu.text):
        # 「包工头拖着工钱不给 能帮俺找个律师不」: whatever need the words are read as, they ask for the office's help
        # with a matter it plainly handles; asking "which of these?" first would only delay it.
        return await appeal_report.file_instead(message, nlu, ctx)
    ctx.state.misses += 1
    if ctx.state.misses >= MISSES_BEFORE_PERSON:
        return await hand_over(ctx, nlu.text)
    ctx.state.pending_text = nlu.text or None
    top = [score.name for score in nlu.ranking[:2]]
    if nlu.ambiguous and len(top) == 2 and all(name in OFFERABLE_INTENTS for name in top):
        first, second = (ctx.offer(name) for name in top)
        return [ctx.say("fallback_choose", first, second, ctx.offer("human_handoff"),
                        first=first.label, second=second.label)]
    return [ctx.say("fallback_clarify", *menu(ctx))]
