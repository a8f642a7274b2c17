"""Runs scheduled jobs when they come due: deadline reminders and escalations, scheduled notices,
notice expiry, appointment reminders. Nothing waits in memory: the jobs are rows
(`storage.models.ScheduledJob`), so a worker stopped and started again, or another worker, picks up whatever
came due meanwhile.

Each job runs in its own transaction, the one that marks it done, so its effects (outbox rows, a
notice's stage) are committed together with "done" or not at all. A job that fails is put off with a
growing pause and its error kept; the others go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notices import proposals, publicity, sending
from bot.office import appointments, deadline_alerts, escalations, follow_ups
from bot.office.follow_up_schedule import FOLLOW_UP_JOB
from bot.privacy import retention
from bot.workers.polling import poll_until_stopped
from storage.clock import Clock, system_clock
from storage.models import ScheduledJob
from storage.profile import Profile
from storage.repositories import jobs

log = logging.getLogger(__name__)

JobRunner = Callable[[AsyncSession, Profile, ScheduledJob, datetime], Awaitable[None]]

RUNNERS: dict[str, JobRunner] = {
    deadline_alerts.DUE_SOON: escalations.remind_assignee,
    deadline_alerts.OVERDUE_LEAD: escalations.escalate_to_lead,
    deadline_alerts.OVERDUE_SECRETARY: escalations.escalate_to_secretary,
    sending.SEND_JOB: sending.send_when_due,
    sending.EXPIRE_JOB: sending.expire_when_due,
    retention.PURGE_JOB: retention.run_daily_purge,
    FOLLOW_UP_JOB: follow_ups.ask_follow_up,
    publicity.CLOSE_JOB: publicity.close_when_due,
    proposals.CLOSE_JOB: proposals.close_when_due,
    appointments.REMINDER_JOB: appointments.send_reminder,
}


@dataclass
class Scheduler:
    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    clock: Clock = system_clock
    poll_seconds: float = 5.0
    runners: dict[str, JobRunner] = field(default_factory=lambda: dict(RUNNERS))

    async def run(self, stop: asyncio.Event) -> None:
        await poll_until_stopped(stop, self.run_due, self.poll_seconds, "running scheduled jobs")

    async def run_due(self) -> int:
        """Run every job due now, one transaction each; returns how many ran (failed ones included)."""
        ran = 0
        while await self._run_one():
            ran += 1
        return ran

    async def _run_one(self) -> bool:
        now = self.clock()
        claimed: tuple[int, str] | None = None
        try:
            async with self.sessions() as session, session.begin():
                due = await jobs.claim_due(session, now, 1)
                if not due:
                    return False
                job = due[0]
                claimed = (job.id, f"{job.kind} {job.subject_id}")
                runner = self.runners.get(job.kind)
                if runner is None:
                    raise LookupError(f"no runner for job kind {job.kind!r}")
                await runner(session, self.profile, job, now)
                job.done_at = now
        except Exception as error:  # the job's own changes were rolled back; its failure is kept
            if claimed is None:
                raise
            log.exception("scheduled job %s (%s) failed", *claimed)
            async with self.sessions() as session, session.begin():
                failed = await session.get(ScheduledJob, claimed[0], with_for_update=True)
                if failed is not None:
                    jobs.postpone(failed, f"{type(error).__name__}: {error}", now)
        return True
