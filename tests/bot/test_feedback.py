"""Closing a ticket and the resident's 满意 / 不满意, judged on the stored rows, on both databases."""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.errors import PermissionDenied, TicketNotFoundError, TicketStateError
from bot.core.messages import Choice, TextReply
from bot.office.ticket_actions import close_ticket
from storage.models import OutboxMessage, Rating, ScheduledJob, Staff, Ticket, TicketEvent
from storage.profile import Profile
from tests.bot.transcript import Resident, play
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, MONDAY_10AM, NLU_DATA, HandClock

DRAIN = "3栋2单元楼道里的下水道堵了，臭了好几天"


async def reported_and_closed(pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession],
                              sender: str) -> tuple[Resident, Ticket]:
    """A resident reports a blocked drain, its assignee closes it, and the close notice arrives."""
    resident = Resident(pipeline, sender)
    await play(resident, f"居民: {DRAIN}")
    async with sessions() as session, session.begin():
        [ticket] = (await session.scalars(select(Ticket))).all()
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await close_ticket(session, pipeline.profile, ticket.number or "", assignee.key, "已疏通下水道", MONDAY_10AM)
    async with sessions() as session:
        [notice] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ticket_closed"))).all()
        ticket = await session.get_one(Ticket, ticket.id)
    assert notice.resident_id == ticket.resident_id
    resident.last = [TextReply(notice.payload["text"], tuple(Choice(label, payload)
                                                             for label, payload in notice.payload["choices"]))]
    return resident, ticket


SHANGHAI = ZoneInfo("Asia/Shanghai")


async def ratings(sessions: async_sessionmaker[AsyncSession]) -> list[Rating]:
    async with sessions() as session:
        return list((await session.scalars(select(Rating).order_by(Rating.id))).all())


async def staff_told(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[str]:
    async with sessions() as session:
        query = (select(Staff.key).join(OutboxMessage, OutboxMessage.staff_id == Staff.id)
                 .where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
        return list((await session.scalars(query)).all())


async def test_closing_asks_the_resident_and_satisfied_is_stored_for_the_assignee(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-happy")
    assert ticket.status == "closed"
    assert ticket.closed_at == MONDAY_10AM
    assert "已疏通下水道" in resident.last[0].text

    await play(resident, """
        居民: [满意]
        助手: 谢谢您的评价
        居民: 满意
        助手: 已经评价过了
    """)

    [rating] = await ratings(sessions)
    assert (rating.ticket_id, rating.staff_id, rating.satisfied) == (ticket.id, ticket.assignee_id, True)
    async with sessions() as session:
        assert (await session.get_one(Ticket, ticket.id)).status == "closed"
        kinds = (await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
                                       .order_by(TicketEvent.id))).all()
    assert list(kinds) == ["created", "assigned", "closed"]


async def test_unsatisfied_reopens_tells_assignee_and_area_lead_and_keeps_the_note(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-unhappy")
    async with sessions() as session:
        assignee = (await session.get_one(Staff, ticket.assignee_id)).key

    await play(resident, """
        居民: [不满意]
        助手: 已重新打开
        助手: 还有什么问题没解决
        居民: 还是堵，水下不去，楼道里还是臭
        助手: 已记下
    """)

    async with sessions() as session:
        reopened = await session.get_one(Ticket, ticket.id)
        [event] = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                                   TicketEvent.kind == "reopened"))).all()
    assert (reopened.status, reopened.closed_at) == ("reopened", None)
    assert event.note == "还是堵，水下不去，楼道里还是臭"
    [rating] = await ratings(sessions)
    assert (rating.satisfied, rating.staff_id, rating.comment) == (False, ticket.assignee_id, event.note)
    area_lead = next(a.lead for a in profile.communities["baiyang"].areas if a.name == "东一片")
    assert await staff_told(sessions, "ticket_reopened") == [assignee, area_lead]
    assert await staff_told(sessions, "ticket_reopen_note") == [assignee, area_lead]


