"""resume: back to the flow that another need interrupted, at the question it was waiting on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core.messages import InboundMessage, Reply
from handlers.base import Handler, HandlerContext
from nlu.result import IntentScore, ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "nothing_to_resume": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENT = "resume"


def make_handler(flows: Mapping[str, Handler]) -> Handler:
    """The resume handler asks the restored flow's pending question again through its handler."""

    async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
        flow = ctx.state.flow if ctx.state.resume() else None
        if flow is None or flow not in flows:
            ctx.state.finish()
            return [ctx.say("nothing_to_resume")]
        return await flows[flow](message, replace(nlu, text="", intent=IntentScore(INTENT, 1.0)), ctx)

    return handle
