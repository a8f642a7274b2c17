"""appointment_book: book a time at the office or a home visit, in one conversation.

Service, time (a free slot: a named time is rounded to the first slot at or after it in the same part of
the day; a full or closed one is answered with the nearest free slots as choices), phone and address come
from flows.yaml. The phone and the address are asked only for a home visit, unless the resident gives them or
they are on record; the booking takes its place with a guarded UPDATE, so two residents racing for the last
place cannot both get it, and the loser is offered the next free slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from bot.core.errors import SlotFull, SlotUnavailable
from bot.core.messages import Choice, InboundMessage, Reply
from bot.office.appointments import book, cancel, where_it_happens
from bot.office.ticketing import format_datetime
from handlers import appeal_report, appointment_cancel
from handlers.appointment_slots import chosen_service, named_service
from handlers.base import HandlerContext
from handlers.community import ask_community, resolve_community
from handlers.conversation import DENY, GOODBYE
from handlers.forms.address_slot import address_given, remember
from handlers.forms.engine import answers_slot, run_form
from nlu.address import Address
from nlu.entities import find_phones
from nlu.phrasing import ABOUT_ONES_PHONE, ASKING, CHANGES_BOOKING
from nlu.result import FALLBACK_INTENT, ParseResult
from storage.models import Building
from storage.profile.schema import SlotSpec
from storage.repositories.appointments import get_appointment_by_number, open_appointments_of

REPLIES: dict[str, tuple[str, ...]] = {
    "appointment_booked": ("location", "number", "service", "time"),
    "appointment_phone_left": ("number", "phone"),
    "appointment_replacing": ("number", "service", "time"),
    "appointment_replaced": ("number",),
    "phone_not_left": (),
    "service_not_booked": ("service",),
    "service_not_booked_aside": ("service",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("appointment_book", "appointment_phone")
FLOW = "appointment_book"
PHONE_LEFT = "appointment_phone"
"""A phone sent right after booking without one (`leaves_phone`)."""
MAX_OTHER_CHARS = 2
"""Characters besides the phone and the words about it (`ABOUT_ONES_PHONE`) that a phone left on its own may have:
「我电话13912345678 谢谢」 leaves it; 「电话13912345678 楼道灯坏了」 says more."""


async def answers(nlu: ParseResult, ctx: HandlerContext) -> bool:
    return await answers_slot(FLOW, nlu, ctx)


REPLACES = "replaces"
"""Slot-state key: the number of the booking the one being made replaces (`_take_booking_to_move`)."""
FIRST_WORDS = "first_words"
"""What the resident asked for before the bot had to ask which community (「约社保 明天下午两点」)."""
ADDRESS = "address"
"""The form's slot (flows.yaml) for where a home visit goes."""
WORDS = "words"
"""The words the booking began with (「老头子瘫在床上了 能不能派人上门来办退休的手续」): kept with a home visit, so
whoever goes knows what to bring."""


MOVING_READINGS = frozenset({appointment_cancel.FLOW, DENY, GOODBYE, FALLBACK_INTENT})
"""What 「不好意思 后天我去不了了 能改到下周一吗」 is read as (cancelling 0.72; with 那天, a no 0.60)."""


def asks_to_move(nlu: ParseResult) -> bool:
    """A booking asked to move to another time, whatever else the words sound like: booked anew, the old booking
    cancelled once the new one is made (`_take_booking_to_move`), never cancelled outright or met with a goodbye."""
    return nlu.intent.name in MOVING_READINGS and CHANGES_BOOKING.search(nlu.text) is not None