async def test_a_reopened_ticket_gets_a_new_deadline_and_new_escalations(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-reopen-late")
    first_due = ticket.due_at
    clock.set(datetime(2026, 11, 27, 10, tzinfo=SHANGHAI))  # Friday, after the first deadline (Wednesday)

    await play(resident, """
        居民: [不满意]
        助手: 已重新打开
    """)

    async with sessions() as session:
        reopened = await session.get_one(Ticket, ticket.id)
        jobs = (await session.scalars(select(ScheduledJob).where(ScheduledJob.subject_id == ticket.id,
                                                                 ScheduledJob.args["due_at"].as_string()
                                                                 == reopened.due_at.isoformat()))).all()
    assert first_due.astimezone(SHANGHAI) == datetime(2026, 11, 25, 17, 30, tzinfo=SHANGHAI)
    assert reopened.due_at.astimezone(SHANGHAI) == datetime(2026, 12, 1, 17, 30, tzinfo=SHANGHAI)  # Mon, Tue
    assert sorted(job.kind for job in jobs) == ["ticket_due_soon", "ticket_overdue_lead", "ticket_overdue_secretary"]


@pytest.mark.parametrize("words", ["下水道还是堵 水根本下不去", "还是不行啊 又堵了 你们到底通了没有"])
async def test_the_problem_said_not_fixed_after_closing_reopens_the_ticket(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], words: str) -> None:
    """Words saying the drain is still blocked, typed after the close notice instead of pressing 不满意 (a new
    report or a question to the classifier), asked where the blockage is and filed a second ticket."""
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-still-blocked")

    await play(resident, f"""
        居民: {words}
        助手: 已重新打开
        助手: !请问是在
    """)

    async with sessions() as session:
        [reopened] = (await session.scalars(select(Ticket))).all()
    [rating] = await ratings(sessions)
    assert (reopened.id, reopened.status) == (ticket.id, "reopened")
    assert (rating.satisfied, rating.comment) == (False, words)


async def test_asking_after_a_report_closed_lately_shows_it_closed_and_not_fixed_words_then_reopen_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    """「我那个下水道的事怎么样了」 the day after it was closed got 「您目前没有正在办理的事项」 and a new report of
    the drain; 「还是堵」 then answered where the new one was asked."""
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-asks-after-closed")
    clock.set(datetime(2026, 11, 24, 9, tzinfo=SHANGHAI))  # the next day

    await play(resident, f"""
        居民: 我那个下水道的事怎么样了
        助手: {ticket.number} 下水道堵塞：11月23日 10:00办结
        助手: 如果问题还没解决
        助手: !没有正在办理
        助手: !请问是在
        居民: 还是堵 水根本下不去
        助手: 已重新打开
    """)
    await play(resident, """
        居民: 我那个下水道的事怎么样了
        助手: 您有1件正在办理的事项
    """)


async def test_another_problem_asked_after_as_a_report_closed_lately_is_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    resident, _ = await reported_and_closed(pipeline, sessions, "r-lift-after-drain")
    clock.set(datetime(2026, 11, 24, 9, tzinfo=SHANGHAI))

    await play(resident, """
        居民: 电梯停了好几天了 啥时候能修好
        助手: !已经办结
        助手: 几栋几单元
    """)


