"""A person takes over: the resident's messages go to the on-duty staff member and the replies come
back, until the ticket is closed; after hours the resident is told when someone will answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.errors import PermissionDenied
from bot.office.handoffs import TO_RESIDENT_KIND, TO_STAFF_KIND, reply_to_resident
from bot.office.ticket_actions import close_ticket
from storage.models import OutboxMessage, Staff, Ticket
from tests.bot.transcript import Resident, play
from tests.conftest import MONDAY_10AM, HandClock


async def outbox_of(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                           .order_by(OutboxMessage.id))).all())


async def handoff_ticket(sessions: async_sessionmaker[AsyncSession]) -> tuple[Ticket, str]:
    async with sessions() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.category_key == "handoff"))).one()
        return ticket, (await session.get_one(Staff, ticket.assignee_id)).key


async def test_messages_are_relayed_both_ways_until_the_ticket_closes(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident = Resident(pipeline, "r-handoff")
    await play(resident, """
        居民: 转人工
        助手: 已为您转人工
        助手: !下班时间
        居民: 我想问问我家老人的补贴为啥停了
        助手: 已转给
        居民: 两个月了
    """)
    assert resident.last == []
    ticket, staff_key = await handoff_ticket(sessions)
    to_staff, _ = await outbox_of(sessions, TO_STAFF_KIND)
    assert to_staff.staff_id == ticket.assignee_id
    assert "补贴为啥停了" in to_staff.payload["text"]

    async with sessions() as session, session.begin():
        number = ticket.number or ""
        await reply_to_resident(session, pipeline.profile, number, staff_key, "我查一下，稍等", MONDAY_10AM)
        await close_ticket(session, pipeline.profile, ticket.number or "", staff_key, "已答复", MONDAY_10AM)
    [to_resident] = await outbox_of(sessions, TO_RESIDENT_KIND)
    assert to_resident.resident_id == ticket.resident_id
    assert "我查一下" in to_resident.payload["text"]

    await play(resident, """
        居民: 好的谢谢
        助手: 结束了这次人工服务
    """)
    assert len(await outbox_of(sessions, TO_STAFF_KIND)) == 2


async def test_only_the_assignee_replies(pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-handoff-2"), "居民: 找人工客服")
    ticket, _ = await handoff_ticket(sessions)

    async with sessions() as session:
        with pytest.raises(PermissionDenied):
            await reply_to_resident(session, pipeline.profile, ticket.number or "", "by-police-01", "hi", MONDAY_10AM)


async def test_after_hours_the_resident_is_told_when_someone_answers(pipeline: Pipeline, clock: HandClock) -> None:
    clock.set(MONDAY_10AM + timedelta(hours=10))

    await play(Resident(pipeline, "r-evening"), """
        居民: 转人工
        助手: 已为您转人工
        助手: 11月24日 08:30上班后
    """)


async def test_over_a_holiday_the_resident_is_told_the_first_working_morning(pipeline: Pipeline,
                                                                           clock: HandClock) -> None:
    clock.set(datetime(2026, 4, 3, 19, tzinfo=ZoneInfo("Asia/Shanghai")))  # Friday evening before 清明

    await play(Resident(pipeline, "r-qingming"), """
        居民: 转人工
        助手: 已为您转人工
        助手: 4月7日 08:30上班后
    """)


async def test_an_emergency_still_breaks_into_a_handoff(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-handoff-3"), """
        居民: 转人工
        居民: 楼道着火了 好大的烟
        助手: 火警 119
    """)
