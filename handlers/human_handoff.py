"""human_handoff: a person takes over. Opens a tracked ticket so someone is accountable for
answering, with the same-day limit of the handoff category."""

from __future__ import annotations

from bot.messages import InboundMessage, Reply
from bot.ticketing import TicketRequest, open_ticket
from handlers.base import HandlerContext
from handlers.community import ask_community, resolve_community
from nlu.result import ParseResult

INTENTS = ("human_handoff",)
FLOW = "human_handoff"


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    return [await hand_over(ctx, nlu.text)]


async def hand_over(ctx: HandlerContext, text: str) -> Reply:
    """Open the hand-off ticket, first asking for the community when it cannot be known."""
    state = ctx.state
    if state.flow != FLOW:
        state.start(FLOW)
        state.slots["description"] = text.strip() or "-"
    if not await resolve_community(ctx, text):
        state.awaiting = "community"
        return ask_community(ctx)
    assert ctx.community is not None
    category = ctx.profile.categories[ctx.profile.HANDOFF_CATEGORY]
    opened = await open_ticket(ctx.session, ctx.profile, TicketRequest(
        community=ctx.community, resident=ctx.resident, channel=ctx.channel, category=category,
        description=state.slots["description"],
    ), ctx.now)
    state.finish()
    state.misses = 0
    return ctx.say("handoff_created", ticket_no=opened.ticket.number, assignee=opened.route.assignee.name,
                   due=opened.due_label)
