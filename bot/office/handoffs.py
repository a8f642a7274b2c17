"""Relaying a hand-off: the resident's words to the assigned staff member and the replies back,
each through the outbox in the caller's transaction and kept in the ticket's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import PermissionDenied
from bot.core.masking import mask_as_logs
from bot.core.wording import Wording
from bot.office.ticket_actions import open_ticket_and_actor
from storage.models import Resident, Ticket, TicketEvent, TicketEventKind
from storage.profile import Profile
from storage.repositories import outbox
from storage.repositories.directory import get_community_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "handoff_staff_reply": ("assignee", "text"),
    "staff_handoff_message": ("resident", "text", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


TO_STAFF_KIND = "handoff_to_staff"
TO_RESIDENT_KIND = "handoff_to_resident"
RESIDENT_NOTE = "resident"


async def relay_to_staff(session: AsyncSession, profile: Profile, ticket: Ticket, resident: Resident, text: str,
                         now: datetime) -> None:
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REPLIED, note=f"{RESIDENT_NOTE}: {text}",
                            created_at=now))
    community = await get_community_by_id(session, ticket.community_id)
    wording = Wording(profile, community.key)
    words = mask_as_logs(text, now.astimezone(profile.timezone).date())
    outbox.enqueue(session, TO_STAFF_KIND, {"text": wording.render("staff_handoff_message", ticket_no=ticket.number,
                                                                   resident=f"#{resident.id}", text=words)},
                   community_id=ticket.community_id, staff_id=ticket.assignee_id, ticket_id=ticket.id)


async def reply_to_resident(session: AsyncSession, profile: Profile, number: str, staff_key: str, text: str,
                            now: datetime) -> Ticket:
    """A staff member answers in an open hand-off; only its assignee may."""
    ticket, staff = await open_ticket_and_actor(session, number, staff_key)
    if staff.id != ticket.assignee_id:
        raise PermissionDenied(f"{staff_key} is not the assignee of {number}")
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REPLIED, staff_id=staff.id, note=text,
                            created_at=now))
    community = await get_community_by_id(session, ticket.community_id)
    reply = Wording(profile, community.key).render("handoff_staff_reply", assignee=staff.name, text=text)
    outbox.enqueue(session, TO_RESIDENT_KIND, {"text": reply}, community_id=community.id,
                   resident_id=ticket.resident_id, ticket_id=ticket.id)
    return ticket
