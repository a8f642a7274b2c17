"""feedback: 满意 / 不满意 on a closed ticket, pressed on the close notice or typed.

满意 stores the rating. 不满意 stores it, reopens the ticket, tells the assignee and their area
lead, and asks what is still wrong; the next message is kept as the reopen note (unless the
first message already said it).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from bot.core.messages import InboundMessage, Reply
from bot.office.categories import file_report, names_a_category
from bot.office.ticket_actions import FEEDBACK_CHOICES, add_reopen_note, category_name, rate_ticket, reopen_ticket
from handlers import appeal_report
from handlers.base import HandlerContext
from nlu.entities import find_ticket_numbers
from nlu.payloads import button_payload
from nlu.phrasing import NOT_DONE_YET, praises_what_was_done
from nlu.result import ParseResult
from storage.models import Rating, Ticket, TicketFollower, TicketStatus

REPLIES: dict[str, tuple[str, ...]] = {
    "feedback_ask": ("category", "ticket_no"),
    "feedback_thanks": ("ticket_no",),
    "feedback_reopened": ("assignee", "lead", "ticket_no"),
    "feedback_note_saved": ("ticket_no",),
    "feedback_reopened_with_note": ("assignee", "lead", "ticket_no"),
    "feedback_already": ("ticket_no",),
    "feedback_nothing": (),
    "feedback_praise": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


UNSATISFIED = "feedback_unsatisfied"
INTENTS = ("feedback", "feedback_satisfied", UNSATISFIED)
BUTTONS = {"feedback_satisfied": True, UNSATISFIED: False}
FLOW = "feedback"
NOT_FIXED_WINDOW = timedelta(days=7)
"""A ticket closed this lately, said not to be fixed, is reopened; later, the words are a report of their own."""
NOTE_EXTRA_CHARS = 5
"""Typed 不满意 with at least this much more than the verdict already says what is wrong."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    text = nlu.text.strip()
    if ctx.state.flow == FLOW:
        if text and nlu.intent.name not in BUTTONS:
            return [await _save_note(ctx, text)]
        ctx.state.finish()
    ticket = await _ticket_to_rate(ctx, nlu)
    praised = praises_what_was_done(text)
    if ticket is None and not praised and len(text) >= appeal_report.MIN_DESCRIPTION_CHARS \
            and names_a_category(ctx.profile, text):
        # 「你们物业的保安态度太差了 直接把我骂了一顿」 with nothing to rate: a complaint to file, not a rating.
        return await appeal_report.file_instead(message, nlu, ctx)
    if ticket is None:
        # 「上周我爸走丢了 网格员帮着找回来了 太感谢了」 with nothing to rate: thanked, not told there is nothing.
        return [ctx.say("feedback_praise" if praised else "feedback_nothing")]
    rated = await _rated_since_closed(ctx, ticket)
    if rated or ticket.status != TicketStatus.CLOSED:
        return [ctx.say("feedback_already" if rated else "feedback_nothing", ticket_no=ticket.number)]
    satisfied = BUTTONS.get(nlu.intent.name, ctx.profile.feedback_words.polarity(text))
    if satisfied is None:
        choices = (ctx.choice_of(label, button_payload(intent, ticket=ticket.number or ""))
                   for label, intent in FEEDBACK_CHOICES)
        return [ctx.say("feedback_ask", *choices, ticket_no=ticket.number,
                        category=category_name(ctx.profile, ticket))]
    comment = text or None
    if satisfied:
        rate_ticket(ctx.session, ticket, ctx.resident, True, comment, ctx.now)
        return [ctx.say("feedback_thanks", ticket_no=ticket.number)]
    return [await _reopen(ctx, ticket, comment)]


