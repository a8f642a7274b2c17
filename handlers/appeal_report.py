"""appeal_report: a resident's problem or complaint (诉求) becomes a routed ticket.

Asks only for what is missing, in this order: what happened, which community, where. Several of
these may come in one message ("3栋2单元楼道里的下水道堵了"). Where is a building, a listed public
place (东门, 地下车库), or the resident's own words: after one "where?" that no building or place
answers, the bot asks for a description instead, and the answer after that is taken as it is, so the
question never loops.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.dialogue import DialogueState
from bot.core.messages import Choice, InboundMessage, Reply
from bot.office.categories import file_reports, names_a_category
from bot.office.duplicates import DIFFERENT_INTENT, Joined, join, same_problem
from bot.office.emergencies import EMERGENCY_CATEGORY
from bot.office.places import find_place
from bot.office.ticket_actions import category_name
from bot.office.ticket_moves import move_ticket, place_in_building
from bot.office.ticketing import TicketRequest, format_address, format_datetime, open_ticket
from handlers.base import HandlerContext
from handlers.community import ask_community, resolve_community
from nlu.address import room_alone, says_no_building, stated_address, unit_alone, without_no_building
from nlu.entities import Address, AddressMatch
from nlu.payloads import button_payload
from nlu.phrasing import (
    ANOTHER_PROBLEM,
    BARE_NUMBER,
    CLAUSE_END,
    CORRECTING,
    COURTESY_ONLY,
    INDOORS,
    LIVES_AT,
    LOCATING,
    OUTDOOR_SPOT,
    OWN_HOME,
    PLACING,
    SPOT_LEADS,
    SPOT_TAIL,
    cancels,
)
from nlu.result import IntentScore, ParseResult
from nlu.text import chinese_to_int
from storage.models import Building, Ticket
from storage.profile import Profile
from storage.profile.schema import Place
from storage.repositories.directory import get_building, get_building_by_id
from storage.repositories.tickets import get_ticket_by_number

REPLIES: dict[str, tuple[str, ...]] = {
    "ticket_joined": ("assignee", "category", "due", "reporters", "ticket_no"),
    "ticket_already_yours": ("assignee", "category", "due", "reporters", "ticket_no"),
    "choice_report_is_different": (),
    "appeal_cancelled": (),
    "ask_description": (),
    "ask_building": ("community",),
    "ask_building_again": ("building", "community"),
    "ask_where_words": (),
    "last_address_choice": ("address",),
    "ticket_created": ("address", "assignee", "category", "due", "handler", "intake_type", "ticket_no"),
    "ticket_moved": ("address", "assignee", "handler", "ticket_no"),
    "ticket_placed": ("address", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("appeal_report", "move_report")
FLOW = "appeal_report"
MOVE = "move_report"
"""Not from the classifier: the pipeline's name for 「不对 是91栋」 right after a report was filed."""
MIN_DESCRIPTION_CHARS = 8
"""Without a category keyword, shorter than this ("我要反映问题") is a wish to report, not a report."""
WHERE = "building"
"""The slot the where-question waits on (a building, a place or words)."""
WHERE_ASKS = "where_asks"
MIN_WHERE_CHARS = 2
MIN_SPOT_CHARS = 4
"""What is left of 「不在楼里 就是…」 besides the no-building words must say at least this much to place it."""
WHERE_WITH_WORDS_CHARS = 16
"""「42栋一楼 是个老头」: a building or place with a few words about it, right after a filing, says where."""



