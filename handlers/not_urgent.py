"""not_urgent: the resident pressed "not an emergency, I wanted ..." after the emergency reply.

The on-duty staff are told at once (`bot.office.emergencies.stand_down`), so a false alarm does not keep
the police busy, and the chosen need is served with what the resident first wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core.messages import InboundMessage, Reply
from bot.office.emergencies import stand_down
from handlers.base import Handler, HandlerContext
from nlu.result import IntentScore, ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "out_of_scope": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENT = "not_urgent"


def make_handler(needs: Mapping[str, Handler]) -> Handler:
    async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
        chosen = nlu.entity("need")
        if chosen is None or chosen.value not in needs:
            return [ctx.say("out_of_scope")]
        if ctx.community is not None:
            await stand_down(ctx.session, ctx.profile, ctx.community, ctx.resident, chosen.value, ctx.now)
        entities = tuple(e for e in nlu.entities if e.entity != "need")
        said = replace(nlu, intent=IntentScore(chosen.value, 1.0), entities=entities)
        return await needs[chosen.value](message, said, ctx)

    return handle
