"""report_clue on both databases: anonymous by default, judged on the stored rows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.clues import clue_inbox
from bot.conversation.pipeline import Pipeline
from bot.core.errors import PermissionDenied
from bot.core.messages import InboundMessage
from storage.models import ChannelIdentity, Clue, Conversation, OutboxMessage, ProcessedMessage, Staff, Ticket
from tests.bot.transcript import Resident, play
from tests.conftest import MONDAY_10AM

CLUE = "3栋2单元501最近每天晚上很多陌生人进出，像是传销窝点"


async def clues(sessions: async_sessionmaker[AsyncSession]) -> list[Clue]:
    async with sessions() as session:
        return list((await session.scalars(select(Clue).order_by(Clue.id))).all())


async def staff(sessions: async_sessionmaker[AsyncSession], key: str) -> Staff:
    async with sessions() as session:
        return (await session.scalars(select(Staff).where(Staff.key == key))).one()


async def resident_id(sessions: async_sessionmaker[AsyncSession], sender: str) -> int:
    async with sessions() as session:
        identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == sender))
        assert identity is not None
        return identity.resident_id


async def rows_mentioning(sessions: async_sessionmaker[AsyncSession], needle: str) -> list[str]:
    """Every stored conversation, retry-cache and outbox row whose content contains `needle`."""
    async with sessions() as session:
        found = [f"processed {p.message_id}" for p in await session.scalars(select(ProcessedMessage))
                 if needle in json.dumps(p.replies, ensure_ascii=False)]
        found += [f"conversation {c.resident_id}" for c in await session.scalars(select(Conversation))
                  if needle in json.dumps(c.state, ensure_ascii=False)]
        found += [f"outbox {o.id}" for o in await session.scalars(select(OutboxMessage))
                  if o.resident_id is not None and needle in json.dumps(o.payload, ensure_ascii=False)]
    return found


async def test_anonymous_clue_is_stored_without_the_resident_and_only_police_read_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident = Resident(pipeline, "r-clue")
    await play(resident, f"""
        居民: {CLUE}
        助手: 回执号 XS20261123-
        助手: 匿名
    """)
    [clue] = await clues(sessions)
    assert clue.receipt is not None
    # While the offer to leave contact is open, the state holds a sealed token's key, not the receipt.
    assert await rows_mentioning(sessions, clue.receipt) == []

    await play(resident, """
        居民: [保持匿名]
        助手: 保持匿名
    """)

    [clue] = await clues(sessions)
    assert clue.resident_id is None
    assert clue.contact is None
    assert clue.category == "pyramid"
    assert clue.text == CLUE
    assert clue.receipt is not None
    # Nothing the resident's id is stored with names the receipt or repeats the clue.
    assert await rows_mentioning(sessions, clue.receipt) == []
    assert await rows_mentioning(sessions, "传销窝点") == []
    async with sessions() as session:
        [notice] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "clue_received"))).all()
    assert notice.resident_id is None
    assert notice.staff_id == (await staff(sessions, "by-police-01")).id
    assert CLUE not in notice.payload["text"]

    for key in ("by-sec-01", "by-area-01", "by-win-01"):
        async with sessions() as session:
            with pytest.raises(PermissionDenied):
                await clue_inbox(session, await staff(sessions, key))
    async with sessions() as session:
        [read] = await clue_inbox(session, await staff(sessions, "by-police-01"))
    assert read.text == CLUE


async def test_the_raw_tables_do_not_pair_a_clue_with_its_resident(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """The hostile test's join: the police alert's time and order against the retry cache's rows that hold a
    resident and the clue's words, and the receipt in the conversation. It finds nothing to pair."""
    await play(Resident(pipeline, "r-before"), "居民: 3栋楼道灯坏了，晚上黑灯瞎火的")
    await play(Resident(pipeline, "wx-clue-sender"), f"""
        居民: {CLUE}
        助手: 回执号
    """)
    await play(Resident(pipeline, "r-after"), "居民: 社区几点下班")

    [clue] = await clues(sessions)
    async with sessions() as session:
        [alert] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "clue_received"))).all()
        rows = list(await session.scalars(select(ProcessedMessage)))
        senders = list(await session.scalars(select(ChannelIdentity.external_id)))
        states = [json.dumps(c.state, ensure_ascii=False) for c in await session.scalars(select(Conversation))]
    assert clue.receipt is not None
    assert clue.receipt in alert.payload["text"]
    assert alert.created_at == alert.available_at == clue.created_at  # the local day, not the moment
    paired = [row for row in rows if row.resident_id is not None and (
        abs(row.created_at - alert.created_at).total_seconds() < 1
        or any(word in json.dumps(row.replies, ensure_ascii=False) for word in ("线索", "回执"))
    )]
    assert paired == []
    [clue_turn] = [row for row in rows if row.resident_id is None]
    assert clue_turn.created_at == clue.created_at
    assert [row.message_id for row in rows if any(sender in row.message_id for sender in senders)] == []
    assert [state for state in states if clue.receipt in state] == []