async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if nlu.intent.name == MOVE:
        return await _move(ctx, nlu.text)
    state = ctx.state
    if state.flow != FLOW:
        state.start(FLOW)
    text = nlu.text
    told_more = _tells_more(ctx, text)
    if told_more:
        # 「忍了一个月了 物业电话打了三次」, asked where, then 「我家卫生间天花板一直往下滴水…」: the problem itself at
        # last, not where; the same question is asked again as if for the first time.
        state.slots["description"] = f"{state.slots['description']} {text.strip()}"
        state.slots[WHERE_ASKS] = "0"
    gave_where = not told_more and await _take_where(ctx, text)
    if not gave_where and nlu.intent.name == "deny" and state.awaiting is not None and cancels(text):
        state.finish()
        return [ctx.say("appeal_cancelled")]
    _take_description(ctx, text, stated_address(text))
    if "description" not in state.slots:
        state.awaiting = "description"
        return [ctx.say("ask_description")]
    if not await resolve_community(ctx, text):
        state.awaiting = "community"
        return [ask_community(ctx)]
    assert ctx.community is not None
    if "place" not in state.slots and "building" not in state.slots:
        await _take_place(ctx, state.slots["description"])
    if "building" in state.slots:
        building = await get_building(ctx.session, ctx.community.id, state.slots["building"])
        if building is not None:
            return await _open(ctx, building)
        number = state.slots.pop("building")
        if _where_asks(state) < 2:
            return _ask_building_again(ctx, number)
        state.slots["where"] = format_address(ctx.wording, number)
    spot = described_spot(state.slots["description"])
    if spot and "place" not in state.slots and "where" not in state.slots:
        state.slots["where"] = spot
    if "place" in state.slots or "where" in state.slots:
        return await _open(ctx, None)
    if not any(f.category.asks_where for f in file_reports(ctx.profile, state.slots["description"])):
        return await _open(ctx, await _known_building(ctx))
    return await _ask_where(ctx)


def described_spot(description: str) -> str | None:
    """The clause of a first message that places the problem outdoors in words (「进小区右手边那排商铺后面的
    小路上」), when nothing in it needs a building: asking 「几栋几单元」 then would only annoy."""
    if INDOORS.search(description) or stated_address(description):
        return None
    for clause in CLAUSE_END.split(description):
        spots = list(OUTDOOR_SPOT.finditer(clause))
        if not spots or not LOCATING.search(clause):
            continue
        # 「有人往围墙外头那块空地上倒了垃圾」 -> 「围墙外头那块空地上」: from the word leading to it to the last spot.
        start = max(clause.rfind(lead, 0, spots[0].start()) + 1 for lead in SPOT_LEADS)
        tail = SPOT_TAIL.match(clause, spots[-1].end())
        spot = clause[start:tail.end() if tail else spots[-1].end()].strip()
        if len(spot) >= MIN_SPOT_CHARS:  # 「枝子横在路上」: 路上 alone places nothing
            return spot
    return None


