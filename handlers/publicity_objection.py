"""publicity_objection: a resident objects to a 公示 (「我有异议」 under it, or 「对低保公示有意见」 in chat).

A short form: what they object to and why, then name and phone if they wish (anonymous is as good). The
objection becomes a ticket for the secretary due when the 公示's window ends, and the resident gets its number.
After the window they are told it has closed and what they can do instead.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.messages import Choice, InboundMessage, Reply
from bot.office.objections import (
    WindowClosedError,
    file_objection,
    latest_closed_named,
    on_last_day,
    publicities_to_object_to,
    takes_objections,
)
from bot.office.ticketing import format_datetime
from handlers.base import HandlerContext
from nlu.entities import find_phones
from nlu.names import name_given
from nlu.payloads import button_payload
from nlu.result import ParseResult
from nlu.text import spoken_digits
from storage.models import Publicity, PublicityStage

REPLIES: dict[str, tuple[str, ...]] = {
    "intent_publicity_objection": (),
    "objection_which": (),
    "objection_ask_what": ("title",),
    "objection_ask_contact": (),
    "objection_ask_phone": (),
    "objection_received": ("closes", "ticket_no", "title"),
    "objection_received_anonymous": ("closes", "ticket_no", "title"),
    "objection_too_late": ("closed", "title"),
    "objection_nothing_open": (),
    "choice_objection_anonymous": (),
    "choice_objection_leave_contact": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""

FLOW = "publicity_objection"
INTENTS = (FLOW,)
FREE_TEXT = "description"
MIN_OBJECTION_CHARS = 14
"""A message this long says what the objection is (「对低保公示有意见 3栋那家开着好车还吃低保」); shorter
(「我对低保公示有意见」) only that there is one: ask what and why."""
ANONYMOUS, LEAVE_CONTACT = "anonymous", "contact"


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    step = ctx.state.slots.get("step") if ctx.state.flow == FLOW else None
    text = nlu.text.strip()
    contact = nlu.entity("contact")
    if step is not None and nlu.intent.name == "deny" and step != "contact":
        ctx.state.finish()
        return [ctx.say("flow_cancelled", flow=ctx.wording.render(f"intent_{FLOW}"))]
    if step == "what" and text:
        return _ask_contact(ctx, str(ctx.state.slots["publicity"]), text)
    if step == "contact":
        return await _contact_answered(nlu, ctx, contact.value if contact is not None else None)
    if step == "phone":
        return await _phone_given(nlu, ctx)
    return await _start(nlu, ctx, text)


async def _start(nlu: ParseResult, ctx: HandlerContext, text: str) -> list[Reply]:
    named = nlu.entity("publicity")
    community_id = ctx.community.id if ctx.community is not None else ctx.resident.community_id
    if named is not None:
        publicity = await ctx.session.get(Publicity, int(named.value)) if named.value.isdigit() else None
        if publicity is None or publicity.stage == PublicityStage.DRAFT:
            ctx.state.finish()
            return [ctx.say("objection_nothing_open")]
        if not takes_objections(publicity, ctx.now):
            ctx.state.finish()
            return [_too_late(ctx, publicity)]
        candidates = [publicity]
    else:
        candidates = await publicities_to_object_to(ctx.session, ctx.profile, community_id, text, ctx.now)
    if not candidates:
        ctx.state.finish()
        closed = await latest_closed_named(ctx.session, ctx.profile, community_id, text, ctx.now)
        return [_too_late(ctx, closed) if closed is not None else ctx.say("objection_nothing_open")]
    if len(candidates) > 1:
        ctx.state.finish()
        return [ctx.say("objection_which", *(_choice(p) for p in candidates))]
    publicity = candidates[0]
    if named is None and len(text) >= MIN_OBJECTION_CHARS:
        return _ask_contact(ctx, str(publicity.id), text)
    _await(ctx, "what", publicity=str(publicity.id))
    return [ctx.say("objection_ask_what", title=publicity.title)]


def _ask_contact(ctx: HandlerContext, publicity_id: str, description: str) -> list[Reply]:
    _await(ctx, "contact", publicity=publicity_id, description=description)
    return [ctx.say("objection_ask_contact",
                    ctx.choice_of("choice_objection_anonymous", button_payload(FLOW, contact=ANONYMOUS)),
                    ctx.choice_of("choice_objection_leave_contact", button_payload(FLOW, contact=LEAVE_CONTACT)))]


async def _contact_answered(nlu: ParseResult, ctx: HandlerContext, pressed: str | None) -> list[Reply]:
    """Anonymous (the button, or no), contact (the button, or yes: ask), or a phone given straight away."""
    if find_phones(spoken_digits(nlu.text)):
        return await _phone_given(nlu, ctx)
    if pressed == LEAVE_CONTACT or (pressed is None and nlu.intent.name == "affirm"):
        ctx.state.slots["step"] = "phone"
        return [ctx.say("objection_ask_phone")]
    return [await _file(ctx, None, None)]


async def _phone_given(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if nlu.intent.name == "deny":
        return [await _file(ctx, None, None)]
    said = spoken_digits(nlu.text)
    phones = find_phones(said)
    if not phones:
        ctx.state.slots["step"] = "phone"
        return [ctx.say("phone_invalid")]
    number, start, end = phones[0]
    return [await _file(ctx, name_given(said[:start] + " " + said[end:]), number)]


async def _file(ctx: HandlerContext, name: str | None, phone: str | None) -> Reply:
    slots = dict(ctx.state.slots)
    ctx.state.finish()
    publicity = await ctx.session.get(Publicity, int(slots["publicity"]))
    if publicity is None:
        return ctx.say("objection_nothing_open")
    try:
        opened = await file_objection(ctx.session, ctx.profile, publicity, ctx.resident, ctx.channel,
                                      str(slots["description"]), ctx.now, name=name, phone=phone)
    except WindowClosedError:
        return _too_late(ctx, publicity)
    key = "objection_received" if name or phone else "objection_received_anonymous"
    return ctx.say(key, ticket_no=opened.ticket.number, title=publicity.title, closes=_day(ctx, opened.ticket.due_at))


def _day(ctx: HandlerContext, ends: datetime) -> str:
    return format_datetime(ctx.wording, ctx.profile, on_last_day(ends), with_time=False)


def _too_late(ctx: HandlerContext, publicity: Publicity) -> Reply:
    ends = [moment for moment in (publicity.closed_at, publicity.closes_at) if moment is not None]
    when = _day(ctx, min(ends)) if ends else ""
    return ctx.say("objection_too_late", ctx.offer("appeal_report"), ctx.offer("human_handoff"),
                   title=publicity.title, closed=when)


def _choice(publicity: Publicity) -> Choice:
    return Choice(publicity.title, button_payload(FLOW, publicity=str(publicity.id)))


def _await(ctx: HandlerContext, step: str, **slots: str) -> None:
    ctx.state.start(FLOW)
    ctx.state.awaiting = FREE_TEXT
    ctx.state.slots.update(step=step, **slots)
