"""The resident's answer to "your certificate is ready": collect it, or have it delivered."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.messages import InboundMessage, Reply
from bot.office.ticketing import format_address
from handlers.base import HandlerContext
from nlu.result import ParseResult
from storage.models import Building, CertificateRequest, Ticket

REPLIES: dict[str, tuple[str, ...]] = {
    "pickup_chosen": ("certificate", "hours", "place"),
    "delivery_chosen": ("address", "certificate"),
    "nothing_ready": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("certificate_pickup", "certificate_delivery")
"""Reached only by the buttons of the ready notice, never by the classifier."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    query = (select(CertificateRequest).join(Ticket, Ticket.id == CertificateRequest.ticket_id)
             .where(Ticket.resident_id == ctx.resident.id, CertificateRequest.ready_at.is_not(None),
                    CertificateRequest.delivery.is_(None))
             .order_by(CertificateRequest.ready_at.desc()).limit(1))
    request = await ctx.session.scalar(query)
    if request is None:
        return [ctx.say("nothing_ready")]
    certificate = ctx.profile.certificates[request.certificate_key].name
    if nlu.intent.name == "certificate_pickup":
        request.delivery = "pickup"
        community = ctx.profile.communities.get(ctx.community.key if ctx.community else "")
        hours = ctx.profile.district.office_hours
        return [ctx.say("pickup_chosen", certificate=certificate, place=community.address if community else "",
                        hours=f"{hours.open:%H:%M}-{hours.close:%H:%M}")]
    request.delivery = "delivery"
    building = await ctx.session.get(Building, ctx.resident.building_id) if ctx.resident.building_id else None
    address = format_address(ctx.wording, building.number if building else None, ctx.resident.unit,
                             ctx.resident.room)
    return [ctx.say("delivery_chosen", certificate=certificate, address=(ctx.community.name if ctx.community
                                                                         else "") + address)]
