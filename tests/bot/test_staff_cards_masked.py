"""Every card a staff member gets about a ticket carries the resident's words masked like the logs: the
reminder before the deadline, both escalations after it, and the ticket details asked for on WeCom or Telegram;
and a supervisor who takes a colleague's ticket over by claiming it tells that colleague."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.assignees import area_of_ticket
from bot.conversation.pipeline import Pipeline
from bot.office.ticket_actions import HANDED_AWAY_KIND, claim_ticket
from bot.workers.scheduler import Scheduler
from storage.models import OutboxMessage, Staff, Ticket
from tests.bot.transcript import Resident, play
from tests.conftest import MONDAY_10AM, HandClock

Sessions = async_sessionmaker[AsyncSession]
PHONE = "13912345678"
REPORT = f"3栋2单元楼道里的下水道堵了，臭了好几天，有事打我电话{PHONE}"


async def reported(pipeline: Pipeline, sessions: Sessions) -> Ticket:
    await play(Resident(pipeline, "r-masked"), f"居民: {REPORT}\n助手: 已登记")
    async with sessions() as session:
        return (await session.scalars(select(Ticket))).one()


async def test_reminders_and_escalations_carry_the_residents_words_masked(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    ticket = await reported(pipeline, sessions)
    clock.set(ticket.due_at + timedelta(days=2))
    await Scheduler(pipeline.sessions, pipeline.profile, clock=clock).run_due()

    async with sessions() as session:
        cards = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket.id, OutboxMessage.kind.in_(("ticket_due_soon", "ticket_overdue"))))).all()
    assert len(cards) == 3
    for card in cards:
        assert "下水道堵了" in card.payload["text"]
        assert PHONE not in card.payload["text"]


async def test_a_supervisor_claiming_a_colleagues_ticket_tells_the_colleague(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    ticket = await reported(pipeline, sessions)
    clock.set(MONDAY_10AM + timedelta(hours=1))
    async with sessions() as session, session.begin():
        secretary = (await session.scalars(select(Staff).where(Staff.role == "secretary",
                                                               Staff.community_id == ticket.community_id))).first()
        assert secretary is not None
        await claim_ticket(session, pipeline.profile, ticket.number or "", secretary.key, clock())
    async with sessions() as session:
        [told] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == HANDED_AWAY_KIND))).all()
    assert told.staff_id == ticket.assignee_id
    assert secretary.name in told.payload["text"]


async def test_a_ticket_at_a_listed_place_is_in_that_places_area(
        pipeline: Pipeline, sessions: Sessions) -> None:
    await play(Resident(pipeline, "r-gate"), "居民: 南门口的路灯坏了好几天了，晚上黑漆漆的\n助手: 已登记")
    async with sessions() as session:
        ticket = (await session.scalars(select(Ticket))).one()
        area = await area_of_ticket(session, pipeline.profile, ticket)
    assert ticket.building_id is None
    assert ticket.place == "南门"
    assert area is not None
    assert area.name == "南片"
