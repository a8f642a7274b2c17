"""A report the resident says is no longer needed: their words go on the ticket and to its assignee, who checks and
closes it. Read as cancelling a booking or stopping notices, they got 「您目前没有待办的预约」 and the worker came."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.office.additions import ADDED_KIND
from storage.models import OutboxMessage, Ticket, TicketEvent, TicketEventKind, TicketStatus
from tests.bot.transcript import Resident, play
from tests.conftest import MONDAY_10AM, HandClock

REPORT = """
    居民: 我家厨房下水道堵了 12栋1单元301
    助手: 编号 GD
"""


async def withdrawals(sessions: async_sessionmaker[AsyncSession]) -> tuple[list[TicketEvent], list[OutboxMessage]]:
    async with sessions() as session:
        events = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.WITHDRAWN)))
        cards = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == ADDED_KIND)))
        return list(events.all()), list(cards.all())


@pytest.mark.parametrize("words", ["这个单子撤了吧", "不用来修了 已经好了", "我报的那个问题不用处理了 取消吧"])
async def test_a_report_withdrawn_goes_on_the_ticket_and_to_its_assignee_who_closes_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], words: str) -> None:
    await play(Resident(pipeline, "r-withdraw"), f"""
        {REPORT}
        居民: 谢谢
        居民: {words}
        助手: 您说不用办了
        助手: 核实后会办结
        助手: !预约
        助手: !订阅
    """)

    [event], [card] = await withdrawals(sessions)
    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert (event.ticket_id, event.note) == (ticket.id, words)
    assert (card.staff_id, card.ticket_id) == (ticket.assignee_id, ticket.id)
    assert words in card.payload["text"]
    assert ticket.number in card.payload["text"]
    assert ticket.status != TicketStatus.CLOSED


async def test_a_report_withdrawn_in_a_later_conversation_is_the_one_still_open(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    resident = Resident(pipeline, "r-withdraw-later")
    await play(resident, REPORT)
    clock.set(MONDAY_10AM + timedelta(days=1))
    await play(resident, """
        居民: 你好 下水道自己通了 不用来了
        助手: 下水道堵塞
        助手: 您说不用办了
    """)

    assert len((await withdrawals(sessions))[0]) == 1


@pytest.mark.parametrize("words", ["这个问题不用办什么手续吗", "约的那个不用去了", "问题不大 不用急",
                                   "这事不急 算了 等下周吧"])
async def test_a_question_a_booking_given_up_or_patience_withdraws_no_report(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], words: str) -> None:
    await play(Resident(pipeline, "r-not-withdrawn"), f"""
        {REPORT}
        居民: {words}
        助手: !您说不用办了
    """)

    assert await withdrawals(sessions) == ([], [])


async def test_without_an_open_report_nothing_is_withdrawn(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-nothing-open"), """
        居民: 这个单子撤了吧
        助手: !您说不用办了
    """)

    assert await withdrawals(sessions) == ([], [])


async def test_a_withdrawal_after_a_certificate_was_asked_for_withdraws_the_report_not_the_certificate(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「下水道那个单子撤了吧 已经通了」 withdrew the 居住证明 asked for after the report: the latest open ticket."""
    await play(Resident(pipeline, "r-withdraw-which"), f"""
        {REPORT}
        居民: 开居住证明 给本人开 身份证110101199003074514 电话13912345678
        居民: 孩子上学
        居民: [确认]
        助手: 已受理
        居民: 下水道那个单子撤了吧 已经通了
        助手: 下水道堵塞
        助手: 您说不用办了
    """)

    [event], _ = await withdrawals(sessions)
    async with sessions() as session:
        withdrawn = await session.get_one(Ticket, event.ticket_id)
    assert withdrawn.category_key == "drain_blocked"
