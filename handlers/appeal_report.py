"""appeal_report: a resident's problem or complaint (诉求) becomes a routed ticket.

Asks only for what is missing, in this order: what happened, which community, which building.
Several of these may come in one message ("3栋2单元楼道里的下水道堵了").
"""

from __future__ import annotations

from bot.core.messages import Choice, InboundMessage, Reply
from bot.office.ticketing import TicketRequest, format_address, open_ticket
from handlers.base import HandlerContext
from handlers.community import ask_community, resolve_community
from nlu.entities import Address, AddressMatch, find_address
from nlu.result import ParseResult
from storage.models import Building
from storage.profile.schema import Category
from storage.repositories.directory import get_building, get_building_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "appeal_cancelled": (),
    "ask_description": (),
    "ask_building": ("community",),
    "ask_building_again": ("building", "community"),
    "last_address_choice": ("address",),
    "ticket_created": ("address", "assignee", "category", "due", "handler", "intake_type", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("appeal_report",)
FLOW = "appeal_report"
MIN_DESCRIPTION_CHARS = 8
"""Without a category keyword, shorter than this ("我要反映问题") is a wish to report, not a report."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    state = ctx.state
    if state.flow != FLOW:
        state.start(FLOW)
    elif nlu.intent.name == "deny":
        state.finish()
        return [ctx.say("appeal_cancelled")]
    text = nlu.text
    found = find_address(text)
    _take_address(ctx, text, found)
    _take_description(ctx, text, found)
    if "description" not in state.slots:
        state.awaiting = "description"
        return [ctx.say("ask_description")]
    if not await resolve_community(ctx, text):
        state.awaiting = "community"
        return [ask_community(ctx)]
    assert ctx.community is not None
    number = state.slots.get("building")
    if number is None:
        state.awaiting = "building"
        return [ctx.say("ask_building", *await _last_address(ctx), community=ctx.community.name)]
    building = await get_building(ctx.session, ctx.community.id, number)
    if building is None:
        state.slots.pop("building")
        state.awaiting = "building"
        return [ctx.say("ask_building_again", community=ctx.community.name,
                        building=format_address(ctx.wording, number))]
    return [await _open(ctx, building)]


def _take_address(ctx: HandlerContext, text: str, found: AddressMatch | None) -> None:
    slots = ctx.state.slots
    if found is None and ctx.state.awaiting == "building" and text.strip().isdigit():
        found = (Address(str(int(text.strip()))), 0, len(text))
    if found is not None:
        address = found[0]
        slots["building"] = address.building
        slots.update({k: v for k, v in (("unit", address.unit), ("room", address.room)) if v})


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
    if _matches(pick_category(ctx, text), text) or len(rest.strip()) >= MIN_DESCRIPTION_CHARS:
        slots["description"] = text.strip()


def _matches(category: Category, text: str) -> int:
    return sum(1 for keyword in category.keywords if keyword in text)


def pick_category(ctx: HandlerContext, description: str) -> Category:
    """The category whose keywords the description matches most; the general one if none."""
    categories = list(ctx.profile.categories.values())
    best = max(categories, key=lambda c: _matches(c, description))
    return best if _matches(best, description) else ctx.profile.categories[ctx.profile.GENERAL_CATEGORY]


async def _last_address(ctx: HandlerContext) -> tuple[Choice, ...]:
    resident = ctx.resident
    if resident.building_id is None or resident.community_id != (ctx.community.id if ctx.community else None):
        return ()
    building = await get_building_by_id(ctx.session, resident.building_id)
    shown = format_address(ctx.wording, building.number, resident.unit, resident.room)
    payload = Address(building.number, resident.unit, resident.room).label()
    return (Choice(ctx.wording.render("last_address_choice", address=shown), payload),)


async def _open(ctx: HandlerContext, building: Building) -> Reply:
    assert ctx.community is not None
    slots = ctx.state.slots
    category = pick_category(ctx, slots["description"])
    opened = await open_ticket(ctx.session, ctx.profile, TicketRequest(
        community=ctx.community, resident=ctx.resident, channel=ctx.channel, category=category,
        description=slots["description"], building=building, unit=slots.get("unit"), room=slots.get("room"),
    ), ctx.now)
    ctx.resident.building_id, ctx.resident.unit, ctx.resident.room = building.id, slots.get("unit"), slots.get("room")
    ctx.state.finish()
    return ctx.say(
        "ticket_created", ticket_no=opened.ticket.number, category=category.name,
        intake_type=ctx.profile.intake_type(category).name, handler=opened.route.handler_label,
        assignee=opened.route.assignee.name, due=opened.due_label, address=opened.address_label,
    )
