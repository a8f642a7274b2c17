"""A ticket's deadline chases itself through scheduled jobs: a reminder to the assignee at 75% of the
time limit, the area lead at the deadline, the secretary a day later, whichever worker is running then."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.registry import push_channels
from bot.conversation.pipeline import Pipeline
from bot.office.ticket_actions import area_lead_of, close_ticket
from bot.privacy.retention import PURGE_JOB
from bot.workers.delivery import OutboxDispatcher
from bot.workers.polling import running
from bot.workers.scheduler import Scheduler
from bot.workers.worker import Heartbeat, Worker
from storage.models import OutboxMessage, ScheduledJob, Staff, Ticket, TicketEvent, TicketEventKind
from storage.profile import Profile
from storage.repositories.directory import first_staff_with_role
from tests.bot.transcript import Resident
from tests.conftest import MONDAY_10AM, HandClock

Sessions = async_sessionmaker[AsyncSession]
REPORT = "3栋2单元楼道里的下水道堵了，臭了好几天"
STAGE_KINDS = ("ticket_due_soon", "ticket_overdue")


class Clock:
    """The time the workers see; the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def worker(sessions: Sessions, profile: Profile, clock: Callable[[], datetime], name: str) -> Worker:
    """A worker as `frontdoor worker` runs one, on a controllable clock and polling quickly."""
    dispatcher = OutboxDispatcher(sessions, poll_seconds=0.05, worker=name, push_channels=push_channels(), clock=clock)
    return Worker(dispatcher,
                  Scheduler(sessions, profile, clock=clock, poll_seconds=0.05),
                  Heartbeat(sessions, name, 0.2, clock=clock))


async def staff_cards(sessions: Sessions, ticket_id: int) -> list[tuple[str, int | None]]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id,
                                                                 OutboxMessage.kind.in_(STAGE_KINDS))
                                     .order_by(OutboxMessage.id))
        return [(row.kind, row.staff_id) for row in rows]


async def jobs_due_and_not_done(sessions: Sessions, now: datetime) -> int:
    async with sessions() as session:
        due = await session.scalars(select(ScheduledJob.id).where(
            ScheduledJob.done_at.is_(None), ScheduledJob.run_at <= now, ScheduledJob.kind != PURGE_JOB))
        return len(due.all())


async def run_worker_until(sessions: Sessions, profile: Profile, clock: Clock, name: str,
                           ticket_id: int) -> list[tuple[str, int | None]]:
    """Start a worker, let it run every job due by the clock's time (however busy the machine), stop it.

    Every staff card comes from a job, so once the due jobs are done the cards are all there: waiting on the
    jobs rather than for a while keeps a slow machine from passing off jobs not yet run as no cards."""
    async with running(worker(sessions, profile, clock, name)):
        for _ in range(600):
            if not await jobs_due_and_not_done(sessions, clock.now):
                break
            await asyncio.sleep(0.05)
    return await staff_cards(sessions, ticket_id)


async def open_ticket(pipeline: Pipeline, sessions: Sessions) -> Ticket:
    await Resident(pipeline, "r-deadline").say(REPORT)
    async with sessions() as session:
        return (await session.scalars(select(Ticket))).one()


async def test_an_overdue_ticket_escalates_on_schedule_across_worker_restarts(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    ticket = await open_ticket(pipeline, sessions)
    async with sessions() as session:
        lead = await area_lead_of(session, ticket)
        secretary = await first_staff_with_role(session, ticket.community_id, "secretary")
    assert secretary is not None
    assert lead.id != ticket.assignee_id
    remind_at = MONDAY_10AM + (ticket.due_at - MONDAY_10AM) * 0.75
    clock = Clock(remind_at - timedelta(minutes=5))

    early = await run_worker_until(sessions, profile, clock, "first", ticket.id)
    clock.now = remind_at + timedelta(minutes=1)
    reminded = await run_worker_until(sessions, profile, clock, "second", ticket.id)
    clock.now = ticket.due_at + timedelta(minutes=1)  # while no worker ran, the deadline passed
    escalated = await run_worker_until(sessions, profile, clock, "third", ticket.id)
    clock.now = ticket.due_at + timedelta(days=1, minutes=1)
    to_secretary = await run_worker_until(sessions, profile, clock, "fourth", ticket.id)

    assert early == []
    assert reminded == [("ticket_due_soon", ticket.assignee_id)]
    assert escalated == [*reminded, ("ticket_overdue", lead.id)]
    assert to_secretary == [*escalated, ("ticket_overdue", secretary.id)]
    async with sessions() as session:
        history = (await session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == TicketEventKind.ESCALATED)
            .order_by(TicketEvent.id))).all()
        pending = (await session.scalars(select(ScheduledJob).where(ScheduledJob.done_at.is_(None),
                                                                    ScheduledJob.kind != PURGE_JOB))).all()
    assert [(e.staff_id, e.created_at) for e in history] == [
        (lead.id, ticket.due_at + timedelta(minutes=1)), (secretary.id, ticket.due_at + timedelta(days=1, minutes=1))]
    assert pending == []


async def test_a_ticket_closed_in_time_is_never_escalated(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    ticket = await open_ticket(pipeline, sessions)
    async with sessions() as session, session.begin():
        assignee = await session.get_one(Staff, ticket.assignee_id)
        assert ticket.number is not None
        await close_ticket(session, profile, ticket.number, assignee.key, "已疏通", MONDAY_10AM + timedelta(hours=2))

    cards = await run_worker_until(sessions, profile, Clock(ticket.due_at + timedelta(days=2)), "late", ticket.id)

    assert cards == []
    async with sessions() as session:
        pending = (await session.scalars(select(ScheduledJob).where(ScheduledJob.done_at.is_(None),
                                                                    ScheduledJob.kind != PURGE_JOB))).all()
    assert pending == []


async def test_the_secretary_hears_of_an_overdue_ticket_on_the_next_working_day(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    clock.set(MONDAY_10AM + timedelta(days=2))  # Wednesday: a 2-working-day report is due on Friday
    ticket = await open_ticket(pipeline, sessions)
    async with sessions() as session:
        run_at = await session.scalar(select(ScheduledJob.run_at).where(
            ScheduledJob.kind == "ticket_overdue_secretary", ScheduledJob.subject_id == ticket.id))

    shanghai = ZoneInfo("Asia/Shanghai")
    assert ticket.due_at.astimezone(shanghai) == datetime(2026, 11, 27, 17, 30, tzinfo=shanghai)
    assert run_at is not None
    assert run_at.astimezone(shanghai) == datetime(2026, 11, 30, 17, 30, tzinfo=shanghai)  # Monday, not Saturday