async def test_asking_after_a_report_closed_long_ago_finds_nothing_in_hand(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    resident, _ = await reported_and_closed(pipeline, sessions, "r-asks-long-after")
    clock.set(datetime(2026, 12, 7, 10, tzinfo=SHANGHAI))  # two weeks after it was closed

    await play(resident, """
        居民: 我反映的问题处理得怎么样了
        助手: 您目前没有正在办理的事项
        助手: !已经办结
    """)


async def test_the_problem_said_not_fixed_once_rated_satisfied_is_a_new_report(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-blocked-again")
    await play(resident, """
        居民: [满意]
        助手: 谢谢您的评价
        居民: 3栋2单元的下水道又堵了
        助手: !已重新打开
    """)

    async with sessions() as session:
        assert (await session.get_one(Ticket, ticket.id)).status == "closed"


async def test_the_problem_said_not_fixed_long_after_closing_is_a_new_report(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-blocked-much-later")
    clock.set(datetime(2026, 12, 7, 10, tzinfo=SHANGHAI))  # two weeks after it was closed
    await play(resident, """
        居民: 3栋2单元的下水道又堵了
        助手: !已重新打开
    """)

    async with sessions() as session:
        assert (await session.get_one(Ticket, ticket.id)).status == "closed"


async def test_typed_unsatisfied_with_the_reason_reopens_without_asking_again(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident, ticket = await reported_and_closed(pipeline, sessions, "r-typed")

    await play(resident, """
        居民: 不满意，问题没解决，楼道里还是一股臭味
        助手: 已记下
        助手: !还有什么问题没解决
    """)

    [rating] = await ratings(sessions)
    assert rating.satisfied is False
    assert rating.comment == "不满意，问题没解决，楼道里还是一股臭味"
    async with sessions() as session:
        assert (await session.get_one(Ticket, ticket.id)).status == "reopened"


async def test_feedback_with_nothing_closed_says_so(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-nothing"), """
        居民: 很满意
        助手: 没有待评价
    """)


async def test_only_the_assignee_or_a_supervisor_closes_and_only_once(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-guard"), f"居民: {DRAIN}")
    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    number = ticket.number or ""

    async with sessions() as session, session.begin():
        with pytest.raises(PermissionDenied):
            await close_ticket(session, pipeline.profile, number, "by-win-01", "-", MONDAY_10AM)
        with pytest.raises(TicketNotFoundError):
            await close_ticket(session, pipeline.profile, "GD20261123-9999", "by-sec-01", "-", MONDAY_10AM)
        await close_ticket(session, pipeline.profile, number, "by-sec-01", "已处理", MONDAY_10AM)
        with pytest.raises(TicketStateError):
            await close_ticket(session, pipeline.profile, number, "by-sec-01", "-", MONDAY_10AM)


def test_ticket_close_command_asks_the_resident(tmp_path: Path, nlu_model: Path) -> None:
    database = tmp_path / "close.db"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{database}", "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]', "FRONTDOOR_NLU_MODEL": str(nlu_model), "COLUMNS": "200"}
    frontdoor("db", "upgrade", env=env)
    chat = frontdoor("chat", "--as", "t-close", "--community", "baiyang", env=env, stdin=f"{DRAIN}\n")
    found = re.search(r"GD\d{8}-\d{4}", chat.stdout)
    assert found is not None, chat.stdout

    refused = frontdoor("ticket", "close", found.group(0), "--staff", "by-win-01", "--result", "x", env=env)
    closed = frontdoor("ticket", "close", found.group(0), "--staff", "by-sec-01", "--result", "已疏通", env=env)

    assert refused.returncode == 1
    assert "permission_denied" in refused.stderr
    assert closed.returncode == 0, closed.stderr
    with sqlite3.connect(database) as connection:
        [(status,)] = connection.execute("SELECT status FROM tickets").fetchall()
        [(payload,)] = connection.execute("SELECT payload FROM outbox WHERE kind = 'ticket_closed'").fetchall()
    assert status == "closed"
    assert "/feedback_satisfied" in payload
    assert "/feedback_unsatisfied" in payload


def test_ticket_close_says_the_resident_cannot_be_reached_when_no_account_can_receive(
        tmp_path: Path, nlu_model: Path) -> None:
    database = tmp_path / "unreached.db"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{database}", "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]', "FRONTDOOR_NLU_MODEL": str(nlu_model), "COLUMNS": "300"}
    frontdoor("db", "upgrade", env=env)
    numbers = []
    for sender in ("t-here", "t-gone"):
        chat = frontdoor("chat", "--as", sender, "--community", "baiyang", env=env, stdin=f"{DRAIN}\n")
        found = re.search(r"GD\d{8}-\d{4}", chat.stdout)
        assert found is not None, chat.stdout
        numbers.append(found.group(0))
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE channel_identities SET active = 0 WHERE external_id = 't-gone'")
        connection.execute("UPDATE residents SET phone = '13800001111' WHERE id = "
                           "(SELECT resident_id FROM channel_identities WHERE external_id = 't-gone')")

    reached = frontdoor("ticket", "close", numbers[0], "--staff", "by-sec-01", "--result", "已疏通", env=env)
    unreached = frontdoor("ticket", "close", numbers[1], "--staff", "by-sec-01", "--result", "已疏通", env=env)

    assert "asking the resident whether they are satisfied is queued for terminal" in reached.stdout
    assert "cannot receive" not in reached.stdout
    assert "the resident cannot receive messages" in unreached.stdout
    assert "13800001111" in unreached.stdout
    assert "queued" not in unreached.stdout
