"""Words read as a report right after one was filed, naming no place: news of that problem, or another one?
The resident is asked; news goes on the ticket and to its assignee instead of making a second ticket."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.office.additions import ADDED_KIND
from bot.privacy.ticket_purge import quotes_resident
from storage.models import OutboxMessage, Staff, Ticket, TicketEvent, TicketEventKind
from storage.models import Resident as ResidentRow
from tests.bot.transcript import Resident, play

NEWS = "已经流到楼下了 楼下邻居来敲门了 电话13812345678"


async def test_news_of_the_problem_just_filed_goes_on_its_ticket_and_to_its_assignee(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-leak", "qingshui"), f"""
        居民: 我家厨房水管漏水了 水一直往楼下滴
        居民: 12栋1单元301
        助手: 编号 GD
        居民: {NEWS}
        助手: 新情况，还是另一个问题
        居民: [是刚才那个问题的新情况]
        助手: 已把您说的新情况记到 GD
        助手: !请问是在
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        [added] = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
        [card] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == ADDED_KIND))).all()
        assignee = await session.get_one(Staff, ticket.assignee_id)
    assert ticket.category_key == "water_leak"
    assert (added.ticket_id, added.note) == (ticket.id, NEWS)
    assert (card.staff_id, card.ticket_id) == (assignee.id, ticket.id)
    assert ticket.number in card.payload["text"]
    assert "楼下邻居来敲门了" in card.payload["text"]
    assert "13812345678" not in card.payload["text"]


