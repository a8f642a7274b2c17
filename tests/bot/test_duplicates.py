"""One problem, one ticket: a report of the same category at the same place as an open ticket joins it, every
reporter is told of each step and asked 满意 / 不满意, and staff or the resident can split a report off or merge
two tickets. Judged on the stored rows, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.errors import TicketStateError
from bot.core.messages import Choice, InboundMessage, Photo, TextReply
from bot.office.duplicates import merge_tickets, split_off
from bot.office.ticket_actions import claim_ticket, close_ticket, reopen_by_staff
from bot.privacy.residents import erase_resident
from storage.models import OutboxMessage, Rating, Staff, Ticket, TicketFollower
from storage.profile import Profile
from tests.bot.transcript import Resident, play
from tests.conftest import MONDAY_10AM, HandClock

Sessions = async_sessionmaker[AsyncSession]
SHANGHAI = ZoneInfo("Asia/Shanghai")
GATE_LIGHT = ("东门的路灯不亮了 晚上黑乎乎的", "东门口那个路灯坏了好几天了", "东大门的灯晚上不亮 走路看不清",
              "东门那边路灯坏了 麻烦修一下", "东门岗亭旁边的路灯一直不亮")
"""Five residents' words for one broken light at the east gate (lighting, 东门)."""


async def tickets(sessions: Sessions) -> list[Ticket]:
    async with sessions() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def followers(sessions: Sessions, ticket_id: int) -> list[int]:
    async with sessions() as session:
        return list((await session.scalars(select(TicketFollower.resident_id)
                                           .where(TicketFollower.ticket_id == ticket_id)
                                           .order_by(TicketFollower.id))).all())


async def told(sessions: Sessions, kind: str) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                            .order_by(OutboxMessage.id))).all())


async def five_report_the_gate_light(pipeline: Pipeline, clock: HandClock) -> list[Resident]:
    residents = []
    for number, words in enumerate(GATE_LIGHT):
        clock.set(MONDAY_10AM + timedelta(hours=2 * number))  # within the day
        resident = Resident(pipeline, f"r-gate-{number}")
        await resident.say(words)
        residents.append(resident)
    return residents


