"""policy_question: answered from the community's own policy texts, quoting the passage and naming
its source; when the texts do not cover the question the bot says so and offers a person or a
ticket instead of guessing."""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply
from handlers.base import HandlerContext
from nlu.result import ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "policy_answer": ("heading", "quote", "source", "title"),
    "policy_form": ("link", "name"),
    "policy_unknown": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("policy_question",)
QUOTE_CHARS = 320
"""Long enough for a list of materials, short enough for a phone screen."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    hit = ctx.policies.answer(nlu.text) if ctx.policies and nlu.text.strip() else None
    if hit is None:
        return [ctx.say("policy_unknown", ctx.offer("human_handoff"), ctx.offer("appeal_report"))]
    passage = hit.passage
    quote = passage.text if len(passage.text) <= QUOTE_CHARS else passage.text[:QUOTE_CHARS].rstrip() + "…"
    replies: list[Reply] = [ctx.say("policy_answer", title=passage.title, heading=passage.heading, quote=quote,
                                    source=passage.source)]
    if passage.form is not None:
        replies.append(ctx.say("policy_form", name=passage.form[0], link=passage.form[1]))
    return replies