async def test_news_the_classifier_gives_a_quarter_to_emergency_is_still_news_of_the_report_just_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「楼上那家人不在家 电话也打不通」 (emergency 0.28, report 0.70): the emergency does not stand, so the words are
    read as what they are, more about the leak, not a second report asked where it is."""
    await play(Resident(pipeline, "r-leak-unreachable"), """
        居民: 你好我是十六栋的 我家卫生间天花板一直往下滴水 应该是楼上漏的
        助手: 编号 GD
        居民: 1单元302
        助手: 地点改为
        居民: 楼上那家人不在家 电话也打不通
        助手: 新情况，还是另一个问题
        助手: !请问是在
        助手: !110
    """)

    async with sessions() as session:
        assert len((await session.scalars(select(Ticket))).all()) == 1


async def test_another_problem_said_without_a_place_is_reported_as_one(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-two"), """
        居民: 我家厨房水管漏水了 水一直往楼下滴
        居民: 5栋2单元
        助手: 编号 GD
        居民: 楼道灯也坏了 晚上黑乎乎的
        助手: 新情况，还是另一个问题
        居民: [是另一个问题]
        助手: 几栋几单元
        居民: 9栋
        助手: 楼道照明
    """)

    async with sessions() as session:
        tickets = (await session.scalars(select(Ticket).order_by(Ticket.id))).all()
        added = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
    assert [t.category_key for t in tickets] == ["water_leak", "lighting"]
    assert tickets[1].description.startswith("楼道灯也坏了")
    assert added == []


async def test_where_said_in_answer_to_news_or_another_is_news_of_the_report_not_a_second_one(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「没有楼号」 after a report filed at 东门 is asked about; 「就是东门外面靠马路那块空地」 then answers it (the
    report is at 东门, the words only say where there). It filed a second report (违章搭建, at 东门) in the resident's
    name."""
    await play(Resident(pipeline, "r-rubbish-where"), """
        居民: 东门外面那堆垃圾好几天没人清了 臭死了
        助手: 编号 GD
        居民: 没有楼号
        助手: 新情况，还是另一个问题
        居民: 就是东门外面靠马路那块空地
        助手: 已把您说的新情况记到 GD
        助手: !已登记
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        [added] = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
    assert ticket.category_key == "sanitation"
    assert added.note == "没有楼号 就是东门外面靠马路那块空地"


async def test_another_place_said_in_answer_to_news_or_another_is_not_taken_as_news(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-rubbish-elsewhere"), """
        居民: 东门外面那堆垃圾好几天没人清了 臭死了
        助手: 编号 GD
        居民: 没有楼号
        助手: 新情况，还是另一个问题
        居民: 北门那边也是
        助手: !已把您说的新情况记到
    """)

    async with sessions() as session:
        added = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
    assert added == []


async def test_a_place_or_another_matter_after_a_filing_is_not_asked_about(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-place"), """
        居民: 我家厨房水管漏水了 水一直往楼下滴
        居民: 5栋2单元
        助手: 编号 GD
        居民: 还有个事 东门的路灯不亮了
        助手: !新情况，还是另一个问题
        助手: 编号 GD
    """)


async def test_the_unit_and_room_then_words_not_understood_after_a_filing_are_about_that_report(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Filed at 9栋 from 「我住9栋」; then the unit and room, and what the neighbours said: the same report, placed
    exactly, with the news on it, not a menu the second time and a person the third."""
    await play(Resident(pipeline, "r-noise"), """
        居民: 我家楼上装修 天天电钻 中午都不停
        助手: 几栋几单元
        居民: 我住9栋
        助手: 编号 GD
        居民: 3单元402
        助手: 地点改为：白杨社区9栋3单元402室
        居民: 他们说要装一个月
        助手: 新情况，还是另一个问题
        居民: [是刚才那个问题的新情况]
        助手: 已把您说的新情况记到 GD
        居民: 能不能让他们中午别干
        助手: 新情况，还是另一个问题
        居民: [是刚才那个问题的新情况]
        助手: 已把您说的新情况记到 GD
        助手: !转人工
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        added = (await session.scalars(select(TicketEvent.note).where(TicketEvent.kind == TicketEventKind.ADDED)
                                       .order_by(TicketEvent.id))).all()
    assert (ticket.category_key, ticket.unit, ticket.room) == ("noise", "3", "402")
    assert added == ["他们说要装一个月", "能不能让他们中午别干"]


async def test_when_someone_comes_asked_right_after_a_filing_is_answered_with_its_deadline(pipeline: Pipeline) -> None:
    """「什么时候来人看」 right after the leak was filed asks how it goes (the classifier unsure between that and
    anything else): who has it and by when, not whether it is news of the leak."""
    await play(Resident(pipeline, "r-when"), """
        居民: 楼上漏水 把我家天花板都泡了 找他们家没人
        助手: 几栋几单元
        居民: 12栋2单元301
        助手: 编号 GD
        居民: 什么时候来人看
        助手: 您有1件正在办理的事项
        助手: 漏水渗水：待处理
        助手: !新情况，还是另一个问题
    """)


async def test_a_building_answering_which_need_is_where_the_problem_is(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Asked 「反映问题，还是查询进度？」, 「15栋」 says where the problem is: the report, not a second miss (which
    goes to a person)."""
    await play(Resident(pipeline, "r-lamp"), """
        居民: 路灯的事儿咋弄
        助手: 反映问题，还是查询进度
        居民: 15栋
        助手: 编号 GD
        助手: !转人工
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert ticket.description.startswith("路灯的事儿咋弄")


async def test_a_report_or_a_cancelled_booking_from_someone_with_none_is_the_report_and_its_unit_keeps_the_assignee(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Torn between a report and cancelling a booking, for a resident with nothing booked: the report. The unit and
    room then leave it with whoever has it: the bot was unsure of its category, so the area lead re-files it, not
    the building lead."""
    await play(Resident(pipeline, "r-heating"), """
        居民: 俺家那个暖气片不热 都一个礼拜了
        助手: 几栋几单元
        助手: !取消预约
        居民: 17栋
        助手: 东一片片长
        居民: 是三单元的501
        助手: 地点改为：白杨社区17栋3单元501室。承办人不变
        居民: 物业说不归他们管
        助手: 刚才反映的“其他问题”
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        assignee = await session.get_one(Staff, ticket.assignee_id)
        told = (await session.scalars(select(OutboxMessage.staff_id).where(OutboxMessage.kind == "ticket_moved"))).all()
        history = (await session.execute(select(TicketEvent.kind, TicketEvent.note)
                                         .where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))).all()
    assert (ticket.unit, ticket.room, assignee.role) == ("3", "501", "area_lead")
    assert told == [assignee.id]
    assert [kind for kind, _ in history].count(TicketEventKind.ASSIGNED) == 1
    assert (TicketEventKind.PLACED, "白杨社区17栋3单元501室") in history


def test_the_residents_news_and_home_address_on_a_ticket_go_when_it_is_purged() -> None:
    for kind in (TicketEventKind.ADDED, TicketEventKind.PLACED):
        assert quotes_resident(TicketEvent(kind=kind, note="3单元402 电话13812345678", staff_id=None))


async def test_when_the_worker_can_come_after_the_progress_was_shown_goes_to_the_assignee_not_to_a_booking(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「我下午不在家 明天上午来行不行」 after 「处理得怎么样了」 was asked which service to book."""
    words = "我下午不在家 明天上午来行不行"
    await play(Resident(pipeline, "r-home-later"), f"""
        居民: 我家卫生间水管漏水 12栋1单元301
        助手: 编号 GD
        居民: 谢谢
        居民: 我反映的问题处理得怎么样了
        助手: 漏水
        居民: {words}
        助手: 方便的时间记到 GD
        助手: !预约哪项服务
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        [added] = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
        [card] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == ADDED_KIND))).all()
    assert (added.ticket_id, added.note) == (ticket.id, words)
    assert card.staff_id == ticket.assignee_id


async def test_when_the_worker_can_come_right_after_filing_goes_on_the_report(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-home-filed"), """
        居民: 我家卫生间水管漏水 12栋1单元302
        助手: 编号 GD
        居民: 周末家里有人 可以周末来吗
        助手: 方便的时间记到 GD
    """)


async def test_a_time_asked_without_a_report_just_made_or_shown_is_a_booking(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-home-nothing"), """
        居民: 我家卫生间水管漏水 12栋1单元303
        助手: 编号 GD
        居民: 谢谢
        居民: 明天上午来行不行
        助手: !方便的时间记到
    """)


async def test_the_neighbours_room_said_after_a_noise_report_is_news_of_it_not_a_yes(pipeline: Pipeline) -> None:
    """「他们家是502」 (a yes to the classifier, 0.56) got the greeting's menu."""
    await play(Resident(pipeline, "r-noise-room"), """
        居民: 俺家楼上天天晚上咚咚咚的 吵得睡不着 12栋3单元
        助手: 编号 GD
        居民: 他们家是502
        助手: 新情况，还是另一个问题
        居民: [是刚才那个问题的新情况]
        助手: 已把您说的新情况记到 GD
    """)


async def test_the_room_alone_after_the_unit_places_the_report_in_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「201」 after 「31栋2单元」 was a goodbye to the classifier (「好的，不客气」): the room never reached the
    ticket."""
    await play(Resident(pipeline, "r-room-alone"), """
        居民: 俺家暖气片不热 都冻死了 31栋
        助手: 编号 GD
        居民: 2单元
        助手: 地点改为：白杨社区31栋2单元
        居民: 201
        助手: 地点改为：白杨社区31栋2单元201室
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert (ticket.unit, ticket.room) == ("2", "201")


async def test_the_unit_said_first_with_more_words_after_a_report_at_its_building_is_noted_and_set(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「3单元 我住502 楼上就是602」 after a report filed at 23栋 was asked whether it was news or another problem;
    the unit never reached the ticket."""
    await play(Resident(pipeline, "r-noise-unit"), """
        居民: 我家楼上天天晚上拖椅子 咚咚咚的 吵得老伴睡不着觉
        助手: 几栋几单元
        居民: 我们是23栋
        助手: 编号 GD
        居民: 3单元 我住502 楼上就是602
        助手: 已把您说的新情况记到 GD
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        [added] = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
    assert (ticket.unit, ticket.room) == ("3", None)
    assert added.note == "3单元 我住502 楼上就是602"


async def test_a_time_and_a_service_told_after_a_complaint_are_about_it_not_a_booking(pipeline: Pipeline) -> None:
    """「就是今天上午 办医保的那个窗口」 after a complaint about the window's staff (a booking to the classifier: a time
    and a service) was answered with a booking of 社保医保业务 to confirm."""
    await play(Resident(pipeline, "r-window-when"), """
        居民: 你们窗口那个小姑娘态度太差了 我问两句就不耐烦
        助手: 编号 GD
        居民: 就是今天上午 办医保的那个窗口
        助手: 新情况，还是另一个问题
        助手: !请核对
    """)


async def test_where_the_resident_lives_after_a_shared_problem_is_noted_not_made_its_place(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「我家是402」 after the stairwell lamp of 3栋2单元 moved the lamp's ticket into flat 402."""
    await play(Resident(pipeline, "r-lamp-home"), """
        居民: 我家楼道的灯坏了好几天了 黑灯瞎火的
        助手: 几栋几单元
        居民: 3号楼2单元
        助手: 编号 GD
        居民: 我家是402
        助手: 已记下您家住3栋2单元402室
        助手: 地点不变
        助手: !地点改为
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        [added] = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
        resident = await session.get_one(ResidentRow, ticket.resident_id)
    assert (ticket.category_key, ticket.unit, ticket.room) == ("lighting", "2", None)
    assert added.note == "我家是402"
    assert (resident.unit, resident.room) == ("2", "402")


async def test_a_corrected_spot_without_a_building_goes_on_the_report_not_to_a_goodbye(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「不对 是南边那个楼道」 right after filing (a no to the classifier) got 「好的，不客气」 and reached no one."""
    await play(Resident(pipeline, "r-lamp-south"), """
        居民: 楼道的灯坏了 黑灯瞎火的 3号楼2单元
        助手: 编号 GD
        居民: 不对 是南边那个楼道
        助手: 已把您说的新情况记到 GD
        助手: !不客气
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        [added] = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
    assert (ticket.unit, added.note) == ("2", "不对 是南边那个楼道")


async def test_asking_not_to_be_named_goes_to_the_assignee_and_is_answered(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「能不能别说是我反映的 怕邻居知道」 right after a noise report was asked "news or another problem?" (and 「怕邻居
    知道」 names a neighbour dispute): the assignee is told, and the resident who asked."""
    await play(Resident(pipeline, "r-discreet"), """
        居民: 楼上天天半夜拖椅子 吵得睡不着 我住23栋
        助手: 编号 GD
        居民: 能不能别说是我反映的 怕邻居知道
        助手: 不对外说是您反映的
        助手: !新情况，还是另一个问题
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
        [added] = (await session.scalars(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ADDED))).all()
        [card] = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == ADDED_KIND))).all()
    assert added.note == "能不能别说是我反映的 怕邻居知道"
    assert card.staff_id == ticket.assignee_id
