"""more_about_report: words read as a report right after one was filed, naming no place of their own
(「已经流到楼下了 楼下邻居来敲门了」 after a leak): the resident is asked whether they are news of that problem or
another one. Filed again they would make a second ticket under whatever the new words name (a neighbour
dispute); as news they go on the ticket and to its assignee (`bot.office.additions`). Another problem is
reported with the same words, as if the resident had just said them. When the worker can come (「我下午不在家 明天上午
来行不行」, a booking to the classifier), said right after filing or after the report's progress was shown, goes
on the ticket and to its assignee at once."""

from __future__ import annotations

from bot.core.dialogue import is_a_pick
from bot.core.messages import InboundMessage, Reply
from bot.office.additions import add_to_ticket
from bot.office.places import find_place
from bot.office.ticket_actions import category_name
from handlers import appeal_report
from handlers.base import HandlerContext
from nlu.address import stated_address
from nlu.payloads import button_payload
from nlu.phrasing import NEW_TOPIC, SAYS_WHEN_HOME
from nlu.result import ParseResult
from storage.models import TicketStatus
from storage.repositories.tickets import get_ticket_by_number

REPLIES: dict[str, tuple[str, ...]] = {
    "ask_more_or_another": ("category", "ticket_no"),
    "choice_add_to_report": (),
    "choice_another_report": (),
    "report_added": ("assignee", "ticket_no"),
    "visit_time_noted": ("assignee", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


MORE = "more_about_report"
"""Not from the classifier: the pipeline's name for words that may be news of the report just filed."""
ADD = "add_to_report"
"""The button saying they are."""
WHEN_HOME = "when_home"
"""Not from the classifier: the pipeline's name for words saying when the worker can come to the report's place."""
INTENTS = (MORE, ADD, WHEN_HOME)


NEWS_CHARS = 4
"""Letters and digits enough for words not understood to be news (「他们说要装一个月」), not a stray 「啊」."""


async def tells_more(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Whether words read as a report, or not understood at all, may be news of the one report just filed: they
    name no place (a place is a correction, or a problem somewhere else) and do not open with another matter
    (「还有个事」「另外」)."""
    text = nlu.text
    if len(ctx.state.filed) != 1 or ctx.community is None or not (nlu.intent.name == appeal_report.FLOW or (
            nlu.is_fallback and sum(ch.isalnum() for ch in text) >= NEWS_CHARS and not is_a_pick(text))):
        return False
    if NEW_TOPIC.match(text) or stated_address(text) or find_place(ctx.profile, ctx.community.key, text):
        return False
    return bool(await appeal_report.just_filed(ctx))


async def tells_when_home(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「我下午不在家 明天上午来行不行」 right after a report was filed or shown with its progress: when the worker can
    come, for the assignee, not a booking at the office (as the classifier hears the time in it)."""
    if len(ctx.state.filed) != 1 or SAYS_WHEN_HOME.search(nlu.text) is None or nlu.entity("time") is None:
        return False
    return any(ticket.status != TicketStatus.CLOSED for ticket in await appeal_report.just_filed(ctx))


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if nlu.intent.name == MORE:
        return await _ask(nlu, ctx)
    if nlu.intent.name == WHEN_HOME:
        return await _note_when_home(nlu, ctx)
    named = nlu.entity("ticket")
    ticket = await get_ticket_by_number(ctx.session, named.value) if named else None
    words = nlu.text.strip()
    if ticket is None or ticket.status == TicketStatus.CLOSED or ticket.resident_id != ctx.resident.id or not words:
        # The ticket closed since, or the button was pressed long after: the words as a report of their own.
        return await appeal_report.file_instead(message, nlu, ctx)
    assignee = await add_to_ticket(ctx.session, ctx.profile, ctx.wording, ticket, words, ctx.now)
    ctx.state.filed = [ticket.number or ""]  # more news may follow (「能不能让他们中午别干」), asked about again
    return [ctx.say("report_added", ticket_no=ticket.number, assignee=assignee.name)]


async def _note_when_home(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    [ticket] = await appeal_report.just_filed(ctx)
    ctx.state.filed = []
    assignee = await add_to_ticket(ctx.session, ctx.profile, ctx.wording, ticket, nlu.text.strip(), ctx.now)
    return [ctx.say("visit_time_noted", ticket_no=ticket.number, assignee=assignee.name)]


async def _ask(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    [ticket] = await appeal_report.just_filed(ctx)
    ctx.state.filed = []
    ctx.state.pending_text = nlu.text  # what either button applies to
    add = ctx.choice_of("choice_add_to_report", button_payload(ADD, ticket=ticket.number or ""))
    another = ctx.choice_of("choice_another_report", f"/{appeal_report.FLOW}")
    return [ctx.say("ask_more_or_another", add, another, ticket_no=ticket.number,
                    category=category_name(ctx.profile, ticket))]
