"""Scheduled jobs: work due at a time, kept in the database so that restarts lose none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScheduledJob

RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600


def schedule(session: AsyncSession, kind: str, subject_id: int, run_at: datetime,
             args: dict[str, Any] | None = None) -> ScheduledJob:
    job = ScheduledJob(kind=kind, subject_id=subject_id, run_at=run_at, args=args or {}, attempts=0)
    session.add(job)
    return job


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[ScheduledJob]:
    """Due jobs, locked for the caller's transaction (run them, mark them done, commit). On PostgreSQL
    jobs another worker holds are skipped; SQLite runs one writer at a time anyway."""
    query = (select(ScheduledJob).where(ScheduledJob.done_at.is_(None), ScheduledJob.run_at <= now)
             .order_by(ScheduledJob.run_at, ScheduledJob.id).limit(limit).with_for_update(skip_locked=True))
    return (await session.scalars(query)).all()


async def withdraw(session: AsyncSession, kinds: Sequence[str], subject_id: int, now: datetime) -> None:
    """Jobs not yet run for this subject are marked done without running (e.g. a notice cancelled)."""
    await session.execute(update(ScheduledJob).where(
        ScheduledJob.kind.in_(kinds), ScheduledJob.subject_id == subject_id, ScheduledJob.done_at.is_(None))
        .values(done_at=now, last_error="withdrawn").execution_options(synchronize_session=False))


def postpone(job: ScheduledJob, error: str, now: datetime) -> None:
    """A job that failed runs again after a growing pause; its error is kept."""
    job.attempts += 1
    job.last_error = error[:500]
    job.run_at = now + timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** (job.attempts - 1), RETRY_CAP_SECONDS))


async def pending(session: AsyncSession, kind: str, subject_id: int) -> Sequence[ScheduledJob]:
    query = select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.subject_id == subject_id,
                                       ScheduledJob.done_at.is_(None)).order_by(ScheduledJob.run_at)
    return (await session.scalars(query)).all()
