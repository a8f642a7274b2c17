"""suggestion: a resident's suggestion for the community (「我有个建议」) becomes a ticket for the secretary
(the profile's `deliberation.suggestion_category`), who may answer it or put it to a 议事 vote
(`bot.notices.proposals.create_proposal` with the ticket, which closes it with word to the resident)."""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply
from bot.office.ticketing import TicketRequest, open_ticket
from handlers.base import HandlerContext
from handlers.community import ask_community, resolve_community
from nlu.phrasing import cancels
from nlu.result import ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "intent_suggestion": (),
    "suggestion_ask": (),
    "suggestion_received": ("assignee", "due", "ticket_no"),
    "suggestion_cancelled": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("suggestion",)
FLOW = "suggestion"
FREE_TEXT = "description"
"""The question waits for free text: whatever comes next is the suggestion."""
MIN_SUGGESTION_CHARS = 4
"""Fewer letters than this besides the cue words (「我有个建议」 alone) is a wish to suggest: ask what."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    state = ctx.state
    said = nlu.text.strip()
    step = state.awaiting if state.flow == FLOW else None
    if step == FREE_TEXT and nlu.intent.name == "deny" and cancels(said):
        state.finish()
        return [ctx.say("suggestion_cancelled")]
    opening = state.slots.get("opening", "")
    text = opening if step == "community" else f"{opening} {said}".strip() if step == FREE_TEXT else said
    if step is None and sum(ch.isalnum() for ch in _without_cue(ctx, text)) < MIN_SUGGESTION_CHARS:
        _await(ctx, FREE_TEXT, text)
        return [ctx.say("suggestion_ask")]
    if not await resolve_community(ctx, said):
        _await(ctx, "community", text)
        return [ask_community(ctx)]
    assert ctx.community is not None
    state.finish()
    settings = ctx.profile.participation.deliberation
    assert settings is not None  # the intent is only read when the profile has deliberation
    request = TicketRequest(community=ctx.community, resident=ctx.resident, channel=ctx.channel,
                            category=ctx.profile.categories[settings.suggestion_category], description=text)
    opened = await open_ticket(ctx.session, ctx.profile, request, ctx.now)
    return [ctx.say("suggestion_received", ticket_no=opened.ticket.number, assignee=opened.route.assignee.name,
                    due=opened.due_label)]


def _without_cue(ctx: HandlerContext, text: str) -> str:
    settings = ctx.profile.participation.deliberation
    for word in sorted(settings.suggestion_words if settings else (), key=len, reverse=True):
        text = text.replace(word, "")
    return text


def _await(ctx: HandlerContext, question: str, opening: str) -> None:
    ctx.state.start(FLOW)
    ctx.state.awaiting, ctx.state.slots["opening"] = question, opening
