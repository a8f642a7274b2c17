"""ticket_answer: what the resident writes while one of their tickets is paused waiting on them (materials, a time
they are at home). The pipeline opens this flow for such a resident's next message; a danger, a wish for a
person or a question a guide answers still break in as in any free-text question. The words go to the
assignee and the ticket's clock runs again (`bot.office.pauses`)."""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply
from bot.office.pauses import resume_by_answer, waiting_on
from bot.office.ticketing import format_datetime
from handlers.base import HandlerContext
from nlu.result import ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "ticket_answer_received": ("assignee", "due", "ticket_no"),
    "ticket_answer_nothing": (),
    "intent_ticket_answer": (),
}
"""The profile's replies this module renders, each with the blanks it fills in (`intent_ticket_answer` names the
flow when another need breaks into it; it is not a need the bot offers)."""


FLOW = "ticket_answer"
INTENTS = (FLOW,)
SLOT = "message"
"""Free text: any words answer."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    number = ctx.state.slots.get("ticket")
    ctx.state.finish()
    ticket = await waiting_on(ctx.session, ctx.profile, ctx.resident.id)
    if ticket is None or ticket.number != number:
        return [ctx.say("ticket_answer_nothing")]
    await resume_by_answer(ctx.session, ctx.profile, ctx.wording, ticket, nlu.text.strip(), ctx.now)
    return [ctx.say("ticket_answer_received", ticket_no=ticket.number, assignee=ticket.assignee.name,
                    due=format_datetime(ctx.wording, ctx.profile, ticket.due_at))]


OTHER_NEEDS = frozenset({"request_status", "human_handoff", "report_clue", "subscribe_notices",
                         "unsubscribe_notices", "appointment_cancel", "emergency"})
"""What a message read as one of these asks for is not what the office waits for (「我那个事办得咋样了」)."""
SMALL_TALK = frozenset({"greet", "goodbye", "affirm", "deny"})
SMALL_TALK_CHARS = 6
"""「好的 谢谢」 right after being told what is needed acknowledges it; it answers nothing."""


async def start_if_waited_on(ctx: HandlerContext, nlu: ParseResult) -> bool:
    """Open the flow when the resident has a ticket paused waiting on them, nothing else is going on, and the
    message may be the answer (what the flow does with danger, a wish for a person or a question a guide answers
    is the pipeline's, as in any free-text question)."""
    state = ctx.state
    if not ctx.may_be_awaited or state.flow is not None or state.suspended or nlu.intent.name in OTHER_NEEDS:
        return False
    if nlu.intent.name in SMALL_TALK and sum(ch.isalnum() for ch in nlu.text) <= SMALL_TALK_CHARS:
        return False
    ticket = await waiting_on(ctx.session, ctx.profile, ctx.resident.id)
    if ticket is None:
        return False
    state.start(FLOW)
    state.awaiting = SLOT
    state.slots["ticket"] = ticket.number or ""
    return True
