"""Running the deadline steps of `bot.office.deadline_alerts`: the reminder card to the assignee, the
overdue card to the area lead and then to the secretary, each also written in the ticket's history.
A step does nothing when its ticket was closed or paused meanwhile or its deadline moved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.ticket_actions import area_lead_of, category_name, ticket_wording
from bot.office.ticketing import format_datetime, masked_description
from storage.models import ScheduledJob, Staff, Ticket, TicketEvent, TicketEventKind, TicketStatus
from storage.profile import Profile
from storage.profile.schema import StaffRole
from storage.repositories import outbox
from storage.repositories.directory import first_staff_with_role

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_ticket_due_soon": ("category", "description", "due", "ticket_no"),
    "staff_ticket_overdue_lead": ("assignee", "category", "description", "due", "ticket_no"),
    "staff_ticket_overdue_secretary": ("assignee", "category", "description", "due", "lead", "ticket_no"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


DUE_SOON_KIND = "ticket_due_soon"
OVERDUE_KIND = "ticket_overdue"


async def _open_ticket_for(session: AsyncSession, job: ScheduledJob) -> Ticket | None:
    """The job's ticket while still open on the deadline the job was set for."""
    ticket = await session.get(Ticket, job.subject_id, with_for_update=True)
    if ticket is None or ticket.status == TicketStatus.CLOSED or ticket.paused_at is not None \
            or ticket.due_at.isoformat() != job.args.get("due_at"):
        return None
    return ticket


async def remind_assignee(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    ticket = await _open_ticket_for(session, job)
    if ticket is None:
        return
    wording = await ticket_wording(session, profile, ticket)
    text = wording.render("staff_ticket_due_soon", ticket_no=ticket.number, category=category_name(profile, ticket),
                          due=format_datetime(wording, profile, ticket.due_at),
                          description=masked_description(profile, ticket))
    outbox.enqueue(session, DUE_SOON_KIND, {"text": text}, community_id=ticket.community_id,
                   staff_id=ticket.assignee_id, ticket_id=ticket.id)


async def escalate_to_lead(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    ticket = await _open_ticket_for(session, job)
    if ticket is None:
        return
    lead = await area_lead_of(session, ticket)
    assignee = await session.get(Staff, ticket.assignee_id)
    wording = await ticket_wording(session, profile, ticket)
    text = wording.render("staff_ticket_overdue_lead", ticket_no=ticket.number, category=category_name(profile, ticket),
                          assignee=assignee.name if assignee else "",
                          description=masked_description(profile, ticket),
                          due=format_datetime(wording, profile, ticket.due_at))
    _escalate(session, ticket, lead, text, now)


async def escalate_to_secretary(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    ticket = await _open_ticket_for(session, job)
    if ticket is None:
        return
    secretary = await first_staff_with_role(session, ticket.community_id, StaffRole.SECRETARY.value)
    if secretary is None:
        raise LookupError(f"community {ticket.community_id} has no secretary to escalate {ticket.number} to")
    lead = await area_lead_of(session, ticket)
    assignee = await session.get(Staff, ticket.assignee_id)
    wording = await ticket_wording(session, profile, ticket)
    text = wording.render("staff_ticket_overdue_secretary", ticket_no=ticket.number,
                          category=category_name(profile, ticket), assignee=assignee.name if assignee else "",
                          lead=lead.name, due=format_datetime(wording, profile, ticket.due_at),
                          description=masked_description(profile, ticket))
    _escalate(session, ticket, secretary, text, now)


def _escalate(session: AsyncSession, ticket: Ticket, to: Staff, text: str, now: datetime) -> None:
    outbox.enqueue(session, OVERDUE_KIND, {"text": text}, community_id=ticket.community_id, staff_id=to.id,
                   ticket_id=ticket.id)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ESCALATED, staff_id=to.id,
                            note=to.role, created_at=now))
