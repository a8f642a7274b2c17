"""resume: back to the flow that another need interrupted, at the question it was waiting on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core.messages import InboundMessage, Reply
from handlers.base import AnswerCheck, Handler, HandlerContext
from nlu.phrasing import GO_ON, GOING_ON_ONLY
from nlu.result import IntentScore, ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "nothing_to_resume": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENT = "resume"


def make_handler(flows: Mapping[str, Handler], checks: Mapping[str, AnswerCheck]) -> Handler:
    """The resume handler takes the restored flow up at its pending question: with the rest of the message when
    that answers it (「继续 约周二上午九点」), or by asking the question again."""

    async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
        flow = ctx.state.flow if ctx.state.resume() else None
        if flow is None or flow not in flows:
            ctx.state.finish()
            return [ctx.say("nothing_to_resume")]
        rest = replace(nlu, text=GO_ON.sub(" ", nlu.text).strip(), intent=IntentScore(INTENT, 1.0))
        check = checks.get(flow)
        if GOING_ON_ONLY.match(rest.text) or check is None or not await check(rest, ctx):
            rest = replace(rest, text="")
        return await flows[flow](message, rest, ctx)

    return handle
