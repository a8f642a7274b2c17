"""When a ticket's deadline chases itself: at 75% of its time limit the assignee is reminded, at the
deadline the area lead (片长) is told, a day later the community secretary (`bot.office.escalations` runs
the steps). Each step is a scheduled job written with the ticket, so it survives restarts; it carries
the deadline it was set for, so a moved deadline leaves it without effect. "A day later" is the next working
day at the same time (`storage.work_calendar`): a deadline on Friday reaches the secretary on Monday.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ticket
from storage.repositories import jobs
from storage.work_calendar import WorkCalendar

DUE_SOON = "ticket_due_soon"
OVERDUE_LEAD = "ticket_overdue_lead"
OVERDUE_SECRETARY = "ticket_overdue_secretary"
ALERT_KINDS = (DUE_SOON, OVERDUE_LEAD, OVERDUE_SECRETARY)
REMIND_AT_SHARE = 0.75
SECRETARY_AFTER_WORKING_DAYS = 1


def schedule_alerts(session: AsyncSession, ticket: Ticket, now: datetime, calendar: WorkCalendar,
                    timezone: ZoneInfo, *, past_ones: bool = True) -> None:
    """The three steps for the ticket's current deadline. Those already past run at once, unless `past_ones` is
    false: a paused ticket resumed still overdue was chased before its pause, and is not chased again."""
    args = {"due_at": ticket.due_at.isoformat()}
    remind_at = now + (ticket.due_at - now) * REMIND_AT_SHARE
    due = ticket.due_at.astimezone(timezone)
    secretary_at = datetime.combine(calendar.working_days_after(due.date(), SECRETARY_AFTER_WORKING_DAYS),
                                    due.timetz())
    for kind, run_at in ((DUE_SOON, remind_at), (OVERDUE_LEAD, ticket.due_at), (OVERDUE_SECRETARY, secretary_at)):
        if past_ones or run_at > now:
            jobs.schedule(session, kind, ticket.id, run_at, args)
