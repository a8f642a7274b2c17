"""follow_up_fixed / follow_up_broken: the answer to a 回访 (「还好吗？」 some days after closing), pressed or
typed (the pipeline reads 「又坏了」 or 「好着呢」 as one of these while a 回访 waits for an answer)."""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply
from bot.office.follow_ups import BROKEN_INTENT, FIXED_INTENT, answer_follow_up, awaiting_answer
from bot.office.ticketing import format_datetime
from handlers.base import HandlerContext
from nlu.result import ParseResult
from storage.models import Staff

REPLIES: dict[str, tuple[str, ...]] = {
    "follow_up_thanks": ("ticket_no",),
    "follow_up_reopened": ("assignee", "due", "ticket_no"),
    "follow_up_nothing": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = (FIXED_INTENT, BROKEN_INTENT)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    ctx.state.finish()
    named = nlu.entity("ticket")
    follow_up = await awaiting_answer(ctx.session, ctx.resident.id, named.value if named else None)
    if follow_up is None:
        return [ctx.say("follow_up_nothing")]
    fixed = nlu.intent.name == FIXED_INTENT
    ticket = await answer_follow_up(ctx.session, ctx.profile, follow_up, ctx.resident, fixed, ctx.now)
    if fixed:
        return [ctx.say("follow_up_thanks", ticket_no=ticket.number)]
    assignee = await ctx.session.get_one(Staff, ticket.assignee_id)
    return [ctx.say("follow_up_reopened", ticket_no=ticket.number, assignee=assignee.name,
                    due=format_datetime(ctx.wording, ctx.profile, ticket.due_at))]
