"""What a resident tells about their open ticket after it was filed (「已经流到楼下了」 after a leak): kept in the
ticket's history and sent to the assignee, masked like logs as every staff card is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.masking import mask_as_logs
from bot.core.wording import Wording
from storage.models import Staff, Ticket, TicketEvent, TicketEventKind
from storage.profile import Profile
from storage.repositories import outbox

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_resident_added": ("ticket_no", "words"),
    "staff_certificate_delivery": ("ticket_no", "words"),
    "staff_resident_withdraws": ("ticket_no", "words"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


ADDED_KIND = "ticket_added"


async def add_to_ticket(session: AsyncSession, profile: Profile, wording: Wording, ticket: Ticket, words: str,
                        now: datetime, kind: TicketEventKind = TicketEventKind.ADDED,
                        card: str = "staff_resident_added") -> Staff:
    """The resident's words on the ticket (as a history entry of `kind`) and on their way to its assignee (in the
    profile's `card`), who is returned."""
    session.add(TicketEvent(ticket_id=ticket.id, kind=kind, note=words, created_at=now))
    assignee = await session.get_one(Staff, ticket.assignee_id)
    local_day = now.astimezone(profile.timezone).date()
    text = wording.render(card, ticket_no=ticket.number, words=mask_as_logs(words, local_day))
    outbox.enqueue(session, ADDED_KIND, {"text": text}, community_id=ticket.community_id, staff_id=assignee.id,
                   ticket_id=ticket.id)
    return assignee
