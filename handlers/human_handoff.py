"""human_handoff: a person takes over.

Opens a tracked hand-off ticket for the on-duty staff member (same-day limit), then relays: the
resident's next messages go to that person through the outbox and the staff member's replies come
back (`bot.office.handoffs.reply_to_resident`), until the ticket is closed. Outside office hours the
resident is told who is on duty (the rota, `bot.office.rota`), else when the office opens. Emergencies still
break in (see the pipeline).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.messages import InboundMessage, Reply
from bot.office.categories import asks_office_to_act
from bot.office.handoffs import relay_to_staff
from bot.office.rota import is_on_duty
from bot.office.ticketing import TicketRequest, format_datetime, open_ticket
from handlers import appeal_report, policy_question
from handlers.base import HandlerContext
from handlers.community import ask_community, resolve_community
from nlu.address import find_addresses
from nlu.phrasing import WANTS_TO_TALK
from nlu.result import ParseResult
from storage.models import TicketStatus
from storage.repositories.directory import find_active_staff
from storage.repositories.tickets import get_ticket_by_number
from storage.work_calendar import WorkCalendar

REPLIES: dict[str, tuple[str, ...]] = {
    "handoff_created": ("assignee", "due", "ticket_no"),
    "handoff_after_hours": ("opens",),
    "handoff_ended": (),
    "handoff_relayed": ("assignee",),
    "handoff_relayed_after_hours": ("assignee", "opens"),
    "handoff_on_duty": ("assignee",),
    "handoff_relayed_on_duty": ("assignee",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("human_handoff",)
FLOW = "human_handoff"
RELAYING = "message"
"""The `awaiting` value while messages are relayed: free text, so only danger interrupts it."""
MATTER_TOLD_CHARS = 16
"""Shorter than this (「转人工」「找个人跟我聊聊」) asks for a person, not about a matter."""
ACK_EVERY = timedelta(minutes=5)
"""A relayed message is acknowledged (passed on, and when staff work) at most this often: silence
makes a resident think nobody listens; an echo after every line is noise."""
ACKED_AT = "acked_at"


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if ctx.state.flow == FLOW and ctx.state.awaiting == RELAYING:
        return await _relay(ctx, nlu.text)
    if _a_matter_for_an_office(ctx, nlu.text):
        # 「老伴去年走了 没有退休金 听说可以吃低保 能不能来个人帮我看看」: the person to send is the office's.
        return await appeal_report.file_instead(message, nlu, ctx)
    # 「居委会电话多少 我想打电话问」: a question a guide answers (the phone), not yet a person.
    answered = policy_question.answer_from_guides(nlu, ctx) if ctx.state.flow is None \
        and not WANTS_TO_TALK.search(nlu.text) else None
    return answered if answered is not None else await hand_over(ctx, nlu.text)


def _a_matter_for_an_office(ctx: HandlerContext, text: str) -> bool:
    """A person asked for, about a matter told at length that an office plainly handles (where the resident
    lives is not the matter: 「那你给我找个工作人员吧，我在7栋」)."""
    told = text
    for _, start, end in reversed(find_addresses(text)):
        told = told[:start] + told[end:]
    return ctx.state.flow is None and not ctx.state.suspended and len(told.strip()) >= MATTER_TOLD_CHARS \
        and not WANTS_TO_TALK.search(text) and asks_office_to_act(ctx.profile, text)


async def hand_over(ctx: HandlerContext, text: str) -> list[Reply]:
    """Open the hand-off ticket, first asking for the community when it cannot be known."""
    state = ctx.state
    if state.flow != FLOW:
        said = _said_before(state.recent, text)
        state.start(FLOW)
        state.slots["description"] = said or "-"
    if not await resolve_community(ctx, text):
        state.awaiting = "community"
        return [ask_community(ctx)]
    assert ctx.community is not None
    category = ctx.profile.categories[ctx.profile.HANDOFF_CATEGORY]
    opened = await open_ticket(ctx.session, ctx.profile, TicketRequest(
        community=ctx.community, resident=ctx.resident, channel=ctx.channel, category=category,
        description=state.slots["description"], building=await appeal_report.named_building(ctx, text),
    ), ctx.now)
    state.start(FLOW)
    state.awaiting, state.slots["ticket"] = RELAYING, opened.ticket.number or ""
    state.misses = 0
    replies = [ctx.say("handoff_created", ticket_no=opened.ticket.number, assignee=opened.route.assignee.name,
                       due=opened.due_label)]
    opening = next_opening(ctx)
    if opening is not None and opened.route.on_duty:
        replies.append(ctx.say("handoff_on_duty", assignee=opened.route.assignee.name))
    elif opening is not None:
        replies.append(ctx.say("handoff_after_hours", opens=format_datetime(ctx.wording, ctx.profile, opening)))
    return replies


async def _relay(ctx: HandlerContext, text: str) -> list[Reply]:
    ticket = await get_ticket_by_number(ctx.session, ctx.state.slots.get("ticket", ""))
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        ctx.state.finish()
        return [ctx.say("handoff_ended")]
    if not text.strip():
        return []
    await relay_to_staff(ctx.session, ctx.profile, ticket, ctx.resident, text, ctx.now)
    if ticket.building_id is None:
        # 「我住50栋」 said after the hand-off opened: the ticket shows where the resident lives.
        building = await appeal_report.named_building(ctx, text)
        ticket.building_id = building.id if building is not None else None
    acked = ctx.state.slots.get(ACKED_AT)
    if acked is not None and ctx.now - datetime.fromisoformat(acked) < ACK_EVERY:
        return []
    ctx.state.slots[ACKED_AT] = ctx.now.isoformat()
    assignee = await find_active_staff(ctx.session, ticket.assignee_id)
    name = assignee.name if assignee is not None else ""
    opening = next_opening(ctx)
    if opening is None:
        return [ctx.say("handoff_relayed", assignee=name)]
    category = ctx.profile.categories[ticket.category_key]
    if assignee is not None and ctx.community is not None \
            and await is_on_duty(ctx.session, ctx.profile, ctx.community, category, assignee, ctx.now):
        return [ctx.say("handoff_relayed_on_duty", assignee=name)]
    return [ctx.say("handoff_relayed_after_hours", assignee=name,
                    opens=format_datetime(ctx.wording, ctx.profile, opening))]


def _said_before(recent: list[str], text: str) -> str:
    """What the staff member should read first: the resident's last few messages (what they tried to say
    before asking for a person), then this one."""
    lines = [line for line in [*recent, text.strip()] if line]
    return "\n".join(dict.fromkeys(lines))


def next_opening(ctx: HandlerContext) -> datetime | None:
    """When the office next opens, or None while it is open (working days, `storage.work_calendar`, and
    the district's hours)."""
    hours, zone = ctx.profile.district.office_hours, ctx.profile.timezone
    calendar = WorkCalendar(ctx.profile.calendar_days)
    local = ctx.now.astimezone(zone)
    working_today = calendar.is_working_day(local.date())
    if working_today and hours.open <= local.time() < hours.close:
        return None
    if working_today and local.time() < hours.open:
        return datetime.combine(local.date(), hours.open, zone)
    return datetime.combine(calendar.working_day_from(local.date() + timedelta(days=1)), hours.open, zone)
