"""Behind the emergency numbers: an urgent ticket for the on-duty staff, alerted ahead of every
queued notice, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage
from handlers import emergency
from nlu.dangers import KINDS
from storage.models import OutboxMessage, Staff, Ticket
from storage.repositories.outbox import PRIORITY_NORMAL, PRIORITY_URGENT, claim_due
from tests.conftest import MONDAY_10AM

SCAMMED = "我刚被骗转了两万，对方说是公安局的"
QUEUED_NOTICES = 5000


def said(text: str, message_id: str, sender: str = "wx-victim") -> InboundMessage:
    return InboundMessage("wechat", sender, message_id, text, MONDAY_10AM, "baiyang")


async def emergency_tickets(sessions: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    async with sessions() as session:
        query = select(Ticket).where(Ticket.category_key == "emergency").order_by(Ticket.id)
        return list((await session.scalars(query)).all())


async def test_emergency_opens_an_urgent_ticket_for_the_police_after_giving_the_numbers(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    replies = await pipeline.handle(said(SCAMMED, "m-1"))

    assert replies[0].text == pipeline.profile.reply_template("baiyang", "emergency_now")
    [ticket] = await emergency_tickets(sessions)
    async with sessions() as session:
        assignee = await session.get_one(Staff, ticket.assignee_id)
        [alert] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))).all()
    assert assignee.key == "by-police-01"
    assert ticket.due_at == MONDAY_10AM.replace(hour=3)
    assert (alert.kind, alert.priority, alert.staff_id) == ("emergency_alert", PRIORITY_URGENT, assignee.id)
    assert ticket.number is not None
    assert ticket.number in alert.payload["text"]
    assert SCAMMED in alert.payload["text"]


async def test_emergency_alert_is_first_out_even_behind_thousands_of_notices(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    queued_at = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        await session.execute(insert(OutboxMessage), [
            {"kind": "notice", "payload": {"text": f"notice {i}"}, "priority": PRIORITY_NORMAL,
             "available_at": queued_at, "created_at": queued_at} for i in range(QUEUED_NOTICES)])

    await pipeline.handle(said(SCAMMED, "m-1"))

    async with sessions() as session, session.begin():
        batch = await claim_due(session, 30, MONDAY_10AM + timedelta(minutes=1), timedelta(minutes=5), "test")
    assert batch[0].kind == "emergency_alert"
    assert [m.kind for m in batch[1:]] == ["notice"] * 29
    assert [m.id for m in batch[1:]] == sorted(m.id for m in batch[1:])


async def test_writing_again_realerts_the_same_ticket(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await pipeline.handle(said(SCAMMED, "m-1"))
    await pipeline.handle(said("救命，他们还在打电话让我继续转账", "m-2"))

    [ticket] = await emergency_tickets(sessions)
    async with sessions() as session:
        alerts = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "emergency_alert")
                                        .order_by(OutboxMessage.id))).all()
    assert [a.ticket_id for a in alerts] == [ticket.id, ticket.id]
    assert "继续转账" in alerts[1].payload["text"]
    assert all(a.priority == PRIORITY_URGENT for a in alerts)


async def test_an_emergency_on_the_district_account_alerts_the_duty_community_saying_where_is_unknown(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    from_district = InboundMessage("wechat", "wx-unplaced", "m-1", SCAMMED, MONDAY_10AM, None)

    replies = await pipeline.handle(from_district)

    assert replies[0].text == pipeline.profile.reply_template("baiyang", "emergency_now")
    [ticket] = await emergency_tickets(sessions)
    async with sessions() as session:
        assignee = await session.get_one(Staff, ticket.assignee_id)
        [alert] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))).all()
    assert pipeline.profile.district.emergency_duty_community == "baiyang"
    assert assignee.key == "by-police-01"
    assert alert.priority == PRIORITY_URGENT
    assert "未说明在哪个社区" in alert.payload["text"]
    assert SCAMMED in alert.payload["text"]


@pytest.mark.parametrize(("text", "advice", "not_given"), [
    ("楼下好像有股很浓的煤气味 怎么办", "关掉燃气总阀", "96110"),
    ("5栋楼道里着火了 好大的烟", "不要坐电梯", "燃气"),
    (SCAMMED, "申请紧急止付", "燃气"),
    ("不是煤气味 是楼下着火了", "不要坐电梯", "燃气"),
])
async def test_the_numbers_are_followed_by_what_to_do_about_the_danger_told_of(
        pipeline: Pipeline, text: str, advice: str, not_given: str) -> None:
    numbers, meanwhile = await pipeline.handle(said(text, "m-1"))

    assert numbers.text == pipeline.profile.reply_template("baiyang", "emergency_now")
    assert advice in meanwhile.text
    assert not_given not in meanwhile.text
    assert meanwhile.text.endswith(pipeline.profile.reply_template("baiyang", "emergency_not_urgent"))
    assert meanwhile.choices


def test_every_kind_of_danger_has_its_advice_declared() -> None:
    assert {f"emergency_advice_{kind}" for kind in KINDS} <= set(emergency.REPLIES)
