"""Stopping a ticket's clock while the office waits, and starting it again: the deadline moves on by the working
time paused, nothing chases a paused ticket, the resident is told why and what is needed, and their answer (words
or a photo) starts the clock again. Judged on the stored rows, on both databases."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.errors import TicketStateError
from bot.core.messages import InboundMessage, Photo
from bot.office.pauses import pause_ticket, resume_by_staff
from bot.office.staff_desk import StaffDesk
from bot.office.ticket_actions import close_ticket
from storage.models import Attachment, OutboxMessage, ScheduledJob, Staff, Ticket, TicketEvent
from storage.profile import Profile
from tests.bot.transcript import Resident, play
from tests.conftest import MONDAY_10AM, HandClock

Sessions = async_sessionmaker[AsyncSession]
SHANGHAI = ZoneInfo("Asia/Shanghai")
DRAIN = "3栋2单元楼道里的下水道堵了，臭了好几天"
"""public_service at the community: 2 working days, so filed Monday 10:00 it is due Wednesday 17:30."""
WEDNESDAY_CLOSING = datetime(2026, 11, 25, 17, 30, tzinfo=SHANGHAI)
ALERTS = ("ticket_due_soon", "ticket_overdue_lead", "ticket_overdue_secretary")


async def reported(pipeline: Pipeline, sender: str = "r-pause") -> tuple[Resident, Ticket, str]:
    """The resident's ticket and its assignee's staff key."""
    resident = Resident(pipeline, sender)
    await play(resident, f"居民: {DRAIN}\n助手: 已登记")
    async with pipeline.sessions() as session:
        ticket = (await session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1))).one()
        assignee = await session.get_one(Staff, ticket.assignee_id)
    assert ticket.due_at == WEDNESDAY_CLOSING
    return resident, ticket, assignee.key


async def pause(pipeline: Pipeline, number: str, staff_key: str, reason: str, at: datetime,
                note: str = "") -> None:
    async with pipeline.sessions() as session, session.begin():
        await pause_ticket(session, pipeline.profile, number, staff_key, reason, note, at)


async def ticket_now(sessions: Sessions, ticket_id: int) -> Ticket:
    async with sessions() as session:
        return await session.get_one(Ticket, ticket_id)


async def alert_jobs(sessions: Sessions, ticket_id: int) -> list[tuple[str, str, bool]]:
    """(kind, the deadline it was set for, still to run) of the ticket's reminder and escalation jobs."""
    async with sessions() as session:
        jobs = (await session.scalars(select(ScheduledJob).where(ScheduledJob.subject_id == ticket_id,
                                                                 ScheduledJob.kind.in_(ALERTS))
                                      .order_by(ScheduledJob.id))).all()
    return [(job.kind, job.args["due_at"], job.done_at is None) for job in jobs]


async def messages(sessions: Sessions, kind: str) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                            .order_by(OutboxMessage.id))).all())


async def test_a_paused_ticket_s_deadline_moves_by_the_working_time_paused(
        pipeline: Pipeline, sessions: Sessions) -> None:
    _, ticket, assignee = await reported(pipeline)
    await pause(pipeline, ticket.number or "", assignee, "other_office",
                datetime(2026, 11, 23, 14, 0, tzinfo=SHANGHAI))
    paused = await ticket_now(sessions, ticket.id)
    assert (paused.pause_reason, paused.due_at) == ("other_office", WEDNESDAY_CLOSING)
    assert all(not pending for _, _, pending in await alert_jobs(sessions, ticket.id))  # nothing chases it

    async with sessions() as session, session.begin():
        await resume_by_staff(session, pipeline.profile, ticket.number or "", assignee,
                              datetime(2026, 11, 24, 11, 0, tzinfo=SHANGHAI))

    # Monday 14:00-17:30 and Tuesday 08:30-11:00: six working hours, the evening not counted; Wednesday's
    # closing moved on by six office hours is Thursday 14:30.
    resumed = await ticket_now(sessions, ticket.id)
    assert resumed.due_at == datetime(2026, 11, 26, 14, 30, tzinfo=SHANGHAI)
    assert resumed.paused_at is None
    pending = [(kind, due) for kind, due, to_run in await alert_jobs(sessions, ticket.id) if to_run]
    assert pending == [(kind, resumed.due_at.isoformat()) for kind in ALERTS]


