"""The address a home visit goes to, as a form slot (flows.yaml `kind: address`).

Residents say it in pieces (「我住的是12号楼」, then 「三单元402」) or in words (「北门外平房区5号」). A building
said without its door is kept aside (`PARTS`) and the door asked for; a unit or room said on its own then completes
it, at the question or at the summary. The value is the address as the profile words it (12栋3单元402室), or the
resident's own words where there is no building number.
"""

from __future__ import annotations

from bot.core.dialogue import DialogueState
from bot.core.messages import Reply
from bot.office.ticketing import format_address
from handlers.base import HandlerContext
from handlers.forms.slot_readers import SlotOutcome, only_a_number
from nlu.address import Address, names_a_dwelling, room_alone, said_outright, unit_alone, without_home_is
from nlu.phrasing import ASKING, GOES_AHEAD
from nlu.result import ParseResult
from storage.profile.schema import SlotSpec

REPLIES: dict[str, tuple[str, ...]] = {
    "address_not_findable": (),
    "address_ask_door": ("building",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""

PARTS = "address_parts"
"""Slot-state key: building/unit/room of the last address said by its numbers, whole or a building alone."""
MAX_ADDRESS_CHARS = 100
"""The longest address kept (the column's width); a longer answer is cut, not refused."""


def remember(ctx: HandlerContext, slot_name: str, address: Address) -> None:
    """An address known before it is asked (the one on record): whole, the slot's value; a building alone, kept
    for its door to be asked."""
    _keep_parts(ctx.state, address)
    if not _lacks_door(address):
        ctx.state.slots[slot_name] = worded(ctx, address)


def worded(ctx: HandlerContext, address: Address) -> str:
    return format_address(ctx.wording, address.building, address.unit, address.room)


async def read_address(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    """An address said outright (「我住3栋2单元501」) is taken anywhere in the form, and a unit or room alone
    completes the building said before; asked for it, the resident's own words are taken as they are
    (「北门外平房区5号」), unless they give nothing a visitor could find the door by (「就我家」), only a number or
    a go-ahead, or ask something else (「上门要收费吗」, then answered as a need of its own)."""
    text = nlu.text.strip()
    state = ctx.state
    stated = said_outright(text)
    address = stated[0] if stated is not None else _more_of(_parts(state), text)
    if address is not None:  # 「不对 是我闺女家 12栋1单元602」 at the summary too
        _keep_parts(state, address)
        if _lacks_door(address):
            return SlotOutcome(partial=True)
        return SlotOutcome(value=worded(ctx, address))
    if not awaited or not text or nlu.intent.name == "deny":
        return None
    if ASKING.search(text):
        return SlotOutcome(replies=(await ask_address(slot, ctx),))
    building = _parts(state)
    if building is not None and _lacks_door(building):  # 「没有单元 是平房」「记不清了」 asked the door
        if GOES_AHEAD.match(text):
            return None  # 「确认」: the form goes ahead without the door (`address_given` keeps the building)
        more = f" {without_home_is(text)}" if names_a_dwelling(text) else ""
        return SlotOutcome(value=(worded(ctx, building) + more)[:MAX_ADDRESS_CHARS])
    if only_a_number(text) or GOES_AHEAD.match(text) or not names_a_dwelling(text):
        return SlotOutcome(replies=(ctx.say("address_not_findable"),))
    return SlotOutcome(value=without_home_is(text)[:MAX_ADDRESS_CHARS])


def address_given(ctx: HandlerContext, slot_name: str) -> str | None:
    """The address to book: the slot's value, else the building said without its door."""
    building = _parts(ctx.state)
    return str(ctx.state.slots.get(slot_name) or "") or (worded(ctx, building) if building is not None else None)


async def ask_address(slot: SlotSpec, ctx: HandlerContext) -> Reply:
    """Where to go; or, the building known, which unit and room."""
    building = _parts(ctx.state)
    if building is not None and _lacks_door(building):
        return ctx.say("address_ask_door", building=worded(ctx, building))
    return ctx.say(slot.ask)


def _keep_parts(state: DialogueState, address: Address) -> None:
    state.slots[PARTS] = "/".join((address.building, address.unit or "", address.room or ""))


def _parts(state: DialogueState) -> Address | None:
    kept = state.slots.get(PARTS)
    if not kept:
        return None
    building, unit, room = str(kept).split("/")
    return Address(building, unit or None, room or None)


def _lacks_door(address: Address) -> bool:
    return address.unit is None and address.room is None


def _more_of(before: Address | None, text: str) -> Address | None:
    """「三单元402」「402」 after 「12号楼」: the address said before, with the unit or room these words add."""
    if before is None:
        return None
    if (unit := unit_alone(text)) is not None:
        return Address(before.building, unit[0], unit[1])
    if (room := room_alone(text)) is not None:
        return Address(before.building, before.unit, room)
    return None
