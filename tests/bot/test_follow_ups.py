"""回访: some working days after closing the resident is asked whether it is still fixed; 又坏了 reopens the ticket;
staff record phone 回访 from the console; the dashboard and the monthly ledger show the follow-up rate and
satisfaction per staff member. Judged on the stored rows, on both databases."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.ledger import build_ledger
from bot.console.ledger_files import Percent, ledger_tables
from bot.console.stats import compute_dashboard
from bot.conversation.pipeline import Pipeline
from bot.core.errors import TicketStateError
from bot.core.messages import Choice, TextReply
from bot.office.follow_ups import record_phone_follow_up
from bot.office.ticket_actions import close_ticket
from bot.workers.scheduler import Scheduler
from storage.models import FollowUp, OutboxMessage, Rating, ScheduledJob, Staff, Ticket
from storage.profile import Profile
from tests.bot.transcript import Resident, play
from tests.conftest import HandClock

Sessions = async_sessionmaker[AsyncSession]
SHANGHAI = ZoneInfo("Asia/Shanghai")
DRAIN = "3栋2单元楼道里的下水道堵了，臭了好几天"
"""public_service: 回访 3 working days after closing."""
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
THURSDAY_NOON = datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)


async def closed(pipeline: Pipeline, sender: str, at: datetime = MONDAY_NOON) -> tuple[Resident, Ticket, Staff]:
    resident = Resident(pipeline, sender)
    await play(resident, f"居民: {DRAIN}\n助手: 已登记")
    async with pipeline.sessions() as session, session.begin():
        ticket = (await session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1))).one()
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await close_ticket(session, pipeline.profile, ticket.number or "", assignee.key, "已疏通", at)
    return resident, ticket, assignee


async def asked(pipeline: Pipeline, clock: HandClock, at: datetime = THURSDAY_NOON) -> list[OutboxMessage]:
    """Run the worker's scheduler at `at`; the 回访 questions sent."""
    clock.set(at)
    await Scheduler(pipeline.sessions, pipeline.profile, clock=clock).run_due()
    async with pipeline.sessions() as session:
        return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "follow_up_question")
                                            .order_by(OutboxMessage.id))).all())


def shown(resident: Resident, message: OutboxMessage) -> None:
    resident.last = [TextReply(message.payload["text"], tuple(Choice(*c) for c in message.payload["choices"]))]


async def follow_ups(sessions: Sessions) -> list[FollowUp]:
    async with sessions() as session:
        return list((await session.scalars(select(FollowUp).order_by(FollowUp.id))).all())


