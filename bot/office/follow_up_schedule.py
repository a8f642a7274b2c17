"""When a closed ticket's 回访 is due: its category's `follow_up_after_days` working days after closing, at
the hour it was closed (within office hours). The job carries the closing it was set for, so a ticket reopened
and closed again is asked once, after its last closing (`bot.office.follow_ups` asks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ticket
from storage.profile import Profile
from storage.repositories import jobs
from storage.work_calendar import WorkCalendar

FOLLOW_UP_JOB = "ticket_follow_up"


def schedule_follow_up(session: AsyncSession, profile: Profile, ticket: Ticket) -> None:
    category = profile.categories.get(ticket.category_key)
    days = profile.follow_up_after_days(category) if category is not None else None
    if days is None or ticket.closed_at is None or ticket.merged_into_id is not None:
        return
    hours, closed = profile.district.office_hours, ticket.closed_at.astimezone(profile.timezone)
    day = WorkCalendar(profile.calendar_days).working_days_after(closed.date(), days)
    at = datetime.combine(day, min(max(closed.time(), hours.open), hours.close), profile.timezone)
    jobs.schedule(session, FOLLOW_UP_JOB, ticket.id, at, {"closed_at": ticket.closed_at.isoformat()})
