"""How a resident gets their certificate: the answer to "your certificate is ready" (collect it, or have it
delivered), or words said while it is being made (「能送到家吗 俺腿脚不好」「那我让我儿子去拿行不行」). Either way the
ticket's history and its assignee learn it: a delivery nobody at the window knows of is a resident waiting at home
for nothing."""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.core.messages import InboundMessage, Reply
from bot.office.additions import add_to_ticket
from bot.office.certificates import COLLECTED, DELIVERED
from bot.office.ticketing import format_address
from handlers.base import HandlerContext
from handlers.community import office_where_and_when
from nlu.phrasing import ASKS_TO_DELIVER, DELIVERS_SOMETHING_ELSE, SOMEONE_ELSE_COLLECTS
from nlu.result import ParseResult
from storage.models import Building, CertificateRequest, Ticket, TicketEventKind, TicketStatus

REPLIES: dict[str, tuple[str, ...]] = {
    "pickup_chosen": ("certificate", "hours", "place"),
    "delivery_chosen": ("address", "certificate"),
    "delivery_noted": ("certificate", "ticket_no"),
    "collector_noted": ("certificate", "ticket_no"),
    "nothing_ready": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


PICKUP = "certificate_pickup"
DELIVERY = "certificate_delivery"
"""The ready notice's buttons, never the classifier."""
ASKED = "certificate_delivery_asked"
"""Not from the classifier: the pipeline's name for words about getting a certificate still being made."""
INTENTS = (PICKUP, DELIVERY, ASKED)

CHOICE_LABELS = {PICKUP: "choice_pickup", DELIVERY: "choice_delivery"}
"""The ready notice's button each choice is, whose label goes on the ticket."""


def _to_the_door(text: str) -> bool:
    return ASKS_TO_DELIVER.search(text) is not None and DELIVERS_SOMETHING_ELSE.search(text) is None


async def asks_about_getting_it(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Whether the words ask for a certificate the resident is waiting for to come to the door, or say someone
    else will collect it; whatever the classifier made of them (「能送到家吗」 reads like the meal service's)."""
    return (_to_the_door(nlu.text) or SOMEONE_ELSE_COLLECTS.search(nlu.text) is not None) \
        and await _awaited_certificate(ctx) is not None


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if nlu.intent.name == ASKED:
        return await _noted(nlu, ctx)
    query = (select(CertificateRequest).join(Ticket, Ticket.id == CertificateRequest.ticket_id)
             .where(Ticket.resident_id == ctx.resident.id, CertificateRequest.ready_at.is_not(None),
                    CertificateRequest.delivery.is_(None))
             .order_by(CertificateRequest.ready_at.desc()).limit(1))
    request = await ctx.session.scalar(query)
    if request is None:
        return [ctx.say("nothing_ready")]
    chosen = PICKUP if nlu.intent.name == PICKUP else DELIVERY
    await _tell_the_office(ctx, request, ctx.wording.render(CHOICE_LABELS[chosen]))
    if chosen == PICKUP:
        request.delivery = COLLECTED
        return [_pickup(ctx, request)]
    request.delivery = DELIVERED
    return [await _delivery(ctx, request)]


async def _noted(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    request = await _awaited_certificate(ctx)
    assert request is not None  # `asks_about_getting_it` found it in this turn
    await _tell_the_office(ctx, request, nlu.text.strip())
    ticket = await ctx.session.get_one(Ticket, request.ticket_id)
    certificate = ctx.profile.certificates[request.certificate_key].name
    ready = request.ready_at is not None
    if not _to_the_door(nlu.text):  # someone else collects it: at the window, as the ready notice will offer
        request.delivery = COLLECTED if ready else None
        return [_pickup(ctx, request) if ready else ctx.say("collector_noted", certificate=certificate,
                                                                    ticket_no=ticket.number)]
    request.delivery = DELIVERED
    return [await _delivery(ctx, request) if ready else ctx.say("delivery_noted", certificate=certificate,
                                                                  ticket_no=ticket.number)]


async def _awaited_certificate(ctx: HandlerContext) -> CertificateRequest | None:
    """The resident's latest certificate not yet handed over: its ticket open, and either still being made (the
    resident may change their mind) or ready with no way of getting it chosen."""
    query = (select(CertificateRequest).join(Ticket, Ticket.id == CertificateRequest.ticket_id)
             .where(Ticket.resident_id == ctx.resident.id, Ticket.status != TicketStatus.CLOSED,
                    or_(CertificateRequest.ready_at.is_(None), CertificateRequest.delivery.is_(None)))
             .order_by(Ticket.created_at.desc()).limit(1))
    return await ctx.session.scalar(query)


async def _tell_the_office(ctx: HandlerContext, request: CertificateRequest, words: str) -> None:
    ticket = await ctx.session.get_one(Ticket, request.ticket_id)
    await add_to_ticket(ctx.session, ctx.profile, ctx.wording, ticket, words, ctx.now,
                        kind=TicketEventKind.DELIVERY, card="staff_certificate_delivery")


def _pickup(ctx: HandlerContext, request: CertificateRequest) -> Reply:
    return ctx.say("pickup_chosen", certificate=ctx.profile.certificates[request.certificate_key].name,
                   **office_where_and_when(ctx))


async def _delivery(ctx: HandlerContext, request: CertificateRequest) -> Reply:
    building = await ctx.session.get(Building, ctx.resident.building_id) if ctx.resident.building_id else None
    address = format_address(ctx.wording, building.number if building else None, ctx.resident.unit,
                             ctx.resident.room)
    return ctx.say("delivery_chosen", certificate=ctx.profile.certificates[request.certificate_key].name,
                   address=(ctx.community.name if ctx.community else "") + address)
