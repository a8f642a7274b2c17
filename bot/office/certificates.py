"""Staff side of a certificate: marking it ready tells the resident, who then chooses to collect
it or have it delivered (PRODUCT.md §2), or is told it is on its way when they asked for it at the door while it
was being made. Runs in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import TicketNotFoundError
from bot.core.wording import Wording
from storage.models import CertificateRequest, TicketEvent, TicketEventKind
from storage.profile import Profile
from storage.repositories import outbox
from storage.repositories.directory import get_community_by_id
from storage.repositories.tickets import get_ticket_by_number

REPLIES: dict[str, tuple[str, ...]] = {
    "certificate_ready": ("certificate", "office", "ticket_no"),
    "certificate_ready_delivering": ("certificate", "office", "ticket_no"),
    "choice_pickup": (),
    "choice_delivery": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


CERTIFICATE_CATEGORY = "certificate"
"""The category key of every certificate ticket; the type is in its CertificateRequest row."""
READY_KIND = "certificate_ready"
COLLECTED = "pickup"
DELIVERED = "delivery"
"""How a certificate is handed over (`CertificateRequest.delivery`): collected at the window, or brought to the door."""
DELIVERY_CHOICES = (("choice_pickup", "/certificate_pickup"), ("choice_delivery", "/certificate_delivery"))


async def mark_ready(session: AsyncSession, profile: Profile, number: str, now: datetime) -> CertificateRequest:
    ticket = await get_ticket_by_number(session, number)
    request = await session.get(CertificateRequest, ticket.id) if ticket else None
    if ticket is None or request is None:
        raise TicketNotFoundError(f"no certificate ticket numbered {number}")
    request.ready_at = now
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REPLIED, created_at=now,
                            note=READY_KIND))
    community = await get_community_by_id(session, ticket.community_id)
    wording = Wording(profile, community.key)
    delivering = request.delivery == DELIVERED  # asked for at the door while it was being made
    text = wording.render("certificate_ready_delivering" if delivering else "certificate_ready", ticket_no=number,
                          certificate=profile.certificates[request.certificate_key].name, office=ticket.assignee.name)
    choices = [] if delivering else [[wording.render(label), payload] for label, payload in DELIVERY_CHOICES]
    outbox.enqueue(session, READY_KIND, {"text": text, "choices": choices}, community_id=community.id,
                   resident_id=ticket.resident_id, ticket_id=ticket.id)
    return request
