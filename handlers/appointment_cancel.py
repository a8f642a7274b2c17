"""appointment_cancel: give up a booking and free its place. A number, the one booking of the service named, or
a single open booking, is cancelled at once; with several the resident picks one."""

from __future__ import annotations

from bot.core.messages import Choice, InboundMessage, Reply
from bot.office.appointments import cancel
from bot.office.ticketing import format_datetime
from handlers.appointment_slots import named_service
from handlers.base import HandlerContext
from nlu.entities import find_ticket_numbers
from nlu.phrasing import ASKING, GIVES_UP_A_BOOKING
from nlu.result import ParseResult
from storage.models import Appointment
from storage.repositories.appointments import open_appointments_of

REPLIES: dict[str, tuple[str, ...]] = {
    "no_appointments": (),
    "ask_which_appointment": (),
    "appointment_cancelled": ("number", "service", "time"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("appointment_cancel",)
FLOW = "appointment_cancel"


def only_asks(nlu: ParseResult) -> bool:
    """「我约了几个」「我约了哪些」, read as cancelling (0.96): a question about the bookings that says nothing of
    giving one up, answered with them (and a button to cancel), not by cancelling the only one at once."""
    text = nlu.text
    return nlu.intent.name == FLOW and ASKING.search(text) is not None and GIVES_UP_A_BOOKING.search(text) is None


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if ctx.state.flow == FLOW and nlu.intent.name == "deny":
        ctx.state.finish()
        return [ctx.say("flow_cancelled", flow=ctx.wording.render("intent_appointment_cancel"))]
    bookings = list(await open_appointments_of(ctx.session, ctx.resident.id))
    if not bookings:
        ctx.state.finish()
        return [ctx.say("no_appointments")]
    numbers = {number for number, _, _ in find_ticket_numbers(nlu.text)}
    named = [b for b in bookings if b.number in numbers] or _the_one_of_the_service_named(ctx, nlu.text, bookings)
    if named or len(bookings) == 1:
        return [await _cancel(ctx, (named or bookings)[0])]
    ctx.state.start(FLOW)
    ctx.state.awaiting = "which"
    return [ctx.say("ask_which_appointment", *(Choice(_label(ctx, b), b.number or "") for b in bookings))]


def _the_one_of_the_service_named(ctx: HandlerContext, text: str, bookings: list[Appointment]) -> list[Appointment]:
    """「下周二的上门办理不约了」 with a legal advice booked too: the one booking of the service the words name."""
    service = named_service(ctx.profile, text, described=False)
    of_service = [booking for booking in bookings if booking.service_key == service]
    return of_service if len(of_service) == 1 else []


def _label(ctx: HandlerContext, booking: Appointment) -> str:
    service = ctx.profile.services[booking.service_key]
    return f"{format_datetime(ctx.wording, ctx.profile, booking.slot.starts_at)} {service.name}"


async def _cancel(ctx: HandlerContext, booking: Appointment) -> Reply:
    await cancel(ctx.session, ctx.profile, booking, ctx.now)
    ctx.state.finish()
    service = ctx.profile.services[booking.service_key]
    return ctx.say("appointment_cancelled", number=booking.number, service=service.name,
                   time=format_datetime(ctx.wording, ctx.profile, booking.slot.starts_at))