async def test_five_reports_of_one_light_make_one_ticket_and_all_five_hear_the_end(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    residents = await five_report_the_gate_light(pipeline, clock)

    [ticket] = await tickets(sessions)
    assert (ticket.category_key, ticket.place) == ("lighting", "东门")
    reporters = await followers(sessions, ticket.id)
    assert len(reporters) == 5
    first = residents[0].last[0].as_plain_text()
    assert "已登记" in first
    for later in residents[1:]:
        said = later.last[0].as_plain_text()
        assert (ticket.number or "?") in said
        assert "已经有居民反映过" in said
        assert [choice.label for choice in later.last[0].choices] == ["不是同一个问题"]
    assert "5 位居民反映" in residents[-1].last[0].as_plain_text()
    alerts = await told(sessions, "ticket_reporters")
    assert {"已有 3 位居民反映"} <= {row.payload["text"].split("同一问题")[0].split("\n")[-1] for row in alerts}
    assert len(alerts) == 2  # at 3 reporters: the assignee and the area lead

    async with sessions() as session, session.begin():
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await claim_ticket(session, pipeline.profile, ticket.number or "", assignee.key, clock())
        await close_ticket(session, pipeline.profile, ticket.number or "", assignee.key, "已更换灯泡", clock())
    assert sorted(row.resident_id or 0 for row in await told(sessions, "ticket_claimed")) == sorted(reporters)
    closing = await told(sessions, "ticket_closed")
    assert sorted(row.resident_id or 0 for row in closing) == sorted(reporters)
    assert all([label for label, _ in row.payload["choices"]] == ["满意", "不满意"] for row in closing)

    for resident, row in zip(residents, sorted(closing, key=lambda r: r.resident_id or 0), strict=True):
        resident.last = [TextReply(row.payload["text"], tuple(Choice(*c) for c in row.payload["choices"]))]
        await play(resident, "居民: [满意]\n助手: 谢谢您的评价")
    async with sessions() as session:
        rated = (await session.scalars(select(Rating.resident_id).where(Rating.ticket_id == ticket.id))).all()
    assert sorted(rated) == sorted(reporters)


async def test_another_place_or_another_category_makes_its_own_ticket(
        pipeline: Pipeline, sessions: Sessions) -> None:
    await Resident(pipeline, "r-east").say("东门的路灯不亮了 晚上黑乎乎的")
    await Resident(pipeline, "r-south").say("南门的路灯不亮了 晚上黑乎乎的")
    await Resident(pipeline, "r-litter").say("东门那里垃圾堆了好几天没人清 臭得很")

    found = await tickets(sessions)
    assert [(t.category_key, t.place) for t in found] == [("lighting", "东门"), ("lighting", "南门"),
                                                          ("sanitation", "东门")]


async def test_a_report_after_the_window_or_after_closing_makes_a_new_ticket(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    await Resident(pipeline, "r-early").say(GATE_LIGHT[0])
    clock.set(MONDAY_10AM + timedelta(days=4))  # the window for lighting is 3 days
    await Resident(pipeline, "r-late").say(GATE_LIGHT[1])
    assert len(await tickets(sessions)) == 2


async def test_reporting_one_s_own_problem_again_adds_no_follower(pipeline: Pipeline, sessions: Sessions) -> None:
    resident = Resident(pipeline, "r-twice")
    await resident.say(GATE_LIGHT[0])
    await resident.say(GATE_LIGHT[1])
    [ticket] = await tickets(sessions)
    assert "您已经反映过这个问题了" in resident.last[0].as_plain_text()
    assert len(await followers(sessions, ticket.id)) == 1


async def test_a_resident_who_says_it_is_another_problem_gets_a_ticket_of_their_own(
        pipeline: Pipeline, sessions: Sessions) -> None:
    await Resident(pipeline, "r-first").say(GATE_LIGHT[0])
    second = Resident(pipeline, "r-other")
    await play(second, f"""
        居民: {GATE_LIGHT[1]}
        助手: 已经有居民反映过
        居民: [不是同一个问题]
        助手: 已为您单独登记
    """)
    first, own = await tickets(sessions)
    assert (own.category_key, own.place, own.description) == ("lighting", "东门", GATE_LIGHT[1])
    assert (own.number or "?") in second.last[0].as_plain_text()
    assert len(await followers(sessions, first.id)) == 1
    assert len(await followers(sessions, own.id)) == 1


async def test_staff_merge_two_tickets_and_split_a_report_off(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    await Resident(pipeline, "r-gate").say(GATE_LIGHT[0])
    await Resident(pipeline, "r-road").say("东围墙外的路上路灯不亮了")
    kept, merged = await tickets(sessions)
    secretary = "by-sec-01"
    moment = datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)

    async with sessions() as session, session.begin():
        await merge_tickets(session, pipeline.profile, merged.number or "", kept.number or "", secretary, moment)
    gone, after = (await tickets(sessions))[1], await followers(sessions, kept.id)
    assert (gone.status, gone.merged_into_id) == ("closed", kept.id)
    assert after == [kept.resident_id, merged.resident_id]
    [note] = await told(sessions, "ticket_merged")
    assert note.resident_id == merged.resident_id
    assert kept.number in note.payload["text"]
    assert not await told(sessions, "ticket_closed")  # merged is not solved: nobody is asked to rate it

    async with sessions() as session, session.begin():
        opened = await split_off(session, pipeline.profile, kept.number or "", merged.resident_id, moment, secretary)
    assert await followers(sessions, kept.id) == [kept.resident_id]
    assert await followers(sessions, opened.ticket.id) == [merged.resident_id]
    assert opened.ticket.description == "东围墙外的路上路灯不亮了"
    async with sessions() as session:
        open_count = await session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status != "closed"))
    assert open_count == 2


async def test_one_unit_s_lift_is_not_the_next_unit_s(pipeline: Pipeline, sessions: Sessions) -> None:
    await Resident(pipeline, "r-lift-1").say("3栋1单元的电梯坏了 停在五楼不动了")
    await Resident(pipeline, "r-lift-2").say("3栋2单元的电梯坏了 按了没反应")
    await Resident(pipeline, "r-lift-3").say("3栋1单元电梯又停了 我住702 爬不上去")
    first, second = await tickets(sessions)
    assert (first.unit, second.unit) == ("1", "2")
    assert len(await followers(sessions, first.id)) == 2  # 702 lives in unit 1: the same lift as the first