async def test_the_follow_up_comes_three_working_days_after_closing_and_broken_again_reopens(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    resident, ticket, assignee = await closed(pipeline, "r-visit")
    assert await asked(pipeline, clock, datetime(2026, 11, 26, 11, 59, tzinfo=SHANGHAI)) == []

    [question] = await asked(pipeline, clock)
    assert question.resident_id == ticket.resident_id
    assert ticket.number in question.payload["text"]
    assert "回访" in question.payload["text"]
    shown(resident, question)
    await play(resident, """
        居民: [又坏了 / 还没解决]
        助手: 已重新打开
    """)

    async with sessions() as session:
        reopened = await session.get_one(Ticket, ticket.id)
        cards = (await session.scalars(select(OutboxMessage)
                                       .where(OutboxMessage.kind == "ticket_reopened"))).all()
        told = [card.staff_id for card in cards]
    assert (reopened.status, reopened.closed_at) == ("reopened", None)
    assert reopened.due_at == datetime(2026, 11, 30, 17, 30, tzinfo=SHANGHAI)  # Friday and Monday
    assert assignee.id in told
    assert all("回访时居民说问题又出现了" in card.payload["text"] for card in cards)
    [visit] = await follow_ups(sessions)
    assert (visit.method, visit.fixed, visit.satisfied, visit.staff_id) == ("message", False, False, assignee.id)


async def test_a_typed_answer_to_the_follow_up_is_read_as_one(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    resident, ticket, _ = await closed(pipeline, "r-visit-typed")
    await asked(pipeline, clock)

    await play(resident, """
        居民: 好着呢 没问题了
        助手: 回访已记录
    """)

    [visit] = await follow_ups(sessions)
    assert (visit.fixed, visit.satisfied) == (True, True)
    async with sessions() as session:
        assert (await session.get_one(Ticket, ticket.id)).status == "closed"


async def test_a_new_report_or_a_question_is_not_taken_for_the_answer_to_a_follow_up(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    resident, _, _ = await closed(pipeline, "r-visit-new")
    await asked(pipeline, clock)

    await play(resident, """
        居民: 12栋的电梯又坏了 困了个老人在里面出不来
        居民: 你们周六上班吗 谢谢
        居民: 网上预约一直不行 点了没反应
    """)

    [visit] = await follow_ups(sessions)
    assert visit.answered_at is None


async def test_a_ticket_reopened_before_its_follow_up_is_not_asked(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    resident, _, _ = await closed(pipeline, "r-visit-reopened")
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI))
    await play(resident, "居民: 不满意 还是堵着\n助手: 已重新打开")
    assert await asked(pipeline, clock) == []


async def test_a_phone_follow_up_is_recorded_by_staff_and_broken_reopens(
        pipeline: Pipeline, sessions: Sessions) -> None:
    _, ticket, assignee = await closed(pipeline, "r-phone")
    async with sessions() as session, session.begin():
        await record_phone_follow_up(session, pipeline.profile, ticket.number or "", "by-sec-01", False, False,
                                     "电话回访：又开始返水", THURSDAY_NOON)
    [visit] = await follow_ups(sessions)
    assert (visit.method, visit.fixed, visit.staff_id) == ("phone", False, assignee.id)
    assert visit.note == "电话回访：又开始返水"
    async with sessions() as session, session.begin():
        assert (await session.get_one(Ticket, ticket.id)).status == "reopened"
        with pytest.raises(TicketStateError):
            await record_phone_follow_up(session, pipeline.profile, ticket.number or "", "by-sec-01", True, True,
                                         "", THURSDAY_NOON)


async def test_the_ledger_and_the_dashboard_show_the_follow_up_rate_per_staff_member(
        pipeline: Pipeline, sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    answering, _, assignee = await closed(pipeline, "r-ledger-1")
    await closed(pipeline, "r-ledger-2", datetime(2026, 11, 23, 12, 30, tzinfo=SHANGHAI))
    questions = await asked(pipeline, clock, datetime(2026, 11, 26, 13, 0, tzinfo=SHANGHAI))
    assert len(questions) == 2
    shown(answering, questions[0])
    await play(answering, "居民: [已解决，挺好]\n助手: 回访已记录")
    async with sessions() as session:
        jobs_left = (await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "ticket_follow_up",
                                                                      ScheduledJob.done_at.is_(None)))).all()
        community = (await session.get_one(Ticket, questions[0].ticket_id)).community_id
        ledger = await build_ledger(session, profile, community, date(2026, 11, 1))
        figures = await compute_dashboard(session, profile, community, datetime(2026, 11, 1, tzinfo=SHANGHAI),
                                          datetime(2026, 12, 1, tzinfo=SHANGHAI), now=clock())
    assert jobs_left == []

    [(name, visits)] = ledger.follow_ups.items()
    assert (name, visits.asked, visits.answered, visits.satisfied, visits.rate) == (assignee.name, 2, 1, 1, 0.5)
    assert (ledger.totals.follow_ups.asked, ledger.totals.follow_ups.rate) == (2, 0.5)
    tables = {table.title: table for table in ledger_tables(ledger)}
    assert tables["回访情况（按承办人）"].rows == [[assignee.name, 2, 1, Percent(0.5), Percent(1.0)]]
    assert ["回访率", Percent(0.5)] in tables["汇总"].rows
    assert figures.follow_ups_by_staff == ledger.follow_ups
    assert figures.follow_ups.rate == 0.5
    async with sessions() as session:
        assert (await build_ledger(session, profile, community, date(2026, 12, 1))).follow_ups == {}


async def test_satisfied_for_a_ticket_closed_after_the_follow_up_rates_that_ticket(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    resident, first, _ = await closed(pipeline, "r-visit-then-close")
    await asked(pipeline, clock)
    await play(resident, "居民: 12栋1单元楼道的灯坏了 晚上看不见\n助手: 已登记")
    async with sessions() as session, session.begin():
        second = (await session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1))).one()
        assignee = await session.get_one(Staff, second.assignee_id)
        await close_ticket(session, pipeline.profile, second.number or "", assignee.key, "已换灯泡",
                           datetime(2026, 11, 26, 15, 0, tzinfo=SHANGHAI))
    clock.set(datetime(2026, 11, 26, 15, 30, tzinfo=SHANGHAI))

    await play(resident, "居民: 满意\n助手: 谢谢您的评价")

    [visit] = await follow_ups(sessions)
    assert visit.answered_at is None
    async with sessions() as session:
        rated = (await session.scalars(select(Rating.ticket_id))).all()
    assert list(rated) == [second.id]
    assert first.id != second.id
