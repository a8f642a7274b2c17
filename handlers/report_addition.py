"""more_about_report: words read as a report right after one was filed, naming no place of their own
(「已经流到楼下了 楼下邻居来敲门了」 after a leak): the resident is asked whether they are news of that problem or
another one. Filed again they would make a second ticket under whatever the new words name (a neighbour
dispute); as news they go on the ticket and to its assignee (`bot.office.additions`). Another problem is
reported with the same words, as if the resident had just said them. When the worker can come (「我下午不在家 明天上午
来行不行」, a booking to the classifier), said right after filing or after the report's progress was shown, goes
on the ticket and to its assignee at once; so does where said more exactly in words that cannot move the ticket
(「不对 是南边那个楼道」), and where the resident lives said after a problem neighbours share (「我家是402」 after the
stairwell lamp), and asking not to be named to those it is about (「别说是我反映的」). Where said in answer to the
question (「就是东门外面靠马路那块空地」 after 「没有楼号」) answers it as news when it is the report's own place."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.dialogue import is_a_pick
from bot.core.messages import InboundMessage, Reply
from bot.office.additions import add_to_ticket
from bot.office.categories import names_a_category
from bot.office.emergencies import EMERGENCY_CATEGORY
from bot.office.places import find_place
from bot.office.ticket_actions import category_name
from bot.office.ticketing import format_address
from handlers import appeal_report, appointment_book, emergency, not_urgent
from handlers.base import HandlerContext
from handlers.conversation import AFFIRM, DENY, GOODBYE, GREETING
from nlu.address import room_alone, stated_address, unit_first
from nlu.payloads import button_payload, read_button_payload
from nlu.phrasing import (
    ASKING,
    ASKS_DISCRETION,
    ASKS_TO_BOOK,
    CORRECTING,
    LOCATING,
    NEW_TOPIC,
    PLACING,
    SAYS_WHEN_HOME,
)
from nlu.result import Entity, IntentScore, ParseResult
from storage.models import Ticket, TicketStatus
from storage.repositories.directory import get_building_by_id
from storage.repositories.tickets import get_ticket_by_number

REPLIES: dict[str, tuple[str, ...]] = {
    "ask_more_or_another": ("category", "ticket_no"),
    "choice_add_to_report": (),
    "choice_another_report": (),
    "report_added": ("assignee", "ticket_no"),
    "visit_time_noted": ("assignee", "ticket_no"),
    "emergency_news_noted": ("assignee", "ticket_no"),
    "home_noted": ("assignee", "home", "ticket_no"),
    "discretion_noted": ("assignee", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


MORE = "more_about_report"
"""Not from the classifier: the pipeline's name for words that may be news of the report just filed."""
ADD = "add_to_report"
"""The button saying they are."""
WHEN_HOME = "when_home"
"""Not from the classifier: the pipeline's name for words saying when the worker can come to the report's place."""
TO_THE_DUTY = "news_for_the_duty"
"""Not from the classifier: the pipeline's name for words right after an emergency's numbers, for the on-duty staff."""
MORE_EXACTLY = "placed_more_exactly"
"""Not from the classifier: the pipeline's name for where said again, more exactly, right after a filing that it
cannot move the ticket by: 「不对 是南边那个楼道」 (no building or listed place) or 「我家是402」 after a problem
neighbours share."""
DISCRETION = "asks_discretion"
"""Not from the classifier: the pipeline's name for asking, right after a filing, that the reporter stay unknown."""
INTENTS = (MORE, ADD, WHEN_HOME, TO_THE_DUTY, MORE_EXACTLY, DISCRETION)

NOT_NEWS_FOR_THE_DUTY = frozenset({*emergency.INTENTS, "human_handoff", GREETING, GOODBYE, appeal_report.FLOW,
                                   not_urgent.INTENT})
"""A new danger (re-alerted as such), a person asked for, a hello or goodbye, a report (asked about as news), or
the danger said not to be one (「没转」: the staff stood down, `handlers.not_urgent`)."""


ROOM = re.compile(r"\d{3,4}")
"""A room's number: 「他们家是502」「就是502那家」 after a noise report is news of it, however like a yes it reads."""
NEWS_CHARS = 4
"""Letters and digits enough for words not understood to be news (「他们说要装一个月」), not a stray 「啊」."""