async def test_a_photo_goes_with_the_ticket_just_joined(pipeline: Pipeline, sessions: Sessions) -> None:
    await Resident(pipeline, "r-gate-owner").say(GATE_LIGHT[0])
    joiner = Resident(pipeline, "r-own-noise")
    await joiner.say("楼上天天半夜蹦迪 吵得睡不着 5栋3单元")
    await joiner.say(GATE_LIGHT[1])
    gate, _ = await tickets(sessions)

    [reply] = await pipeline.handle(InboundMessage("web", "r-own-noise", "photo-gate", "", MONDAY_10AM, "baiyang",
                                                   photo=Photo("media-gate")))

    assert (gate.number or "?") in reply.as_plain_text()


async def test_a_closed_ticket_cannot_be_split_and_a_merged_one_cannot_be_reopened(
        pipeline: Pipeline, sessions: Sessions) -> None:
    await Resident(pipeline, "r-gate-a").say(GATE_LIGHT[0])
    late = Resident(pipeline, "r-gate-b")
    await late.say(GATE_LIGHT[1])
    await Resident(pipeline, "r-road-a").say("东围墙外的路上路灯不亮了")
    gate, road = await tickets(sessions)
    moment = datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)
    async with sessions() as session, session.begin():
        await merge_tickets(session, pipeline.profile, road.number or "", gate.number or "", "by-sec-01", moment)
        assignee = await session.get_one(Staff, gate.assignee_id)
        await close_ticket(session, pipeline.profile, gate.number or "", assignee.key, "已更换灯泡", moment)

    await play(late, "居民: [不是同一个问题]\n助手: 没有找到可以单独登记的事项")
    async with sessions() as session, session.begin():
        with pytest.raises(TicketStateError):
            await reopen_by_staff(session, pipeline.profile, road.number or "", "by-sec-01", "又坏了", moment)
    assert len(await tickets(sessions)) == 2


async def test_erasing_the_first_reporter_hands_a_shared_ticket_to_the_next(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    await Resident(pipeline, "r-erased").say("东门的路灯不亮了 我是3栋2单元501的王秀英 电话13912345678")
    await Resident(pipeline, "r-heir").say(GATE_LIGHT[1])
    [ticket] = await tickets(sessions)
    erased, heir = await followers(sessions, ticket.id)

    async with sessions() as session, session.begin():
        await erase_resident(session, profile, erased, MONDAY_10AM + timedelta(days=1))

    [kept] = await tickets(sessions)
    assert (kept.resident_id, kept.description, kept.status) == (heir, GATE_LIGHT[1], "open")
    assert await followers(sessions, ticket.id) == [heir]
    async with sessions() as session:
        texts = [row.payload.get("text", "") for row in (await session.scalars(select(OutboxMessage))).all()]
    assert not any("王秀英" in text or "13912345678" in text or "5678" in text for text in texts)


async def test_after_joining_a_report_asking_if_anyone_deals_with_it_shows_how_it_goes_and_a_place_moves_nothing(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    """「你们管不管啊」 after 「这个问题已经有居民反映过了」 opened a second report's form; and the joined ticket,
    another resident's, is not the follower's to move."""
    await Resident(pipeline, "r-first").say(GATE_LIGHT[0])
    clock.set(MONDAY_10AM + timedelta(hours=1))
    await play(Resident(pipeline, "r-joins"), f"""
        居民: {GATE_LIGHT[1]}
        助手: 已经有居民反映过了
        居民: 你们管不管啊
        助手: 正在办理
        助手: !遇到了什么问题
    """)
    await play(Resident(pipeline, "r-joins-and-moves"), f"""
        居民: {GATE_LIGHT[2]}
        助手: 已经有居民反映过了
        居民: 不对 是南门
        助手: !地点改为
    """)

    [ticket] = [t for t in await tickets(sessions) if t.category_key == "lighting"][:1]
    assert ticket.place == "东门"
