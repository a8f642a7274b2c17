"""Retention: a closed ticket keeps its personal fields for the district's `ticket_retention_days`,
then `bot.privacy.ticket_purge` removes them (the statistics stay); the retry cache and dialogue states older
than that go too.

A scheduled job of kind `privacy_purge` runs the purge once a day and schedules the next run in the
same transaction; `ensure_daily_purge` (called when a worker starts) puts one in place when none is
pending. Several workers starting together may each add one: the earliest pending job (by id) is the
daily one, a later one that comes due finds the earlier one pending and does nothing, and the daily
one withdraws the later ones when it runs, so one pending job remains.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.wording import Wording
from bot.privacy.ticket_purge import changed, purge_tickets
from storage.models import Conversation, ProcessedMessage, ScheduledJob, StaffAnswer, Ticket, TicketStatus
from storage.profile import Profile
from storage.repositories import jobs

REPLIES: dict[str, tuple[str, ...]] = {
    "ticket_description_expired": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


log = logging.getLogger(__name__)

PURGE_JOB = "privacy_purge"
PURGE_SUBJECT = 0
"""The purge is about no one row; its jobs all carry this subject id."""
PURGE_EVERY = timedelta(days=1)
EXPIRED_DESCRIPTION = "ticket_description_expired"
"""The reply key whose wording replaces a purged ticket's description."""
BATCH = 500
"""Tickets purged per round of statements (SQLite limits how many values one IN (...) may carry)."""


async def purge_closed_tickets(session: AsyncSession, profile: Profile, now: datetime) -> int:
    """Purge the tickets closed more than the retention period ago and not purged yet; returns how many."""
    cutoff = now - timedelta(days=profile.district.ticket_retention_days)
    due = (await session.scalars(select(Ticket.id).where(
        Ticket.status == TicketStatus.CLOSED, Ticket.closed_at < cutoff, Ticket.purged_at.is_(None))
        .order_by(Ticket.id))).all()
    placeholder = Wording(profile, None).render(EXPIRED_DESCRIPTION)
    for start in range(0, len(due), BATCH):
        await purge_tickets(session, due[start:start + BATCH], placeholder, now)
    return len(due)


async def forget_old_conversations(session: AsyncSession, profile: Profile, now: datetime) -> int:
    """Delete the retry caches (residents' and staff's: they keep the replies, which quote addresses and ticket
    numbers) and the dialogue states of residents silent for the retention period: no retry or open flow is
    that old. Returns the rows deleted."""
    cutoff = now - timedelta(days=profile.district.ticket_retention_days)
    return (await changed(session, delete(ProcessedMessage).where(ProcessedMessage.created_at < cutoff))
            + await changed(session, delete(StaffAnswer).where(StaffAnswer.created_at < cutoff))
            + await changed(session, delete(Conversation).where(Conversation.updated_at < cutoff)))


async def ensure_daily_purge(session: AsyncSession, now: datetime) -> bool:
    """Schedule the daily purge to run now unless one is pending; True when it was scheduled."""
    if await jobs.pending(session, PURGE_JOB, PURGE_SUBJECT):
        return False
    jobs.schedule(session, PURGE_JOB, PURGE_SUBJECT, now)
    return True


async def run_daily_purge(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    """The `privacy_purge` job: purge, withdraw duplicate pending jobs, schedule tomorrow's run."""
    earlier = await session.scalar(select(ScheduledJob.id).where(
        ScheduledJob.kind == PURGE_JOB, ScheduledJob.done_at.is_(None), ScheduledJob.id < job.id).limit(1))
    if earlier is not None:
        log.info("privacy purge job %d is a duplicate of pending job %d; skipped", job.id, earlier)
        return
    purged = await purge_closed_tickets(session, profile, now)
    forgotten = await forget_old_conversations(session, profile, now)
    log.info("privacy purge: %d closed tickets lost their personal fields; %d old conversation rows deleted",
             purged, forgotten)
    # Only later jobs are touched, so two runs never wait on each other's rows in a cycle.
    await session.execute(update(ScheduledJob).where(
        ScheduledJob.kind == PURGE_JOB, ScheduledJob.done_at.is_(None), ScheduledJob.id > job.id)
        .values(done_at=now, last_error="withdrawn: duplicate daily purge")
        .execution_options(synchronize_session=False))
    jobs.schedule(session, PURGE_JOB, PURGE_SUBJECT, now + PURGE_EVERY)