async def not_fixed(nlu: ParseResult, ctx: HandlerContext) -> Ticket | None:
    """The ticket closed lately, not rated since, that the words say is not fixed (「还是不亮啊 你们换的什么灯泡」 after
    the lamp's ticket was closed: a question or a new report to the classifier): 不满意 of it, with why."""
    text = nlu.text
    if not NOT_DONE_YET.search(text):
        return None
    ticket = await _latest_closed(ctx)
    if ticket is None or ticket.closed_at is None or ctx.now - ticket.closed_at > NOT_FIXED_WINDOW \
            or await _rated_since_closed(ctx, ticket):
        return None
    return ticket if file_report(ctx.profile, text).category.key == ticket.category_key else None


async def _reopen(ctx: HandlerContext, ticket: Ticket, comment: str | None) -> Reply:
    reopened = await reopen_ticket(ctx.session, ctx.profile, ticket, ctx.resident, comment, ctx.now)
    said_enough = comment is not None and _beyond_verdict(ctx, comment) >= NOTE_EXTRA_CHARS
    if said_enough:
        return ctx.say("feedback_reopened_with_note", ticket_no=ticket.number, assignee=ticket.assignee.name,
                       lead=reopened.lead.name)
    ctx.state.start(FLOW)
    ctx.state.awaiting = "description"  # free text: the next message is the note, not another need
    ctx.state.slots.update(ticket=ticket.number or "", event=str(reopened.event.id), rating=str(reopened.rating.id))
    return ctx.say("feedback_reopened", ticket_no=ticket.number, assignee=ticket.assignee.name,
                   lead=reopened.lead.name)


async def _save_note(ctx: HandlerContext, note: str) -> Reply:
    slots = dict(ctx.state.slots)
    ctx.state.finish()
    ticket = await _resident_ticket(ctx, slots.get("ticket", ""))
    if ticket is None:
        return ctx.say("feedback_nothing")
    await add_reopen_note(ctx.session, ctx.profile, ticket, int(slots["event"]), int(slots["rating"]), note, ctx.now)
    return ctx.say("feedback_note_saved", ticket_no=ticket.number)


def _beyond_verdict(ctx: HandlerContext, text: str) -> int:
    """How much the text says besides the verdict words themselves."""
    words = ctx.profile.feedback_words
    rest = text
    for word in sorted([*words.unsatisfied, *words.satisfied], key=len, reverse=True):
        rest = rest.replace(word, "")
    return sum(ch.isalnum() for ch in rest)


async def _ticket_to_rate(ctx: HandlerContext, nlu: ParseResult) -> Ticket | None:
    """The ticket the button names, or a number in the message, or the latest one closed."""
    chosen = nlu.entity("ticket")
    numbers = [chosen.value] if chosen else [number for number, _, _ in find_ticket_numbers(nlu.text)]
    if numbers:
        return await _resident_ticket(ctx, numbers[0])
    return await _latest_closed(ctx)


async def _latest_closed(ctx: HandlerContext) -> Ticket | None:
    query = (select(Ticket).options(joinedload(Ticket.assignee))
             .where(Ticket.id.in_(_followed(ctx)), Ticket.status == TicketStatus.CLOSED,
                    Ticket.merged_into_id.is_(None))
             .order_by(Ticket.closed_at.desc(), Ticket.id.desc()).limit(1))
    return await ctx.session.scalar(query)


async def _resident_ticket(ctx: HandlerContext, number: str) -> Ticket | None:
    """Only tickets the resident reported (first, or as a follower) can be rated by them."""
    query = select(Ticket).options(joinedload(Ticket.assignee)).where(Ticket.number == number,
                                                                      Ticket.id.in_(_followed(ctx)))
    return await ctx.session.scalar(query)


def _followed(ctx: HandlerContext) -> Select[int]:
    return select(TicketFollower.ticket_id).where(TicketFollower.resident_id == ctx.resident.id)


async def _rated_since_closed(ctx: HandlerContext, ticket: Ticket) -> bool:
    query = (select(Rating.id).where(Rating.ticket_id == ticket.id, Rating.resident_id == ctx.resident.id)
             .order_by(Rating.id.desc()).limit(1))
    if ticket.closed_at is not None:
        query = query.where(Rating.created_at >= ticket.closed_at)
    return await ctx.session.scalar(query) is not None
