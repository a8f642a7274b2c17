"""公示: published with 「我有异议」 to its audience, objections taken as tickets due when the window ends, the
window closing by itself with its result published; names are a warning, ID numbers and private details a
refusal. Through the real pipeline and scheduler, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.errors import NoticeStateError
from bot.core.messages import Choice, TextReply
from bot.notices.publicity import (
    CLOSE_JOB,
    PublicityContentError,
    PublicityInput,
    close_publicity,
    create_publicity,
    list_publicities,
    publish_outcome,
    publish_publicity,
)
from bot.office.objections import objections_of
from bot.privacy.residents import erase_resident, export_resident
from bot.workers.scheduler import Scheduler
from storage.models import Community, Notice, Objection, OutboxMessage, Publicity, ScheduledJob, Staff, Ticket
from tests.bot.transcript import Resident, play
from tests.conftest import HandClock
from tests.subscribers import seed_subscribers

Sessions = async_sessionmaker[AsyncSession]
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
WINDOW_END = datetime(2026, 11, 30, 0, 0, tzinfo=SHANGHAI)
"""7 days from Monday 23 November: the window takes in Sunday 29 November and ends at midnight after it."""
DIBAO = PublicityInput(subject="dibao", title="2026年第四季度新增低保对象", area_keys=["a1"],
                       body="经入户调查、民主评议，拟新增低保对象3户：张建国、李秀英、王小明。")


async def published(pipeline: Pipeline, clock: HandClock, data: PublicityInput = DIBAO) -> Publicity:
    clock.set(MONDAY_9AM)
    async with pipeline.sessions() as session, session.begin():
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        secretary = (await session.scalars(select(Staff).where(Staff.role == "secretary",
                                                               Staff.community_id == community.id))).first()
        draft = await create_publicity(session, pipeline.profile, community, data, secretary, MONDAY_9AM)
        await publish_publicity(session, pipeline.profile, draft.publicity, MONDAY_9AM)
        return draft.publicity


def shown(resident: Resident, message: OutboxMessage, notice: Notice) -> None:
    """The notice on the resident's screen, with its buttons."""
    resident.last = [TextReply(notice.body or "", tuple(Choice(*c) for c in message.payload["choices"]))]


async def delivery_to(sessions: Sessions, resident_id: int) -> tuple[OutboxMessage, Notice]:
    async with sessions() as session:
        row = (await session.scalars(select(OutboxMessage).where(OutboxMessage.resident_id == resident_id,
                                                                 OutboxMessage.kind == "notice")
                                     .order_by(OutboxMessage.id.desc()))).first()
        assert row is not None
        assert row.notice_id is not None
        return row, await session.get_one(Notice, row.notice_id)