async def test_police_of_another_community_do_not_see_the_clue(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-clue-2"), f"居民: {CLUE}")

    async with sessions() as session:
        assert await clue_inbox(session, await staff(sessions, "qs-police-01")) == []


async def test_leaving_contact_links_the_clue_only_then(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident = Resident(pipeline, "r-contact")
    await play(resident, f"""
        居民: {CLUE}
        助手: 回执号
        居民: [留下联系方式]
        助手: 电话号码
        居民: 电话是1391234
        助手: 号码好像不对
    """)
    [clue] = await clues(sessions)
    assert (clue.resident_id, clue.contact) == (None, None)

    await play(resident, """
        居民: 13912345678
        助手: 民警可能会打电话
    """)

    [clue] = await clues(sessions)
    assert clue.contact == "13912345678"
    assert clue.resident_id == await resident_id(sessions, "r-contact")


async def test_a_wish_to_report_is_asked_what_happened_first(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-short"), """
        居民: 匿名举报一个传销窝点
        助手: 在哪里
        助手: !回执号
        居民: 就在5栋地下室，每天上午有二三十个人上课
        助手: 回执号
    """)

    [clue] = await clues(sessions)
    assert clue.text == "匿名举报一个传销窝点\n就在5栋地下室，每天上午有二三十个人上课"
    assert clue.resident_id is None


async def test_a_retried_delivery_does_not_repeat_the_receipt(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    sent = InboundMessage("wechat", "wx-clue", "msg-1", CLUE, MONDAY_10AM, "baiyang")

    first = await pipeline.handle(sent)
    again = await pipeline.handle(sent)

    [clue] = await clues(sessions)
    assert clue.receipt is not None
    assert clue.receipt in first[0].text
    assert clue.receipt not in again[0].text
    assert "只在第一次回复" in again[0].text


async def test_another_need_after_the_receipt_drops_the_offer_and_is_offered_back(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-next"), f"""
        居民: {CLUE}
        居民: 帮我开个居住证明
        助手: 保持匿名
        居民: [开证明]
        助手: 给谁开
    """)

    [clue] = await clues(sessions)
    assert clue.receipt is not None
    assert await rows_mentioning(sessions, clue.receipt) == []


async def test_a_wish_to_report_is_asked_what_happened_and_where_it_is_said_after_goes_with_the_clue(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident = Resident(pipeline, "r-clue-in-parts")
    await play(resident, """
        居民: 你们好 我想举报个事 但是不想留名字
        助手: 请说说您要提供的线索
        助手: !回执号
        居民: 我们楼下总有人半夜在那赌博 吵得睡不着
        助手: 回执号
        居民: 就在8栋地下室
        助手: 已补充到线索
        居民: [保持匿名]
        助手: 线索保持匿名
    """)

    [clue] = await clues(sessions)
    assert "赌博" in clue.text
    assert "8栋地下室" in clue.text
    assert clue.resident_id is None
    assert clue.receipt is not None
    assert await rows_mentioning(sessions, clue.receipt) == []


async def test_a_report_the_resident_then_wants_nameless_is_the_clue_and_what_follows_goes_with_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「不想留名字」 where the report form asked where the mahjong den is: that story, as a clue (it was asked what
    happened, and the building given next became the whole clue); 「就是15栋1单元一楼」 (to the classifier, a yes)
    and when it goes on are added to it, not taken as a yes to leaving a phone; a new problem is not."""
    await play(Resident(pipeline, "r-nameless"), """
        居民: 我想举报 楼下有人在家里开麻将馆 天天吵到半夜 还有人抽烟
        助手: 几栋几单元
        居民: 不想留名字
        助手: 回执号
        助手: !请说说您要提供的线索
        居民: 就是15栋1单元一楼
        助手: 已补充到线索
        助手: !请留一个电话号码
        居民: 他们一般晚上八点以后开始
        助手: 已补充到线索
        居民: 3栋的路灯坏了
        助手: 编号 GD
    """)

    [clue] = await clues(sessions)
    assert clue.text.split("\n") == ["我想举报 楼下有人在家里开麻将馆 天天吵到半夜 还有人抽烟", "就是15栋1单元一楼",
                                     "他们一般晚上八点以后开始"]
    assert clue.resident_id is None


async def test_where_and_when_said_after_the_clue_stays_anonymous_go_with_it_and_reach_no_one_else(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「12栋」 and 「晚上十点以后」 after 「不想留名」 were not understood twice, then handed to a person at the
    window with the words: the clue's details went to someone not the police, and never reached the clue."""
    await play(Resident(pipeline, "r-more-after"), """
        居民: 我想举报 我们楼有人在家里开赌场 天天晚上好多人进进出出
        助手: 回执号
        居民: 不想留名
        助手: 线索保持匿名
        居民: 12栋
        助手: 已补充到线索
        助手: 仍然是匿名的
        居民: 晚上十点以后
        助手: 已补充到线索
        居民: 就这些
        助手: 线索就是这些了
        助手: !转人工
        居民: 3栋的路灯坏了
        助手: 编号 GD
    """)

    [clue] = await clues(sessions)
    assert clue.text.split("\n")[1:] == ["12栋", "晚上十点以后"]
    assert clue.resident_id is None
    assert await rows_mentioning(sessions, "晚上十点以后") == []


async def test_another_need_after_the_clue_stays_anonymous_is_served_at_once(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-need-after"), """
        居民: 我想举报 我们楼有人在家里开赌场 天天晚上好多人进进出出
        居民: [保持匿名]
        助手: 线索保持匿名
        居民: 我想开个居住证明
        助手: 给谁开
        助手: !要继续吗
    """)


async def test_a_form_put_aside_for_the_clue_is_taken_up_again_once_it_stays_anonymous(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-clue-amid-form"), """
        居民: 开居住证明
        居民: [本人]
        助手: 身份证号
        居民: 对了 我想匿名反映个事 我们楼下那个出租屋天天半夜好多人进出 听着像在打麻将赌钱 在72栋一楼
        助手: 回执号
        居民: [保持匿名]
        助手: 线索保持匿名
        助手: !还有要补充的
        居民: 继续开证明
        助手: 身份证号
    """)


async def test_where_and_when_said_at_length_after_the_clue_stays_anonymous_go_on_the_clue_not_a_report(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「就在45栋2单元 具体哪家不知道 晚上七八点人最多」 after the clue stayed anonymous was filed as a stairwell
    lighting report in the resident's name: the clue's words put to a name, and the clue without its place."""
    await play(Resident(pipeline, "r-clue-where"), """
        居民: 我想举报 我们楼有人好像在搞传销 天天一帮人进进出出的
        助手: 回执号
        居民: 不想留名字
        助手: 直接发给我就行
        居民: 就在45栋2单元 具体哪家不知道 晚上七八点人最多
        助手: 已补充到线索
        助手: !编号 GD
        居民: 没了
        助手: 线索就是这些了
    """)

    [clue] = await clues(sessions)
    assert clue.text.split("\n")[-1] == "就在45栋2单元 具体哪家不知道 晚上七八点人最多"
    assert clue.resident_id is None
    async with sessions() as session:
        assert (await session.scalars(select(Ticket))).all() == []


async def test_asking_what_comes_of_the_clue_is_answered_and_contact_offered_again(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「那你们会去查吗」 after the clue stayed anonymous got 「线索就是这些了」 (a goodbye to the classifier), and
    「查到了会告诉我吗」 then the menu of notices. The police look into it; an anonymous clue's outcome reaches no one,
    so leaving a phone is offered again, and it still works."""
    await play(Resident(pipeline, "r-clue-next"), """
        居民: 我想匿名举报 45栋2单元有人搞传销 天天很多外地人进出
        助手: 回执号
        居民: 不用了
        助手: 线索保持匿名
        居民: 那你们会去查吗
        助手: 民警会去核实处理
        助手: 处理结果不会另外通知
        助手: !线索就是这些了
        居民: 查到了会告诉我吗
        助手: 民警会去核实处理
        助手: !订阅
        居民: [留下联系方式]
        助手: 请留一个电话号码
        居民: 13912345678
        助手: 已把电话和线索
    """)

    [clue] = await clues(sessions)
    assert clue.contact == "13912345678"
    assert clue.text == "我想匿名举报 45栋2单元有人搞传销 天天很多外地人进出"
