"""report_withdrawal: the resident says what they reported is no longer needed (「这个单子撤了吧」「不用来修了 已经好
了」). Read as cancelling a booking or stopping notices, these words were answered 「您目前没有待办的预约」 and the
worker still came. The ticket is not closed here: the words go on it and to its assignee, who checks and closes it
(the resident hears of that as of any close)."""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply
from bot.office.additions import add_to_ticket
from bot.office.categories import file_report
from bot.office.certificates import CERTIFICATE_CATEGORY
from bot.office.ticket_actions import category_name
from handlers.base import HandlerContext
from nlu.phrasing import ASKING, CERTIFICATE_WORD, NAMES_A_BOOKING, STOPS_NOTICES, WITHDRAWS_A_REPORT
from nlu.result import ParseResult
from storage.models import Ticket, TicketEventKind
from storage.repositories.tickets import open_tickets_of

REPLIES: dict[str, tuple[str, ...]] = {
    "withdrawal_noted": ("assignee", "category", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENT = "report_withdrawal"
"""Not from the classifier: the pipeline's name for words withdrawing the resident's open report."""
INTENTS = (INTENT,)


async def withdraws(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Whether the words withdraw an open ticket of the resident's: said, not asked (「这个问题不用办什么手续吗」),
    and not about a booking or notices."""
    text = nlu.text
    if WITHDRAWS_A_REPORT.search(text) is None or ASKING.search(text) or NAMES_A_BOOKING.search(text) \
            or STOPS_NOTICES.search(text):
        return False
    return await _withdrawn(ctx, text) is not None


async def _withdrawn(ctx: HandlerContext, text: str) -> Ticket | None:
    """The open ticket the words withdraw: a certificate's if they say 证明, else a report's; of those, the latest
    of the category the words name (「已经不烧了」 is the burning rubbish, not the 居住证明 asked for after it), or
    the latest."""
    certificate = CERTIFICATE_WORD in text
    tickets = [t for t in await open_tickets_of(ctx.session, ctx.resident.id)
               if (t.category_key == CERTIFICATE_CATEGORY) == certificate]
    filing = file_report(ctx.profile, text)
    named = [t for t in tickets if filing.confident and t.category_key == filing.category.key]
    chosen = named or tickets
    return chosen[-1] if chosen else None


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    ticket = await _withdrawn(ctx, nlu.text)
    assert ticket is not None  # `withdraws` found it in this turn
    assignee = await add_to_ticket(ctx.session, ctx.profile, ctx.wording, ticket, nlu.text.strip(), ctx.now,
                                   kind=TicketEventKind.WITHDRAWN, card="staff_resident_withdraws")
    return [ctx.say("withdrawal_noted", ticket_no=ticket.number, category=category_name(ctx.profile, ticket),
                    assignee=assignee.name)]