def leaves_phone(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「我电话13912345678」 right after a booking made without a phone: the number for it, as its summary said it
    could be sent; not a request for a person, nor a new need."""
    if ctx.state.booked is None:
        return False
    phones = find_phones(nlu.text)
    if len(phones) != 1:
        return False
    _, start, end = phones[0]
    rest = ABOUT_ONES_PHONE.sub("", nlu.text[:start] + nlu.text[end:])
    return len(rest) <= MAX_OTHER_CHARS


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if nlu.intent.name == PHONE_LEFT:
        return await _leave_phone(nlu, ctx)
    if not await resolve_community(ctx, nlu.text):
        ctx.state.start(FLOW)
        ctx.state.awaiting = "community"
        ctx.state.slots[FIRST_WORDS] = nlu.text
        return [ask_community(ctx)]
    first = ctx.state.slots.pop(FIRST_WORDS, None) if ctx.state.flow == FLOW else None
    if first:
        ctx.state.awaiting = None
        ctx.state.slots[WORDS] = first
        nlu = replace(nlu, text=f"{first} {nlu.text}")
    moving: list[Reply] = []
    starting = ctx.state.flow != FLOW
    if starting:
        ctx.state.start(FLOW)
        before = _take_service_named_before(ctx, nlu.text)
        ctx.state.slots[WORDS] = f"{before} {nlu.text}" if before else nlu.text
        moving = await _take_booking_to_move(ctx, nlu.text)
    if ctx.resident.phone and "phone" not in ctx.state.slots:
        ctx.state.slots["phone"] = ctx.resident.phone
    if (starting or first) and (on_record := await _address_on_record(ctx)) is not None:
        remember(ctx, ADDRESS, on_record)
    replies = await run_form(FLOW, nlu, ctx, _summary, _submit, _needs)
    unbooked = _service_not_booked(nlu, ctx, starting)
    if unbooked is None:
        return [*moving, *replies]
    said = "service_not_booked" if starting else "service_not_booked_aside"
    return [*moving, ctx.say(said, service=unbooked), *replies]


def _service_not_booked(nlu: ParseResult, ctx: HandlerContext, starting: bool) -> str | None:
    """「社区医院打疫苗要预约吗」: the service the words name (the classifier's entity) when the office books nothing
    of the kind, and the form is left asking which service, or the words ask it amid the booking: the resident is
    told so, not just shown the list or asked the time again as if nothing had been said."""
    named = nlu.entity("service")
    if named is None or not (ctx.state.awaiting == "service" if starting else ASKING.search(nlu.text)):
        return None
    return named.text if named_service(ctx.profile, named.text, described=False) is None else None


async def _take_booking_to_move(ctx: HandlerContext, text: str) -> list[Reply]:
    """「我之前约的法律咨询能改到周四吗」: the open booking of the service named (or the only one) is the one the new
    time replaces once it is booked; the resident is told so. Nothing when the words move no booking."""
    if not CHANGES_BOOKING.search(text):
        return []
    named = named_service(ctx.profile, text)
    booked = [a for a in await open_appointments_of(ctx.session, ctx.resident.id)
              if named is None or a.service_key == named]
    number = booked[0].number if len(booked) == 1 else None
    if number is None:
        return []
    old = booked[0]
    ctx.state.slots.update({REPLACES: number, "service": old.service_key})
    return [ctx.say("appointment_replacing", number=number, service=ctx.profile.services[old.service_key].name,
                    time=format_datetime(ctx.wording, ctx.profile, old.slot.starts_at))]


async def _leave_phone(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    number, ctx.state.booked = ctx.state.booked, None
    appointment = await get_appointment_by_number(ctx.session, number) if number else None
    if appointment is None:
        return []
    [(phone, _, _)] = find_phones(nlu.text)
    appointment.phone = phone
    ctx.resident.phone = ctx.resident.phone or phone
    return [ctx.say("appointment_phone_left", number=number, phone=phone)]


def _take_service_named_before(ctx: HandlerContext, text: str) -> str | None:
    """「想请你们上门来办下事情」 read as a report, then 「礼拜四下午两点」: a booking begun with a time alone is of
    the service the resident named just before (whose words are returned); and that message was no report to
    come back to."""
    state = ctx.state
    before = state.recent[-1] if state.recent else ""
    if not before or named_service(ctx.profile, text) is not None:
        return None
    service = named_service(ctx.profile, before, described=False)
    if service is None:
        return None
    state.slots["service"] = service
    put_aside = state.suspended
    if put_aside and put_aside["flow"] == appeal_report.FLOW and \
            str(put_aside["slots"].get("description", "")).startswith(before):
        state.suspended = None
    return before


async def _address_on_record(ctx: HandlerContext) -> Address | None:
    """The resident's building, unit and room as they told them before (a report, a notice's building): shown in
    the summary of a home visit, where the resident confirms or corrects it."""
    building = await ctx.session.get(Building, ctx.resident.building_id) if ctx.resident.building_id else None
    return Address(building.number, ctx.resident.unit, ctx.resident.room) if building is not None else None


def _needs(slot: SlotSpec, ctx: HandlerContext) -> bool:
    """A home visit needs an address to go to and a number to call at the door; other bookings are reminded in
    the chat."""
    service = chosen_service(ctx)
    return service is not None and service.home_visit


def _start(ctx: HandlerContext) -> datetime:
    return datetime.fromisoformat(ctx.state.slots["time"])


async def _summary(ctx: HandlerContext) -> Mapping[str, object]:
    service = chosen_service(ctx)
    assert service is not None
    return {"service": service.name, "time": format_datetime(ctx.wording, ctx.profile, _start(ctx)),
            "location": where_it_happens(ctx.wording, service, address_given(ctx, ADDRESS)),
            "phone": ctx.state.slots.get("phone") or ctx.wording.render("phone_not_left")}


async def _submit(ctx: HandlerContext) -> list[Reply]:
    service = chosen_service(ctx)
    assert service is not None
    assert ctx.community is not None
    start, slots = _start(ctx), ctx.state.slots
    label = format_datetime(ctx.wording, ctx.profile, start)
    try:
        booking = await book(ctx.session, ctx.profile, ctx.community, ctx.resident, service.key, start,
                             slots.get("phone") or None, ctx.now, address_given(ctx, ADDRESS), slots.get(WORDS))
    except SlotFull as full:
        slots.pop("time")
        ctx.state.awaiting = "time"
        offers = (Choice(format_datetime(ctx.wording, ctx.profile, s), s.isoformat()) for s in full.next_free)
        return [ctx.say("time_full", *offers, time=label, service=service.name)]
    except SlotUnavailable as unavailable:
        slots.pop("time")
        ctx.state.awaiting = "time"
        reason = ctx.wording.render(f"reason_{unavailable.problem.value}")
        return [ctx.say("time_unavailable", time=label, service=service.name, reason=reason)]
    ctx.resident.phone = ctx.resident.phone or slots.get("phone") or None
    replaced = await _cancel_replaced(ctx, slots.get(REPLACES))
    ctx.state.finish()
    ctx.state.booked = None if booking.phone else booking.number
    return [ctx.say("appointment_booked", number=booking.number, service=service.name, time=label,
                    location=where_it_happens(ctx.wording, service, booking.address)), *replaced]


async def _cancel_replaced(ctx: HandlerContext, number: str | None) -> list[Reply]:
    old = await get_appointment_by_number(ctx.session, number) if number else None
    if old is None or old.resident_id != ctx.resident.id or not await cancel(ctx.session, ctx.profile, old, ctx.now):
        return []
    return [ctx.say("appointment_replaced", number=number)]