async def test_a_pause_over_a_weekend_moves_nothing_and_a_pause_over_a_holiday_week_only_its_working_days(
        pipeline: Pipeline, sessions: Sessions) -> None:
    _, ticket, assignee = await reported(pipeline)
    friday_evening, monday_morning = (datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI),
                                      datetime(2026, 11, 30, 8, 0, tzinfo=SHANGHAI))
    await pause(pipeline, ticket.number or "", assignee, "other_office", friday_evening)
    async with sessions() as session, session.begin():
        await resume_by_staff(session, pipeline.profile, ticket.number or "", assignee, monday_morning)
    assert (await ticket_now(sessions, ticket.id)).due_at == WEDNESDAY_CLOSING


async def test_the_resident_is_told_why_and_their_answer_starts_the_clock_again(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    resident, ticket, assignee = await reported(pipeline)
    await pause(pipeline, ticket.number or "", assignee, "resident", datetime(2026, 11, 23, 15, 0, tzinfo=SHANGHAI),
                note="需要进屋看主管道")

    [told] = await messages(sessions, "ticket_paused")
    assert told.resident_id == ticket.resident_id
    for words in ("暂停计时", "等待居民约定时间", "方便在家的时间", "需要进屋看主管道", ticket.number or ""):
        assert words in told.payload["text"]

    clock.set(datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI))  # Tuesday: one working hour paused
    await play(resident, """
        居民: 明天上午我都在家 九点以后来就行
        助手: 已转给
        助手: 继续办理
    """)

    answered = await ticket_now(sessions, ticket.id)
    assert answered.paused_at is None
    # Monday 15:00-17:30 and Tuesday 08:30-09:30 paused: 3.5 office hours after Wednesday's closing.
    assert answered.due_at == datetime(2026, 11, 26, 12, 0, tzinfo=SHANGHAI)
    [card] = await messages(sessions, "ticket_answered")
    assert card.staff_id == ticket.assignee_id
    assert "明天上午我都在家" in card.payload["text"]
    async with sessions() as session:
        kinds = (await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
                                       .order_by(TicketEvent.id))).all()
    assert list(kinds)[-2:] == ["paused", "answered"]  # the answer is what started the clock again


async def test_another_need_breaks_into_the_wait_and_the_clock_stays_stopped(
        pipeline: Pipeline, sessions: Sessions) -> None:
    resident, ticket, assignee = await reported(pipeline, "r-pause-other")
    await pause(pipeline, ticket.number or "", assignee, "materials", datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI))

    await play(resident, """
        居民: 救命 我家着火了
        助手: 119
    """)

    assert (await ticket_now(sessions, ticket.id)).paused_at is not None


async def test_a_photo_answers_a_wait_for_materials(pipeline: Pipeline, sessions: Sessions) -> None:
    _, ticket, assignee = await reported(pipeline, "r-pause-photo")
    await pause(pipeline, ticket.number or "", assignee, "materials", datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI))

    [reply] = await pipeline.handle(InboundMessage("web", "r-pause-photo", "photo-1", "", MONDAY_10AM, "baiyang",
                                                   photo=Photo("media-1", "https://example.cn/p.jpg")))

    assert (ticket.number or "?") in reply.as_plain_text()
    assert (await ticket_now(sessions, ticket.id)).paused_at is None
    async with sessions() as session:
        [photo] = (await session.scalars(select(Attachment))).all()
    assert photo.ticket_id == ticket.id


async def test_a_reason_that_waits_on_another_office_is_not_answered_by_the_resident(
        pipeline: Pipeline, sessions: Sessions) -> None:
    resident, ticket, assignee = await reported(pipeline, "r-pause-office")
    await pause(pipeline, ticket.number or "", assignee, "other_office", datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI))

    await play(resident, "居民: 你好 怎么还没修好啊")

    assert (await ticket_now(sessions, ticket.id)).paused_at is not None


async def test_staff_pause_and_resume_by_command_with_a_reason_word(
        pipeline: Pipeline, sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    _, ticket, _ = await reported(pipeline, "r-pause-desk")
    desk = StaffDesk(sessions, profile, "wecom", clock)
    lead = "baiyang_by_area_01"  # 黎德明, 片长 of 东一片, over building 3
    number = ticket.number or ""

    asked = await desk.answer(lead, f"暂停 {number}")
    assert all(word in asked for word in ("材料", "等待补充材料", "等待其他部门答复"))
    assert (await ticket_now(sessions, ticket.id)).paused_at is None

    paused = await desk.answer(lead, f"暂停 {number} 材料 缺户口本首页")
    again = await desk.answer(lead, f"挂起 {number} 材料")
    assert "已暂停计时（等待补充材料）" in paused
    assert "已经暂停计时" in again
    stopped = await ticket_now(sessions, ticket.id)
    assert stopped.pause_reason == "materials"
    [told] = await messages(sessions, "ticket_paused")
    assert "缺户口本首页" in told.payload["text"]
    assert "材料 缺户口本首页" not in told.payload["text"]

    clock.set(datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI))
    resumed = await desk.answer(lead, f"恢复 {number}")
    assert "已恢复计时" in resumed
    assert (await ticket_now(sessions, ticket.id)).due_at == datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)
    [back] = await messages(sessions, "ticket_resumed")
    assert back.resident_id == ticket.resident_id
    assert "已恢复办理" in back.payload["text"]
    assert "没有暂停" in await desk.answer(lead, f"恢复 {number}")


