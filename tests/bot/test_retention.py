"""Retention on both databases: tickets closed longer ago than the district's `ticket_retention_days`
lose their personal fields, old retry cache and dialogue states go, and a daily scheduled job does both
and keeps exactly one successor pending however many workers start at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.office.ticket_actions import close_ticket
from bot.privacy.retention import (
    PURGE_JOB,
    PURGE_SUBJECT,
    ensure_daily_purge,
    forget_old_conversations,
    purge_closed_tickets,
)
from bot.workers.scheduler import Scheduler
from storage.models import Conversation, OutboxMessage, ProcessedMessage, ScheduledJob, Staff, Ticket
from storage.profile import Profile
from storage.repositories import jobs
from storage.repositories.residents import identity_resident
from tests.bot.transcript import Resident as Chat
from tests.bot.transcript import play
from tests.conftest import MONDAY_10AM

Sessions = async_sessionmaker[AsyncSession]
HOME, ROOM = "2单元1503", "1503"


async def closed_ticket(pipeline: Pipeline, sessions: Sessions, profile: Profile, sender: str,
                        closed_at: datetime | None) -> int:
    """A resident's blocked-drain report with their address, closed at `closed_at` (None: still open)."""
    await play(Chat(pipeline, sender), f"居民: 3栋{HOME}的下水道堵了，臭了好几天")
    async with sessions() as session, session.begin():
        resident_id = await identity_resident(session, "web", sender)
        ticket = (await session.scalars(select(Ticket).where(Ticket.resident_id == resident_id))).one()
        if closed_at is not None:
            assignee = await session.get_one(Staff, ticket.assignee_id)
            await close_ticket(session, profile, ticket.number or "", assignee.key, "已疏通", closed_at)
        return ticket.id


async def purged_ids(sessions: Sessions) -> set[int]:
    async with sessions() as session:
        return {t.id for t in await session.scalars(select(Ticket).where(Ticket.purged_at.is_not(None)))}


async def test_retention_purges_only_tickets_closed_before_the_cutoff(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    old = await closed_ticket(pipeline, sessions, profile, "r-old", MONDAY_10AM)
    recent = await closed_ticket(pipeline, sessions, profile, "r-recent", MONDAY_10AM + timedelta(days=10))
    await closed_ticket(pipeline, sessions, profile, "r-open", None)
    now = MONDAY_10AM + timedelta(days=profile.district.ticket_retention_days + 5)

    async with sessions() as session, session.begin():
        assert await purge_closed_tickets(session, profile, now) == 1
    async with sessions() as session, session.begin():
        assert await purge_closed_tickets(session, profile, now) == 0

    assert await purged_ids(sessions) == {old}
    async with sessions() as session:
        purged, kept = await session.get_one(Ticket, old), await session.get_one(Ticket, recent)
    assert (purged.unit, purged.room, purged.description) == (None, None, "（内容已过保存期限，已删除）")
    assert (purged.status, purged.building_id) == ("closed", kept.building_id)
    assert (kept.room, kept.purged_at) == (ROOM, None)
    async with sessions() as session:
        told = [(m.ticket_id, m.payload["text"]) for m in await session.scalars(select(OutboxMessage))]
    assert not [text for ticket, text in told if ticket == old and ROOM in text]
    assert [text for ticket, text in told if ticket == recent and ROOM in text]  # the new-ticket card


async def test_the_retry_cache_and_dialogue_states_go_after_the_retention_period(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    await play(Chat(pipeline, "r-chat"), "居民: 帮我开个居住证明")  # a flow left open
    async with sessions() as session:
        latest = max([*await session.scalars(select(ProcessedMessage.created_at)),
                      *await session.scalars(select(Conversation.updated_at))])
    retention = timedelta(days=profile.district.ticket_retention_days)

    async with sessions() as session, session.begin():
        assert await forget_old_conversations(session, profile, latest + retention - timedelta(days=1)) == 0
    async with sessions() as session, session.begin():
        assert await forget_old_conversations(session, profile, latest + retention + timedelta(days=1)) == 2
    async with sessions() as session:
        assert (await session.scalars(select(ProcessedMessage))).all() == []
        assert (await session.scalars(select(Conversation))).all() == []

async def pending_purges(sessions: Sessions) -> list[datetime]:
    async with sessions() as session:
        return [job.run_at for job in await session.scalars(select(ScheduledJob).where(
            ScheduledJob.kind == PURGE_JOB, ScheduledJob.done_at.is_(None)))]


async def test_the_daily_purge_job_runs_through_the_scheduler_and_schedules_the_next(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    old = await closed_ticket(pipeline, sessions, profile, "r-old", MONDAY_10AM)
    now = MONDAY_10AM + timedelta(days=profile.district.ticket_retention_days + 1)
    async with sessions() as session, session.begin():
        assert await ensure_daily_purge(session, now)
    async with sessions() as session, session.begin():
        assert not await ensure_daily_purge(session, now)

    await Scheduler(sessions, profile, clock=lambda: now).run_due()  # the ticket's deadline jobs run too

    assert await purged_ids(sessions) == {old}
    assert await pending_purges(sessions) == [now + timedelta(days=1)]
    async with sessions() as session:
        [done] = (await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == PURGE_JOB,
                                                                   ScheduledJob.done_at.is_not(None)))).all()
    assert (done.done_at, done.last_error) == (now, None)


async def test_two_workers_starting_together_leave_one_daily_purge(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    async with sessions() as first, first.begin(), sessions() as second, second.begin():
        # Both look before either commits, as two workers starting at once do.
        assert await ensure_daily_purge(first, MONDAY_10AM)
        assert await ensure_daily_purge(second, MONDAY_10AM)
    assert len(await pending_purges(sessions)) == 2

    assert await Scheduler(sessions, profile, clock=lambda: MONDAY_10AM).run_due() == 1

    assert await pending_purges(sessions) == [MONDAY_10AM + timedelta(days=1)]


async def test_a_purge_job_behind_an_earlier_pending_one_leaves_the_day_to_it(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        jobs.schedule(session, PURGE_JOB, PURGE_SUBJECT, MONDAY_10AM + timedelta(hours=5))
        await session.flush()
        jobs.schedule(session, PURGE_JOB, PURGE_SUBJECT, MONDAY_10AM)

    assert await Scheduler(sessions, profile, clock=lambda: MONDAY_10AM).run_due() == 1

    assert await pending_purges(sessions) == [MONDAY_10AM + timedelta(hours=5)]