async def tells_more(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Whether words read as a report, a yes or no naming a room, a booking not asked for (「就是今天上午 办医保的那个
    窗口」 after a complaint about the window: a time and a service, no 约), or not understood at all, may be news of
    the one report just filed: they name no place (a place is a correction, or a problem somewhere else) and do not
    open with another matter (「还有个事」「另外」)."""
    text = nlu.text
    names_a_room = nlu.intent.name in (AFFIRM, DENY) and ROOM.search(text) is not None
    unasked_booking = nlu.intent.name == appointment_book.FLOW and ASKS_TO_BOOK.search(text) is None
    news = nlu.intent.name == appeal_report.FLOW or names_a_room or unasked_booking or (
        nlu.is_fallback and sum(ch.isalnum() for ch in text) >= NEWS_CHARS and not is_a_pick(text))
    if len(ctx.state.filed) != 1 or ctx.community is None or not news:
        return False
    if NEW_TOPIC.match(text) or stated_address(text) or find_place(ctx.profile, ctx.community.key, text):
        return False
    return bool(await appeal_report.just_filed(ctx))


async def where_of_the_news_asked_about(text: str, nlu: ParseResult, ctx: HandlerContext,
                                        asked: str | None) -> ParseResult | None:
    """「就是东门外面靠马路那块空地」 (`text`, read as `nlu`) right after the bot asked whether `asked` (「没有楼号」)
    was news of the report just filed or another problem: words that only say where, at the report's own place or
    at no listed place, answer it as news. Read as a report, they filed a second one. The reading returned is the
    新情况 button pressed for both messages' words; None when the words name a problem, ask, turn to another matter
    or name another place."""
    ticket_number = _offered_ticket(ctx)
    if asked is None or ticket_number is None or ctx.community is None or ASKING.search(text) \
            or NEW_TOPIC.match(text) or names_a_category(ctx.profile, text):
        return None
    ticket = await get_ticket_by_number(ctx.session, ticket_number)
    if ticket is None or ticket.resident_id != ctx.resident.id or ticket.status == TicketStatus.CLOSED:
        return None
    place = find_place(ctx.profile, ctx.community.key, text)
    found = stated_address(text)
    building = await get_building_by_id(ctx.session, ticket.building_id) if ticket.building_id else None
    elsewhere = (place is not None and place.name != ticket.place) or (
        found is not None and (building is None or found[0].building != building.number))
    says_where = PLACING.match(text) is not None or LOCATING.search(text) is not None or place is not None \
        or found is not None
    if elsewhere or not says_where:
        return None
    return replace(nlu, text=f"{asked} {text}", intent=IntentScore(ADD, 1.0),
                   entities=(*nlu.entities, Entity("ticket", ticket_number, 0, 0, ticket_number)))


def _offered_ticket(ctx: HandlerContext) -> str | None:
    """The ticket of the 新情况 button the last answer offered, if it offered one."""
    for _, payload in ctx.state.offered:
        read = read_button_payload(payload)
        if read is not None and read[0] == ADD:
            return read[1].get("ticket")
    return None


async def places_more_exactly(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Whether the words, right after one report of the resident's own was filed, say more exactly where it is or
    where the resident lives, in words that cannot move it (`appeal_report.corrects_where` moves what they can):
    「不对 是南边那个楼道」 after a report at 3栋2单元, 「我家是402」 after the stairwell lamp there. Taken as news of
    the report, not a yes, a no or a goodbye; nor 「3单元 我住502」 after a report placed at 23栋, its unit."""
    text = nlu.text
    if len(ctx.state.filed) != 1 or ctx.community is None:
        return False
    tickets = [ticket for ticket in await appeal_report.theirs_just_filed(ctx)
               if ticket.status != TicketStatus.CLOSED and ticket.category_key != EMERGENCY_CATEGORY]
    if not tickets:
        return False
    if appeal_report.home_at_shared_spot(ctx, tickets[0], text) or _unit_of_its_building(tickets[0], text):
        return True
    corrects = CORRECTING.match(text) is not None and LOCATING.search(text) is not None
    return corrects and stated_address(text) is None and find_place(ctx.profile, ctx.community.key, text) is None \
        and not names_a_category(ctx.profile, text)


async def asks_discretion(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「能不能别说是我反映的 怕邻居知道」 right after a report was filed or joined: for its assignee, not a second
    problem to ask about."""
    rest = ASKS_DISCRETION.sub(" ", nlu.text)  # 「怕邻居知道」 is no 邻里纠纷
    if len(ctx.state.filed) != 1 or rest == nlu.text or names_a_category(ctx.profile, rest):
        return False
    return any(ticket.status != TicketStatus.CLOSED for ticket in await appeal_report.just_filed(ctx))


async def tells_when_home(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「我下午不在家 明天上午来行不行」 right after a report was filed or shown with its progress: when the worker can
    come, for the assignee, not a booking at the office (as the classifier hears the time in it)."""
    if len(ctx.state.filed) != 1 or SAYS_WHEN_HOME.search(nlu.text) is None or nlu.entity("time") is None:
        return False
    return any(ticket.status != TicketStatus.CLOSED for ticket in await appeal_report.just_filed(ctx))


async def tells_the_duty(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「是个男的 说普通话 号码是170开头的」 right after an emergency's numbers (a yes to the classifier, answered
    with the greeting's menu): what the on-duty staff alerted need to know, said and not asked, not a button's
    number."""
    text = nlu.text
    if len(ctx.state.filed) != 1 or nlu.intent.name in NOT_NEWS_FOR_THE_DUTY or ASKING.search(text) \
            or is_a_pick(text) or read_button_payload(text) is not None or not any(ch.isalnum() for ch in text):
        return False
    return any(ticket.category_key == EMERGENCY_CATEGORY and ticket.status != TicketStatus.CLOSED
               for ticket in await appeal_report.just_filed(ctx))


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if nlu.intent.name == MORE:
        return await _ask(nlu, ctx)
    if nlu.intent.name == TO_THE_DUTY:
        return await _note_for_the_duty(nlu, ctx)
    if nlu.intent.name == WHEN_HOME:
        return await _note_when_home(nlu, ctx)
    if nlu.intent.name == MORE_EXACTLY:
        return await _note_where(nlu, ctx)
    if nlu.intent.name == DISCRETION:
        return await _note_discretion(nlu, ctx)
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


def _unit_of_its_building(ticket: Ticket, text: str) -> bool:
    """「3单元 我住502」 after a report placed at a building with no unit said: which of its units."""
    return ticket.building_id is not None and ticket.unit is None and stated_address(text) is None \
        and unit_first(text) is not None


async def _note_where(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    [ticket] = await appeal_report.just_filed(ctx)
    text = nlu.text.strip()
    if _unit_of_its_building(ticket, text):
        ticket.unit = unit_first(text)
    assignee = await add_to_ticket(ctx.session, ctx.profile, ctx.wording, ticket, text, ctx.now)
    room = room_alone(text)
    if room is None or ticket.building_id is None or not appeal_report.home_at_shared_spot(ctx, ticket, text):
        return [ctx.say("report_added", ticket_no=ticket.number, assignee=assignee.name)]
    building = await get_building_by_id(ctx.session, ticket.building_id)
    resident = ctx.resident
    resident.building_id, resident.unit, resident.room = building.id, ticket.unit, room
    home = format_address(ctx.wording, building.number, ticket.unit, room)
    return [ctx.say("home_noted", ticket_no=ticket.number, assignee=assignee.name, home=home)]


async def _note_discretion(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    [ticket] = await appeal_report.just_filed(ctx)
    assignee = await add_to_ticket(ctx.session, ctx.profile, ctx.wording, ticket, nlu.text.strip(), ctx.now)
    return [ctx.say("discretion_noted", ticket_no=ticket.number, assignee=assignee.name)]


async def _note_for_the_duty(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    [ticket] = await appeal_report.just_filed(ctx)
    assignee = await add_to_ticket(ctx.session, ctx.profile, ctx.wording, ticket, nlu.text.strip(), ctx.now)
    # More may follow, for the same staff; and 「没转」 may still say it was no emergency, of the first words.
    ctx.state.filed, ctx.state.pending_text = [ticket.number or ""], ticket.description
    return [ctx.say("emergency_news_noted", *emergency.not_urgent_offers(ctx), ticket_no=ticket.number,
                    assignee=assignee.name)]


async def _ask(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    [ticket] = await appeal_report.just_filed(ctx)
    ctx.state.filed = []
    ctx.state.pending_text = nlu.text  # what either button applies to
    add = ctx.choice_of("choice_add_to_report", button_payload(ADD, ticket=ticket.number or ""))
    another = ctx.choice_of("choice_another_report", f"/{appeal_report.FLOW}")
    return [ctx.say("ask_more_or_another", add, another, ticket_no=ticket.number,
                    category=category_name(ctx.profile, ticket))]
