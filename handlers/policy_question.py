"""policy_question: answered from the community's own policy texts, quoting the passage and naming
its source; when the texts do not cover the question the bot says so and offers a person or a
ticket instead of guessing. A question the texts do not cover that asks the office to act on an office
matter (「包工头拖着工钱不给 能帮俺找个律师不」) is filed as that matter: the resident asked for help, not
for a choice of buttons."""

from __future__ import annotations

from dataclasses import replace

from bot.core.messages import InboundMessage, Reply
from bot.office.categories import file_report
from handlers import appeal_report
from handlers.base import HandlerContext
from nlu.phrasing import ASKS_SOMEONE_TO_ACT
from nlu.result import IntentScore, ParseResult

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
    if hit is None and _asks_the_office_to_act(ctx, nlu.text):
        report = replace(nlu, intent=IntentScore(appeal_report.INTENTS[0], 1.0))
        return await appeal_report.handle(message, report, ctx)
    if hit is None:
        return [ctx.say("policy_unknown", ctx.offer("human_handoff"), ctx.offer("appeal_report"))]
    passage = hit.passage
    quote = passage.text if len(passage.text) <= QUOTE_CHARS else passage.text[:QUOTE_CHARS].rstrip() + "…"
    replies: list[Reply] = [ctx.say("policy_answer", title=passage.title, heading=passage.heading, quote=quote,
                                    source=passage.source)]
    if passage.form is not None:
        replies.append(ctx.say("policy_form", name=passage.form[0], link=passage.form[1]))
    return replies


def _asks_the_office_to_act(ctx: HandlerContext, text: str) -> bool:
    """Asked for help with a matter the office handles without a place (legal aid, relief, a home-town
    matter), in words the category classifier is sure of."""
    if ctx.state.suspended or not ASKS_SOMEONE_TO_ACT.search(text):
        return False
    filing = file_report(ctx.profile, text)
    return filing.confident and not filing.category.asks_where
