"""A paused ticket's clock: while the office waits (for materials, for the resident, for another office) its
deadline does not run. Ending a pause moves the deadline on by the time paused: the office time on working days
for a limit in days (a pause over a weekend moves nothing), the whole time for a limit in hours (those run
through nights and holidays)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.office.deadlines import add_working_time, working_time_between
from bot.office.ticketing import limit_of
from storage.models import Ticket
from storage.profile import Profile
from storage.work_calendar import WorkCalendar


def end_pause(ticket: Ticket, profile: Profile, now: datetime) -> timedelta:
    """Start the ticket's clock again if it was stopped; returns how far its deadline moved."""
    if ticket.paused_at is None:
        return timedelta(0)
    paused_at, before = ticket.paused_at, ticket.due_at
    ticket.paused_at, ticket.pause_reason = None, None
    limit = limit_of(profile, ticket)
    if limit is not None and limit.hours:
        ticket.due_at = before + (now - paused_at)
    else:
        hours, calendar = profile.district.office_hours, WorkCalendar(profile.calendar_days)
        paused = working_time_between(paused_at, now, profile.timezone, hours, calendar)
        ticket.due_at = add_working_time(before, paused, profile.timezone, hours, calendar)
    return ticket.due_at - before