async def test_an_objection_in_the_window_opens_a_ticket_due_at_its_end_with_a_receipt(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    async with sessions() as session, session.begin():
        [subscriber] = await seed_subscribers(session, "baiyang", "announcements", 1, channel="web",
                                              buildings=["3"])
    publicity = await published(pipeline, clock)
    row, notice = await delivery_to(sessions, subscriber)
    assert "【公示】2026年第四季度新增低保对象" in (notice.body or "")
    assert "11月23日至11月29日" in (notice.body or "")
    assert row.payload["choices"][0][0] == "我有异议"

    clock.set(MONDAY_9AM + timedelta(days=3))
    resident = Resident(pipeline, "5000000")
    shown(resident, row, notice)
    await play(resident, """
        居民: [我有异议]
        助手: 对哪一项有意见、理由是什么
        居民: 王小明家去年刚买了一辆新车，儿子在外地开公司，不符合低保条件
        助手: 留下姓名和电话
        居民: [匿名提交]
        助手: 已匿名提交
        助手: 11月29日
    """)

    async with sessions() as session:
        [objection] = (await session.scalars(select(Objection))).all()
        ticket = await session.get_one(Ticket, objection.ticket_id)
        assignee = await session.get_one(Staff, ticket.assignee_id)
    assert objection.publicity_id == publicity.id
    assert (objection.name, objection.phone) == (None, None)
    assert ticket.category_key == "publicity_objection"
    assert ticket.due_at == WINDOW_END
    assert "新车" in ticket.description
    assert assignee.role == "secretary"
    assert ticket.number is not None
    assert ticket.number in "\n".join(r.as_plain_text() for r in resident.last)


async def test_an_objection_said_in_chat_with_a_name_and_phone_is_kept_with_them(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    await published(pipeline, clock)
    clock.set(MONDAY_9AM + timedelta(days=1))
    await play(Resident(pipeline, "r-chat"), """
        居民: 我对低保公示有意见
        助手: 《2026年第四季度新增低保对象》
        居民: 李秀英家有两套房子在出租，怎么能吃低保
        助手: 留下姓名和电话
        居民: [留下姓名电话]
        助手: 姓名和手机号
        居民: 周桂芳 13912345678
        助手: 异议已收到
    """)
    async with sessions() as session:
        [objection] = (await session.scalars(select(Objection))).all()
    assert (objection.name, objection.phone) == ("周桂芳", "13912345678")


async def test_an_objection_after_the_window_is_told_it_closed_and_what_to_do_instead(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    publicity = await published(pipeline, clock)
    clock.set(WINDOW_END + timedelta(hours=2))
    await Scheduler(pipeline.sessions, pipeline.profile, clock=clock).run_due()
    resident = Resident(pipeline, "r-late")
    await play(resident, """
        居民: 低保公示我有意见 凭什么王小明能评上
        助手: 公示期已于11月29日结束
        助手: 反映问题
        助手: 转人工
    """)
    pressed = Resident(pipeline, "r-late-button")
    await pressed.say(f'/publicity_objection{{"publicity": "{publicity.id}"}}')
    assert "公示期已于11月29日结束" in pressed.last[0].as_plain_text()
    async with sessions() as session:
        assert (await session.scalars(select(Objection))).all() == []


async def test_the_window_closes_by_itself_and_publishes_the_result(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    async with sessions() as session, session.begin():
        [subscriber] = await seed_subscribers(session, "baiyang", "announcements", 1, channel="web",
                                              buildings=["3"])
    publicity = await published(pipeline, clock)
    scheduler = Scheduler(pipeline.sessions, pipeline.profile, clock=clock)
    clock.set(WINDOW_END - timedelta(minutes=1))
    await scheduler.run_due()
    async with sessions() as session:
        assert (await session.get_one(Publicity, publicity.id)).stage == "open"

    clock.set(WINDOW_END)
    await scheduler.run_due()

    async with sessions() as session:
        closed = await session.get_one(Publicity, publicity.id)
        job = (await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == CLOSE_JOB))).one()
    assert closed.stage == "closed"
    assert job.done_at is not None
    _, result = await delivery_to(sessions, subscriber)
    assert result.id == closed.result_notice_id
    assert "【公示结果】2026年第四季度新增低保对象" in (result.body or "")
    assert "未收到异议" in (result.body or "")


async def test_a_result_with_objections_says_how_many_and_how_they_were_handled(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    publicity = await published(pipeline, clock)
    clock.set(MONDAY_9AM + timedelta(days=2))
    await play(Resident(pipeline, "r-obj"), """
        居民: 对低保公示有意见 张建国家的孩子都工作了 收入不低
        助手: 留下姓名和电话
        居民: 不用了
        助手: 已匿名提交
    """)
    async with sessions() as session, session.begin():
        publicity = await session.get_one(Publicity, publicity.id, with_for_update=True)
        [row] = await objections_of(session, publicity.id)
        result = await close_publicity(session, pipeline.profile, publicity, MONDAY_9AM + timedelta(days=6),
                                       "经入户核实，该户子女已分户另住，符合条件，维持原公示结果。")
        listed = await list_publicities(session, None)
    assert row.ticket.category_key == "publicity_objection"
    assert "共收到1条异议" in (result.body or "")
    assert "维持原公示结果" in (result.body or "")
    assert [(r.publicity.id, r.objections) for r in listed] == [(publicity.id, 1)]


@pytest.mark.parametrize(("body", "kind"), [
    ("拟新增低保对象：张建国，身份证号330102195001011234。", "id_number"),
    ("拟新增低保对象：李秀英，3栋2单元501室。", "room"),
    ("拟新增低保对象：王小明（尿毒症，长期透析）。", "forbidden_term"),
    ("拟新增低保对象：赵德胜，家庭月收入800元。", "forbidden_term"),
    ("我叫张建国，身份证号330102195001011234，申请低保。", "id_number"),
])
async def test_a_publicity_with_private_details_is_refused(pipeline: Pipeline, sessions: Sessions,
                                                           body: str, kind: str) -> None:
    async with sessions() as session, session.begin():
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        with pytest.raises(PublicityContentError) as refused:
            await create_publicity(session, pipeline.profile, community,
                                   PublicityInput(subject="dibao", title="新增低保对象", body=body), None, MONDAY_9AM)
    assert refused.value.kind == kind


async def test_names_in_a_publicity_are_shown_to_staff_as_a_warning(pipeline: Pipeline, sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        award = await create_publicity(session, pipeline.profile, community, DIBAO, None, MONDAY_9AM)
        plan = await create_publicity(session, pipeline.profile, community, PublicityInput(
            subject="project", title="东门改造方案", body="东门拟拓宽为双向通行，工期30天。"), None, MONDAY_9AM)
    assert award.names == ["张建国", "李秀英", "王小明"]
    assert award.names_expected
    assert plan.names == []
    assert not plan.names_expected


async def test_erasing_an_objector_removes_the_name_and_phone_they_left(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    await published(pipeline, clock)
    clock.set(MONDAY_9AM + timedelta(days=1))
    await play(Resident(pipeline, "r-erase"), """
        居民: 对低保名单有意见 王小明家在外面还有门面房出租
        助手: 留下姓名和电话
        居民: 孙立新 13712345678
        助手: 异议已收到
    """)
    async with sessions() as session, session.begin():
        objection = (await session.scalars(select(Objection))).one()
        ticket = await session.get_one(Ticket, objection.ticket_id)
        exported = await export_resident(session, ticket.resident_id)
        await erase_resident(session, pipeline.profile, ticket.resident_id, clock())
    assert exported["objections"][0]["phone"] == "13712345678"
    async with sessions() as session:
        erased = (await session.scalars(select(Objection))).one()
    assert (erased.name, erased.phone) == (None, None)


async def test_objections_still_looked_into_at_the_window_end_get_their_outcome_published_later(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    publicity = await published(pipeline, clock)
    clock.set(MONDAY_9AM + timedelta(days=2))
    await play(Resident(pipeline, "r-pending"), """
        居民: 低保公示我不同意 王小明在外地有工作
        助手: 留下姓名和电话
        居民: [匿名提交]
        助手: 已匿名提交
    """)
    clock.set(WINDOW_END)
    await Scheduler(pipeline.sessions, pipeline.profile, clock=clock).run_due()
    async with sessions() as session, session.begin():
        closed = await session.get_one(Publicity, publicity.id, with_for_update=True)
        pending = await session.get_one(Notice, closed.result_notice_id)
        later = await publish_outcome(session, pipeline.profile, closed, "经入户核实，符合条件，维持原公示结果。",
                                      WINDOW_END + timedelta(days=1))
        with pytest.raises(NoticeStateError):
            await publish_outcome(session, pipeline.profile, closed, "再发一次", WINDOW_END + timedelta(days=2))
    assert "正在逐条核实" in (pending.body or "")
    assert "维持原公示结果" in (later.body or "")
    assert "共收到1条异议" in (later.body or "")


async def test_words_of_objection_with_no_publicity_to_object_to_are_a_complaint_like_any_other(
        pipeline: Pipeline, sessions: Sessions) -> None:
    await play(Resident(pipeline, "r-complaint"), """
        居民: 低保评的不公平 有车的都评上了 我们真困难的没评上
        助手: 已登记您反映的问题
        助手: !公示
    """)
    async with sessions() as session:
        assert (await session.scalars(select(Objection))).all() == []


async def test_a_bare_objection_as_the_notice_asks_objects_to_the_open_publicity(
        pipeline: Pipeline, sessions: Sessions, clock: HandClock) -> None:
    await published(pipeline, clock)
    clock.set(MONDAY_9AM + timedelta(hours=3))
    await play(Resident(pipeline, "r-bare"), """
        居民: 我有异议
        助手: 《2026年第四季度新增低保对象》
        助手: 理由是什么
    """)
