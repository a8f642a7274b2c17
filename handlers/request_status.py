"""request_status: how are my matters going? Open tickets and bookings with who has them and by
when; a number in the message shows that one. Only the resident's own matters are ever shown."""

from __future__ import annotations

from bot.core.messages import InboundMessage, Reply, TextReply
from bot.office.categories import Filing, asks_office_to_act, file_report, names_a_category
from bot.office.ticketing import format_datetime
from handlers import appeal_report, appointment_cancel, feedback, human_handoff, policy_question
from handlers.base import HandlerContext
from nlu.entities import find_ticket_numbers
from nlu.phrasing import ASKING, ASKS_AFTER_A_MATTER, CHASES_UP, EARLIER_REPORT, MENTIONS_A_REPORT, WANTS_TO_TALK
from nlu.result import ParseResult
from storage.models import Appointment, Ticket
from storage.repositories.appointments import get_appointment_by_number, open_appointments_of
from storage.repositories.tickets import closed_tickets_of, follows, get_ticket_by_number, open_tickets_of

REPLIES: dict[str, tuple[str, ...]] = {
    "status_none": (),
    "status_closed_header": ("count",),
    "status_ticket_closed": ("assignee", "category", "closed", "ticket_no"),
    "status_closed_footer": (),
    "status_header": ("count",),
    "status_ticket_paused": ("category", "need", "reason", "ticket_no"),
    "status_ticket": ("assignee", "category", "due", "status", "ticket_no"),
    "status_appointment": ("number", "service", "status", "time"),
    "status_not_found": ("ticket_no",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENT = "request_status"
INTENTS = (INTENT,)


def asks_after_the_filing(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「什么时候来人看」 right after a report was filed: a question about how it goes (the classifier unsure, with
    this intent its first or second guess), not news to add to it; and 「你们管不管啊」, read as a report."""
    guesses = [score.name for score in nlu.ranking[:2]]
    return bool(ctx.state.filed) and (CHASES_UP.search(nlu.text) is not None or (
        nlu.is_fallback and ASKING.search(nlu.text) is not None and INTENT in guesses))


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    numbers = [number for number, _, _ in find_ticket_numbers(nlu.text)]
    if numbers:
        return [await _one(ctx, numbers[0])]
    tickets = await open_tickets_of(ctx.session, ctx.resident.id)
    bookings = await open_appointments_of(ctx.session, ctx.resident.id)
    if not tickets and not bookings:
        return await _nothing_open(message, nlu, ctx)
    problem = _a_problem_somewhere(ctx, nlu.text)
    if tickets and problem is not None and ASKS_AFTER_A_MATTER.search(nlu.text) is None \
            and problem.category.key not in {t.category_key for t in tickets}:
        # 「电梯停了好几天了 啥时候能修好」 from someone whose noise report is open: another problem, asked as a
        # question; not the noise report's progress, and nothing filed. 「我那个吵的事怎么样了」 (a 邻里纠纷 to the
        # categories) asks after the noise report.
        return await appeal_report.file_instead(message, nlu, ctx)
    if len(tickets) == 1 and not bookings:  # what comes next may be about it (「我下午不在家 明天上午来行不行」)
        ctx.state.filed = [tickets[0].number or ""]
    lines = [ctx.wording.render("status_header", count=len(tickets) + len(bookings))]
    lines += [_ticket_line(ctx, t) for t in tickets] + [_booking_line(ctx, b) for b in bookings]
    return [TextReply("\n".join(lines), (ctx.offer(appointment_cancel.FLOW),) if bookings else ())]


async def _nothing_open(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    """The answer for a resident with no open ticket or booking: those closed lately, a report asked as a question,
    a person asked for, or a guide's answer."""
    problem = _describes_a_problem(ctx, nlu.text)
    closed = await closed_tickets_of(ctx.session, ctx.resident.id, ctx.now - feedback.NOT_FIXED_WINDOW)
    if closed and (not problem
                   or file_report(ctx.profile, nlu.text).category.key in {t.category_key for t in closed}):
        # 「我那个噪音的事怎么样了」 the day after it was closed: closed, by whom and when, and what to do if it is
        # not fixed; not 「没有正在办理的事项」 and a new report of the noise (another problem is filed below).
        lines = [ctx.wording.render("status_closed_header", count=len(closed))]
        lines += [ctx.wording.render("status_ticket_closed", ticket_no=t.number, category=_category_name(ctx, t),
                                     closed=format_datetime(ctx.wording, ctx.profile, t.closed_at or ctx.now),
                                     assignee=t.assignee.name) for t in closed]
        return [TextReply("\n".join([*lines, ctx.wording.render("status_closed_footer")]))]
    if problem:
        # 「电梯停了好几天了 啥时候能修好」 from someone with nothing on record: a report, asked as a question.
        return [ctx.say("status_none"), *await appeal_report.file_instead(message, nlu, ctx)]
    if WANTS_TO_TALK.search(nlu.text):
        # 「上次报的事一个礼拜了还没人来 我要找书记」: nothing here to show, and a person asked for.
        return [ctx.say("status_none"), *await human_handoff.hand_over(ctx, nlu.text)]
    answered = None if MENTIONS_A_REPORT.search(nlu.text) else policy_question.answer_from_guides(nlu, ctx)
    # 「…现在出院了没啥事。医生建议我们签个家庭医生，社区这边咋签」: a question a guide answers, not about a report.
    return answered if answered is not None else [ctx.say("status_none")]


def _describes_a_problem(ctx: HandlerContext, text: str) -> bool:
    """A problem with a place (a lift, a leak) or help asked with an office matter (「养老金卡上个月没钱 谁能帮我
    看看」), not a question about a report made before or a need put aside for later."""
    return _a_problem_somewhere(ctx, text) is not None \
        or (_may_describe(ctx, text) and asks_office_to_act(ctx.profile, text))


def _a_problem_somewhere(ctx: HandlerContext, text: str) -> Filing | None:
    """The filing of a problem with a place (a lift, a leak) the words describe, if they describe one."""
    if not _may_describe(ctx, text) or not names_a_category(ctx.profile, text):
        return None
    filing = file_report(ctx.profile, text)
    return filing if filing.confident and filing.category.asks_where else None


def _may_describe(ctx: HandlerContext, text: str) -> bool:
    """Words long enough to describe something, not about a report made before or with a need put aside."""
    return not ctx.state.suspended and len(text.strip()) >= appeal_report.MIN_DESCRIPTION_CHARS \
        and EARLIER_REPORT.search(text) is None


async def _one(ctx: HandlerContext, number: str) -> Reply:
    ticket = await get_ticket_by_number(ctx.session, number)
    if ticket is not None and await follows(ctx.session, ticket.id, ctx.resident.id):
        return TextReply(_ticket_line(ctx, ticket))
    booking = await get_appointment_by_number(ctx.session, number)
    if booking is not None and booking.resident_id == ctx.resident.id:
        return TextReply(_booking_line(ctx, booking))
    return ctx.say("status_not_found", ticket_no=number)


def _category_name(ctx: HandlerContext, ticket: Ticket) -> str:
    category = ctx.profile.categories.get(ticket.category_key)
    return category.name if category else ticket.category_key


def _ticket_line(ctx: HandlerContext, ticket: Ticket) -> str:
    reason = ctx.profile.district.pause_reasons.get(ticket.pause_reason or "")
    if ticket.paused_at is not None and reason is not None:
        # its deadline stands still until the clock runs again: what is awaited, not a date that will move
        return ctx.wording.render("status_ticket_paused", ticket_no=ticket.number,
                                  category=_category_name(ctx, ticket), reason=reason.name, need=reason.need)
    return ctx.wording.render(
        "status_ticket", ticket_no=ticket.number, category=_category_name(ctx, ticket),
        status=ctx.wording.render(f"status_{ticket.status}"), assignee=ticket.assignee.name,
        due=format_datetime(ctx.wording, ctx.profile, ticket.due_at),
    )


def _booking_line(ctx: HandlerContext, booking: Appointment) -> str:
    service = ctx.profile.services.get(booking.service_key)
    return ctx.wording.render(
        "status_appointment", number=booking.number, service=service.name if service else booking.service_key,
        time=format_datetime(ctx.wording, ctx.profile, booking.slot.starts_at),
        status=ctx.wording.render(f"booking_{booking.status}"),
    )