async def test_closing_a_paused_ticket_counts_it_on_time_by_its_moved_deadline(
        pipeline: Pipeline, sessions: Sessions) -> None:
    _, ticket, assignee = await reported(pipeline, "r-pause-close")
    await pause(pipeline, ticket.number or "", assignee, "other_office", datetime(2026, 11, 24, 8, 30, tzinfo=SHANGHAI))
    closing = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)  # after the first deadline, paused since Tuesday
    async with sessions() as session, session.begin():
        await close_ticket(session, pipeline.profile, ticket.number or "", assignee, "另一部门已修复", closing)
    closed = await ticket_now(sessions, ticket.id)
    assert closed.paused_at is None
    assert closed.closed_at is not None
    assert closed.closed_at <= closed.due_at


async def test_a_reason_the_profile_does_not_have_is_refused(pipeline: Pipeline, sessions: Sessions) -> None:
    _, ticket, assignee = await reported(pipeline, "r-pause-unknown")
    with pytest.raises(TicketStateError):
        await pause(pipeline, ticket.number or "", assignee, "lunch", MONDAY_10AM)
    assert (await ticket_now(sessions, ticket.id)).paused_at is None


async def test_asking_how_it_is_going_or_saying_thanks_is_not_the_answer_awaited(
        pipeline: Pipeline, sessions: Sessions) -> None:
    resident, ticket, assignee = await reported(pipeline, "r-pause-status")
    await pause(pipeline, ticket.number or "", assignee, "materials", datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI))

    await play(resident, f"""
        居民: 好的 谢谢
        居民: 我反映的那个下水道的事办得怎么样了
        助手: {ticket.number} 下水道堵塞：暂停计时（等待补充材料）
    """)

    assert (await ticket_now(sessions, ticket.id)).paused_at is not None
    assert await messages(sessions, "ticket_answered") == []


async def test_a_ticket_resumed_still_overdue_is_not_chased_again_for_what_it_was_chased_for(
        pipeline: Pipeline, sessions: Sessions) -> None:
    _, ticket, assignee = await reported(pipeline, "r-pause-overdue")
    thursday = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)  # the lead was told at Wednesday's closing
    await pause(pipeline, ticket.number or "", assignee, "other_office", thursday)
    async with sessions() as session, session.begin():
        await resume_by_staff(session, pipeline.profile, ticket.number or "", assignee,
                              datetime(2026, 11, 26, 11, 0, tzinfo=SHANGHAI))

    resumed = await ticket_now(sessions, ticket.id)
    assert resumed.due_at == datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)  # moved by the hour, still past
    pending = [kind for kind, _, to_run in await alert_jobs(sessions, ticket.id) if to_run]
    assert pending == ["ticket_overdue_secretary"]  # Friday 09:30: not yet reached before the pause


async def test_those_who_follow_a_paused_ticket_hear_that_it_waits_but_not_the_note_about_another_s_case(
        pipeline: Pipeline, sessions: Sessions) -> None:
    await Resident(pipeline, "r-gate-first").say("东门的路灯不亮了 晚上黑乎乎的")
    await Resident(pipeline, "r-gate-second").say("东门口那个路灯坏了好几天了")
    async with sessions() as session:
        ticket = (await session.scalars(select(Ticket))).one()
        assignee = await session.get_one(Staff, ticket.assignee_id)
    await pause(pipeline, ticket.number or "", assignee.key, "resident", MONDAY_10AM, note="请王阿姨下午在家开门")

    told = {row.resident_id: row.payload["text"] for row in await messages(sessions, "ticket_paused")}
    assert len(told) == 2
    assert "请王阿姨下午在家开门" in told[ticket.resident_id]
    [other] = [text for resident, text in told.items() if resident != ticket.resident_id]
    assert "等待居民约定时间" in other
    assert "王阿姨" not in other
    assert "方便在家的时间" not in other
