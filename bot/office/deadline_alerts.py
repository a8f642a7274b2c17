"""When a ticket's deadline chases itself: at 75% of its time limit the assignee is reminded, at the
deadline the area lead (片长) is told, a day later the community secretary (`bot.office.escalations` runs
the steps). Each step is a scheduled job written with the ticket, so it survives restarts; it carries
the deadline it was set for, so a moved deadline leaves it without effect.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ticket
from storage.repositories import jobs

DUE_SOON = "ticket_due_soon"
OVERDUE_LEAD = "ticket_overdue_lead"
OVERDUE_SECRETARY = "ticket_overdue_secretary"
REMIND_AT_SHARE = 0.75
SECRETARY_AFTER = timedelta(days=1)


def schedule_alerts(session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """The three steps for the ticket's current deadline (those already past run at once)."""
    args = {"due_at": ticket.due_at.isoformat()}
    remind_at = now + (ticket.due_at - now) * REMIND_AT_SHARE
    for kind, run_at in ((DUE_SOON, remind_at), (OVERDUE_LEAD, ticket.due_at),
                         (OVERDUE_SECRETARY, ticket.due_at + SECRETARY_AFTER)):
        jobs.schedule(session, kind, ticket.id, run_at, args)
