"""report_is_different: the resident pressed 「不是同一个问题」 after their report was attached to a ticket already
open for the same place and category; theirs becomes a ticket of its own (`bot.office.duplicates.split_off`)."""

from __future__ import annotations

from bot.core.errors import TicketNotFoundError, TicketStateError
from bot.core.messages import InboundMessage, Reply
from bot.office.duplicates import DIFFERENT_INTENT, split_off
from handlers.base import HandlerContext
from nlu.result import ParseResult

REPLIES: dict[str, tuple[str, ...]] = {
    "report_split": ("address", "assignee", "due", "ticket_no"),
    "report_split_nothing": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = (DIFFERENT_INTENT,)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    ctx.state.finish()
    named = nlu.entity("ticket")
    if named is None:
        return [ctx.say("report_split_nothing")]
    try:
        opened = await split_off(ctx.session, ctx.profile, named.value, ctx.resident.id, ctx.now)
    except (TicketNotFoundError, TicketStateError):
        return [ctx.say("report_split_nothing")]
    return [ctx.say("report_split", ticket_no=opened.ticket.number, assignee=opened.route.assignee.name,
                    due=opened.due_label, address=opened.address_label)]