async def file_instead(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    """Words another handler was given that are a report after all (help asked with an office matter, a
    problem asked about as a status question): filed as one."""
    return await handle(message, replace(nlu, intent=IntentScore(FLOW, 1.0)), ctx)


async def answers(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Whether the message answers the open question: any words describe the problem; where is a
    building, a listed place, 「没有楼号」 or words that place something."""
    text = nlu.text
    if ctx.state.awaiting != WHERE:
        return ctx.state.awaiting == "description"
    if stated_address(text) or BARE_NUMBER.match(text) or says_no_building(text) or LOCATING.search(text):
        return True
    return ctx.community is not None and find_place(ctx.profile, ctx.community.key, text) is not None


def tells_where_what(ctx: HandlerContext, text: str) -> bool:
    """Whether the words name both what is wrong (a category's keyword) and where (a building or listed place)."""
    community = ctx.community
    listed = community is not None and find_place(ctx.profile, community.key, text) is not None
    return (listed and names_a_category(ctx.profile, text)) or tells_where_what_in(ctx.profile, text)


def tells_where_what_in(profile: Profile, text: str) -> bool:
    """Whether the words name what is wrong and a building (the community aside)."""
    return stated_address(text) is not None and names_a_category(profile, text)


def only_says_where(profile: Profile, text: str) -> bool:
    """「就在健身角」: where something is, with nothing about what; inside another form a stray answer, not a report."""
    return len(text.strip()) < MIN_DESCRIPTION_CHARS and not names_a_category(profile, text) and (
        LOCATING.search(text) is not None or says_no_building(text))


async def corrects_where_amid_form(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「不对 是南门」 right after a report was filed with a second need whose form it opened (「…路灯不亮了
    还有我想约个法律咨询」): the report's place corrected, said outright, not an answer to the form's question."""
    return CORRECTING.match(nlu.text) is not None and await corrects_where(nlu, ctx)


async def corrects_where(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「不对 是91栋」「说错了 在北门」 right after a report was filed: a new building or place for it. So is where
    said again without a problem in it (「没楼号 就是围墙外面靠马路那块空地」): the resident placing what they
    just reported more exactly, not a second report."""
    if not ctx.state.filed or ctx.community is None or not await theirs_just_filed(ctx):
        return False
    text = nlu.text
    if unit_alone(text) is not None:
        return any(ticket.building_id is not None for ticket in await theirs_just_filed(ctx))
    if room_alone(text) is not None:  # 「201」 after 「31栋2单元」: the room in that unit
        return any(ticket.building_id is not None and ticket.unit and not home_at_shared_spot(ctx, ticket, text)
                   for ticket in await theirs_just_filed(ctx))
    place, found = find_place(ctx.profile, ctx.community.key, text), stated_address(text)
    named = found is not None or place is not None
    if CORRECTING.match(text):
        return named
    besides = text if found is None else text[:found[1]] + text[found[2]:]  # 「2单元门口」 names no 单元门
    # 「不在楼边上 就在小区东北角那块草坪」: words that start by saying where say where, whatever they name.
    says_where = PLACING.match(text) is not None or (says_no_building(text) and LOCATING.search(text) is not None)
    if ANOTHER_PROBLEM.match(text) or (names_a_category(ctx.profile, besides) and not says_where):
        return False
    if await _placed_exactly(ctx):
        # 「就跳舞的广场那嘎达」 after a report filed at the square, 「就是23栋2单元门口」 after one at 23栋: the same
        # place said again (more exactly), not a second report.
        return named and len(text.strip()) < WHERE_WITH_WORDS_CHARS and await _filed_there(ctx, text, place)

    short = len(text.strip()) < MIN_DESCRIPTION_CHARS
    locating = LOCATING.search(text) is not None
    placing = PLACING.match(text) is not None  # 「就在老年食堂后面那条小路中间」: where, however long
    return (locating and (short or placing or says_no_building(text))) or (
        named and len(text.strip()) < WHERE_WITH_WORDS_CHARS)


def home_at_shared_spot(ctx: HandlerContext, ticket: Ticket, text: str) -> bool:
    """「我家是402」 after a report of the stairwell lamp in 3栋2单元: where the resident lives, not where the lamp is.
    A problem neighbours share (its category merges reports) is at no one's flat; one that is a flat's own (a
    blocked drain) is placed in the room said."""
    category = ctx.profile.categories.get(ticket.category_key)
    shared = category is not None and ctx.profile.merge_window_days(category) > 0
    return shared and room_alone(text) is not None and OWN_HOME.search(text) is not None


async def _filed_there(ctx: HandlerContext, text: str, place: Place | None) -> bool:
    """Whether a ticket just filed is at the listed place or the building the words name."""
    assert ctx.community is not None
    found = stated_address(text)
    building = await get_building(ctx.session, ctx.community.id, found[0].building) if found else None
    return any((place is not None and ticket.place == place.name)
               or (building is not None and ticket.building_id == building.id)
               for ticket in await theirs_just_filed(ctx))


async def _placed_exactly(ctx: HandlerContext) -> bool:
    """Whether a ticket just filed is at a building or a listed place: then only 「不对 …」 moves it, and
    「六十八栋」 said after a report at the rubbish station is where the resident lives, not a correction. An
    emergency is placed more exactly whatever it is at (「中心广场有人倒地」, then 「就在喷泉边上」)."""
    listed = _listed_names(ctx)
    return any(ticket.category_key != EMERGENCY_CATEGORY and (ticket.building_id is not None or ticket.place in listed)
               for ticket in await theirs_just_filed(ctx))


def _listed_names(ctx: HandlerContext) -> set[str]:
    assert ctx.community is not None
    return {place.name for place in ctx.profile.places.get(ctx.community.key, {}).values()}


async def just_filed(ctx: HandlerContext) -> list[Ticket]:
    """The tickets of the report just filed or joined (or shown alone with its progress): news may go on any."""
    tickets = [await get_ticket_by_number(ctx.session, number) for number in ctx.state.filed]
    return [ticket for ticket in tickets if ticket is not None]


async def theirs_just_filed(ctx: HandlerContext) -> list[Ticket]:
    """Of the tickets just filed, those the resident reported: only they are the resident's to move. A ticket
    another resident reported, joined as the same problem, stays where its reporter said."""
    return [ticket for ticket in await just_filed(ctx) if ticket.resident_id == ctx.resident.id]


async def _move(ctx: HandlerContext, text: str) -> list[Reply]:
    assert ctx.community is not None
    if (unit := unit_alone(text)) is not None:
        return await _put_in_unit(ctx, *unit)
    if (room := room_alone(text)) is not None:
        return await _put_in_unit(ctx, None, room)
    found = stated_address(text)
    building = await get_building(ctx.session, ctx.community.id, found[0].building) if found else None
    place = None if building else find_place(ctx.profile, ctx.community.key, text)
    words = without_no_building(text).strip() if building is None and place is None and not found else None
    if building is None and place is None and not words:  # a building the community does not have: say so
        named = format_address(ctx.wording, found[0].building) if found else text
        return [ctx.say("ask_building_again", community=ctx.community.name, building=named)]
    replies, listed = [], _listed_names(ctx)
    for ticket in await theirs_just_filed(ctx):
        # 「就在喷泉边上」 after 「中心广场有人倒地」: the listed place more exactly, not somewhere else.
        refining = words and ticket.place in listed and not CORRECTING.match(text)
        refined = f"{ticket.place} {words}" if refining else words
        moved = await move_ticket(ctx.session, ctx.profile, ctx.community, ticket, building, place, ctx.now, refined,
                                  unit=found[0].unit if found and building else None,
                                  room=found[0].room if found and building else None)
        replies.append(ctx.say("ticket_moved", ticket_no=ticket.number, address=moved.address_label,
                               handler=moved.route.handler_label, assignee=moved.route.assignee.name))
    if building is not None:
        ctx.resident.building_id, ctx.resident.unit, ctx.resident.room = building.id, None, None
    return replies


async def _put_in_unit(ctx: HandlerContext, unit: str | None, room: str | None) -> list[Reply]:
    """「2单元」「3单元402」 after a report filed at 3栋, or 「201」 (no `unit`) after one placed in its unit: the same
    building, more exactly."""
    assert ctx.community is not None
    replies = []
    for ticket in await theirs_just_filed(ctx):
        in_unit = unit or ticket.unit
        if ticket.building_id is None or in_unit is None:
            continue
        building = await get_building_by_id(ctx.session, ticket.building_id)
        address = await place_in_building(ctx.session, ctx.profile, ctx.community, ticket, building, in_unit, room,
                                          ctx.now)
        replies.append(ctx.say("ticket_placed", ticket_no=ticket.number, address=address))
    return replies


async def _take_where(ctx: HandlerContext, text: str) -> bool:
    """Read a building, a place, or (when asked where) a description; True if the message gave any."""
    slots, asked = ctx.state.slots, ctx.state.awaiting == WHERE
    found = stated_address(text)
    bare = BARE_NUMBER.match(text) if asked else None
    if found is None and bare is not None and (number := chinese_to_int(bare.group(1))):
        found = (Address(str(number)), 0, len(text))
    if found is not None and LIVES_AT.search(text[:found[1]]):
        # 「我家住19栋 不过说的是幼儿园门口」「我住9栋 车是堵在19栋门口」: where they live, then where the problem is.
        elsewhere = stated_address(text[found[2]:])
        if elsewhere is not None:
            found = (elsewhere[0], found[2] + elsewhere[1], found[2] + elsewhere[2])
        elif await _take_place(ctx, text):
            return True
    if found is not None:
        address = found[0]
        slots.pop("place", None)
        slots["building"] = address.building
        slots.update({k: v for k, v in (("unit", address.unit), ("room", address.room)) if v})
        return True
    if await _take_place(ctx, text) or not asked:
        return "place" in slots
    words = text.strip()
    if COURTESY_ONLY.match(words):  # 「谢谢」 asked a second time where: no place, whatever its length
        return False
    if says_no_building(text):
        # 「不在楼里 就是小区里快递柜那 挨着小卖部」: no building, and where it is in words all the same.
        rest = without_no_building(words).strip()
        if rest != words and LOCATING.search(rest) and sum(ch.isalnum() for ch in rest) >= MIN_SPOT_CHARS:
            slots["where"] = rest
        return True
    if len(words) >= MIN_WHERE_CHARS and (LOCATING.search(words) or _where_asks(ctx.state) >= 2):
        slots["where"] = without_no_building(words)
        return True
    return False


async def _take_place(ctx: HandlerContext, text: str) -> bool:
    if ctx.community is None and not await resolve_community(ctx, text):
        return False
    assert ctx.community is not None
    place = find_place(ctx.profile, ctx.community.key, text)
    if place is not None and "building" not in ctx.state.slots:
        ctx.state.slots["place"] = place.key
    return place is not None


def _take_description(ctx: HandlerContext, text: str, found: AddressMatch | None) -> None:
    slots, awaiting = ctx.state.slots, ctx.state.awaiting
    if "description" in slots or not text.strip():
        return
    if awaiting == "description":
        slots["description"] = text.strip()
        return
    if awaiting is not None:
        return
    rest = text if found is None else text[:found[1]] + text[found[2]:]
    if names_a_category(ctx.profile, text) or len(rest.strip()) >= MIN_DESCRIPTION_CHARS:
        slots["description"] = text.strip()
    elif ctx.state.recent and len(ctx.state.recent[-1]) >= MIN_DESCRIPTION_CHARS:
        # 「就在7栋楼下」 right after a long message the bot did not understand: that message said what.
        slots["description"] = ctx.state.recent[-1]


async def _ask_where(ctx: HandlerContext) -> list[Reply]:
    """The first time: which building (or place); after that: say it in words, with a person as a way out."""
    assert ctx.community is not None
    if _asked_where(ctx.state) == 1:
        return [ctx.say("ask_building", *await _last_address(ctx), community=ctx.community.name)]
    return [ctx.say("ask_where_words", ctx.offer("human_handoff"))]


def _ask_building_again(ctx: HandlerContext, number: str) -> list[Reply]:
    assert ctx.community is not None
    _asked_where(ctx.state)
    return [ctx.say("ask_building_again", community=ctx.community.name, building=format_address(ctx.wording, number))]


def _tells_more(ctx: HandlerContext, text: str) -> bool:
    """Asked where, words that tell what is wrong at length, without a building or a listed place."""
    state = ctx.state
    if state.awaiting != WHERE or "description" not in state.slots or len(text.strip()) < WHERE_WITH_WORDS_CHARS:
        return False
    listed = ctx.community is not None and find_place(ctx.profile, ctx.community.key, text) is not None
    return names_a_category(ctx.profile, text) and stated_address(text) is None and not listed


def _where_asks(state: DialogueState) -> int:
    return int(state.slots.get(WHERE_ASKS, "0"))


def _asked_where(state: DialogueState) -> int:
    """Count one more "where?" and wait for its answer; how many have been asked."""
    asks = _where_asks(state) + 1
    state.slots[WHERE_ASKS], state.awaiting = str(asks), WHERE
    return asks


async def named_building(ctx: HandlerContext, words: str) -> Building | None:
    """The building of the community the words name: 「33栋的电梯坏了 还有34栋门口的路灯不亮」 files each problem at
    its own; 「我住58栋，找个工作人员跟我说」 tells the person taking over where the resident lives."""
    if ctx.community is None:
        return None
    found = stated_address(words)
    return await get_building(ctx.session, ctx.community.id, found[0].building) if found else None


async def _known_building(ctx: HandlerContext) -> Building | None:
    """The building the resident gave before, for a matter an office handles wherever they live."""
    resident = ctx.resident
    if resident.building_id is None or resident.community_id != (ctx.community.id if ctx.community else None):
        return None
    return await get_building_by_id(ctx.session, resident.building_id)


async def _joined(ctx: HandlerContext, joined: Joined) -> Reply:
    """The problem is already being handled: by whom and by when, with a way to say it is another problem."""
    ticket = joined.ticket
    fields = {"ticket_no": ticket.number, "category": category_name(ctx.profile, ticket),
              "assignee": ticket.assignee.name, "due": format_datetime(ctx.wording, ctx.profile, ticket.due_at),
              "reporters": joined.reporters}
    if joined.already:
        return ctx.say("ticket_already_yours", **fields)
    different = ctx.choice_of("choice_report_is_different",
                              button_payload(DIFFERENT_INTENT, ticket=ticket.number or ""))
    return ctx.say("ticket_joined", different, **fields)


async def _last_address(ctx: HandlerContext) -> tuple[Choice, ...]:
    resident, building = ctx.resident, await _known_building(ctx)
    if building is None:
        return ()
    shown = format_address(ctx.wording, building.number, resident.unit, resident.room)
    payload = Address(building.number, resident.unit, resident.room).label()
    return (Choice(ctx.wording.render("last_address_choice", address=shown), payload),)


async def _open(ctx: HandlerContext, building: Building | None) -> list[Reply]:
    """A ticket for each problem the description holds (usually one), each at the building or place its own
    words name, else where the report as a whole is."""
    assert ctx.community is not None
    slots = ctx.state.slots
    place = ctx.profile.places.get(ctx.community.key, {}).get(slots.get("place", ""))
    replies, numbers = [], []
    filings = file_reports(ctx.profile, slots["description"])
    for filing in filings:
        own = await named_building(ctx, filing.words) if len(filings) > 1 else None
        own_place = find_place(ctx.profile, ctx.community.key, filing.words) if len(filings) > 1 and not own else None
        # 「我们楼的电梯停了 还有西门的杆子断了」: a lift is in a building, not at the gate the other problem names.
        elsewhere = place is not None and INDOORS.search(filing.words) is not None and any(
            other is not filing and find_place(ctx.profile, ctx.community.key, other.words) == place
            for other in filings)
        at_place = own_place or (None if own or elsewhere else place)
        request = TicketRequest(
            community=ctx.community, resident=ctx.resident, channel=ctx.channel, category=filing.category,
            description=filing.words, building=None if own_place else own or building, unit=slots.get("unit"),
            room=slots.get("room"), place=at_place, where=None if at_place else slots.get("where"),
            refile=not filing.confident,
        )
        reported = await same_problem(ctx.session, ctx.profile, request, ctx.now) if filing.confident else None
        if reported is not None:
            replies.append(await _joined(ctx, await join(ctx.session, ctx.profile, reported, request, ctx.now)))
            numbers.append(reported.number or "")  # 「你们管不管啊」 next asks how it goes, not a second report
            continue
        opened = await open_ticket(ctx.session, ctx.profile, request, ctx.now)
        if len(filings) == 1 or not (own or own_place):  # where its own words said stays put (see _move)
            numbers.append(opened.ticket.number or "")
        replies.append(ctx.say(
            "ticket_created", ticket_no=opened.ticket.number, category=filing.category.name,
            intake_type=ctx.profile.intake_type(filing.category).name, handler=opened.route.handler_label,
            assignee=opened.route.assignee.name, due=opened.due_label, address=opened.address_label,
        ))
    if building is not None:
        resident = ctx.resident
        resident.building_id, resident.unit, resident.room = building.id, slots.get("unit"), slots.get("room")
    ctx.state.finish()
    ctx.state.filed = numbers
    return replies
