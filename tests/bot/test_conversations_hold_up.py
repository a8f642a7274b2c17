"""Conversations as residents have them: short answers, places without building numbers, corrections,
two needs at once, categories from examples, and the small things (numbers, 全部退订, hand-off replies,
a clue said at once). One test or more for each class of failure issue 18 lists, as transcripts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.conversation.pipeline import Pipeline
from bot.office.handoffs import TO_STAFF_KIND
from storage.models import (
    CertificateRequest,
    Clue,
    OutboxMessage,
    Staff,
    Subscription,
    Ticket,
    TicketEvent,
    TicketEventKind,
)
from tests.bot.transcript import Resident, play
from tests.conftest import HandClock

EMERGENCY_NUMBERS = "报警 110"


async def tickets_of(sessions: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    async with sessions() as session:
        query = select(Ticket).options(selectinload(Ticket.building)).order_by(Ticket.id)
        return list((await session.scalars(query)).all())


async def assignee(sessions: async_sessionmaker[AsyncSession], ticket: Ticket) -> Staff:
    async with sessions() as session:
        return await session.get_one(Staff, ticket.assignee_id)


# 1. A short answer inside a form is an answer.

async def test_a_relative_and_a_place_name_answer_the_certificate_form_without_raising_an_alarm(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-relative"), f"""
        居民: 我想开个居住证明
        助手: 给谁开
        居民: 帮我妈开
        助手: 身份证号
        助手: !{EMERGENCY_NUMBERS}
        居民: 东门
        助手: 身份证号
        助手: !校验不通过
        助手: !{EMERGENCY_NUMBERS}
        居民: 110101199003074514
        助手: 做什么用
    """)

    assert await tickets_of(sessions) == []


async def test_an_answer_to_another_question_of_the_form_is_kept_not_read_as_a_new_need(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-myself"), """
        居民: 我要开证明
        助手: 哪种证明
        居民: 给我本人开
        助手: !订阅
        助手: 哪种证明
        居民: 居住证明
        助手: 身份证号
    """)


async def test_a_place_name_answers_where_and_files_the_report_there(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-gate"), f"""
        居民: 路灯坏了 晚上黑乎乎的
        助手: 几栋几单元
        居民: 南门
        助手: 已登记
        助手: 白杨社区南门
        助手: !{EMERGENCY_NUMBERS}
    """)

    [ticket] = await tickets_of(sessions)
    assert (ticket.category_key, ticket.building_id, ticket.place) == ("lighting", None, "南门")


async def test_asking_what_to_do_in_case_of_danger_gets_advice_not_the_emergency_reply(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-in-case"), f"""
        居民: 要是家里闻到煤气味了 应该先干啥
        助手: !{EMERGENCY_NUMBERS}
        居民: 楼道里天天有人给电动车充电 怕着火 3栋的
        助手: 已登记
        助手: !{EMERGENCY_NUMBERS}
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.category_key == "ebike_charging"


# 2. Places without building numbers.

async def test_a_pothole_on_the_road_along_the_east_wall_is_filed_at_that_road(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-road"), """
        居民: 东墙外的路上有个大坑 骑车的差点摔了
        助手: 已登记
        助手: 白杨社区东围墙外的路
    """)

    [ticket] = await tickets_of(sessions)
    assert (ticket.building_id, ticket.place) == (None, "东围墙外的路")


async def test_a_grid_matter_at_a_place_goes_to_the_lead_of_the_places_area(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-road-parking"), """
        居民: 东墙外的路上天天有人乱停车 把路都堵死了
        助手: 东二片片长
    """)

    [ticket] = await tickets_of(sessions)
    assert (await assignee(sessions, ticket)).name == "郭红梅"


async def test_the_playgrounds_slide_goes_to_the_team_that_looks_after_the_playground(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-slide"), """
        居民: 儿童乐园的滑梯裂了个大口子 小孩会划伤
        助手: 已登记
        助手: 儿童乐园
    """)

    [ticket] = await tickets_of(sessions)
    assert (await assignee(sessions, ticket)).role == "service_team"


async def test_no_building_number_gets_one_request_for_words_and_then_the_report_is_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-nowhere"), """
        居民: 有个井盖不见了 就剩个大黑洞
        助手: 几栋几单元
        居民: 没有楼号
        助手: 用一句话说说大概在哪儿
        助手: 转人工
        居民: 不知道咋说
        助手: 已登记
    """)

    [ticket] = await tickets_of(sessions)
    assert (ticket.building_id, ticket.place) == (None, "不知道咋说")


async def test_thanks_asked_a_second_time_where_is_no_place(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「谢谢」 to 「用一句话说说大概在哪儿」 was filed as the place: 「地点：白杨社区谢谢」."""
    await play(Resident(pipeline, "r-thanks-where"), """
        居民: 有个井盖不见了 就剩个大黑洞
        助手: 几栋几单元
        居民: 没有楼号
        助手: 用一句话说说大概在哪儿
        居民: 谢谢
        助手: 用一句话说说大概在哪儿
        助手: !已登记
        居民: 好的
        助手: !已登记
        居民: 就在东边那条路上
        助手: 已登记
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.place == "东边那条路上"


async def test_the_whole_estate_answers_which_building(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「几号楼都一样 整个小区都不热」 was asked again for words, as if no place had been said."""
    await play(Resident(pipeline, "r-whole-estate"), """
        居民: 暖气不热 家里才十五度
        助手: 几栋几单元
        居民: 几号楼都一样 整个小区都不热
        助手: 已登记
        助手: !大概在哪儿
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.building_id is None
    assert "整个小区" in (ticket.place or "")


async def test_a_description_of_the_place_is_taken_at_once(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-described"), """
        居民: 有个井盖不见了 就剩个大黑洞
        助手: 几栋几单元
        居民: 没有楼号 就在小区外面公交站旁边
        助手: 已登记
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.place == "小区外面公交站旁边"


async def test_a_building_the_community_does_not_have_is_asked_once_more_then_taken_as_words(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-no-such"), """
        居民: 楼道灯坏了
        助手: 几栋几单元
        居民: 208栋
        助手: 没有找到
        居民: 208栋
        助手: 已登记
    """)

    [ticket] = await tickets_of(sessions)
    assert (ticket.building_id, ticket.place) == (None, "208栋")


# 3. Corrections and natural phrasing.

async def test_a_building_corrected_in_the_same_message_is_the_corrected_one(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-correct"), """
        居民: 卫生间天花板往下滴水
        助手: 几栋几单元
        居民: 3栋，不对，是13栋
        助手: 已登记
        助手: 白杨社区13栋
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.building is not None
    assert ticket.building.number == "13"


async def test_an_id_number_in_groups_and_a_phone_with_dashes_are_taken(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-groups"), """
        居民: 帮我开个居住证明
        居民: [本人]
        助手: 身份证号
        居民: 110101 19900307 4514
        助手: 做什么用
        居民: 单位要
        助手: 联系电话
        居民: 139-1234-5678
        助手: 请核对
        居民: [确认]
        助手: 已受理
    """)

    async with sessions() as session:
        [request] = (await session.scalars(select(CertificateRequest))).all()
    assert (request.id_number, request.phone) == ("110101199003074514", "13912345678")


async def test_go_on_after_an_interruption_resumes_the_form_at_its_question(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-resume"), """
        居民: 帮我开个居住证明
        助手: 给谁开
        居民: 转人工
        助手: 已为您转人工
    """)
    resident = Resident(pipeline, "r-resume-2")
    await play(resident, """
        居民: 帮我开个居住证明
        助手: 给谁开
        居民: 我家下水道堵了 要反映一下 9栋的
        助手: 已登记
        助手: 还没办完
        居民: 好的那继续吧
        助手: 给谁开
        助手: !您好
    """)


# 4. Two needs in one message.

async def test_a_report_and_a_certificate_in_one_message_are_both_served(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-two-needs"), """
        居民: 楼道灯坏了好几天了，另外我想开个居住证明
        助手: 几栋几单元
        助手: 另一件事
        居民: 5栋
        助手: 已登记
        助手: 接着办您说的另一件事
        助手: 给谁开
        居民: 我自己
        助手: 身份证号
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.category_key == "lighting"


async def test_the_second_need_is_quoted_without_the_breath_before_it(pipeline: Pipeline) -> None:
    """「…电梯又坏了三天了…还有啊我那个高龄补贴这个月怎么没到账啊」 was quoted as 「“啊我那个高龄补贴…”」."""
    await play(Resident(pipeline, "r-breath"), """
        居民: 我是十五栋二单元的老李啊我们楼的电梯啊又坏了三天了你们赶紧给弄一下还有啊我那个高龄补贴这个月怎么没到账啊
        助手: 已登记
        助手: 接着办您说的另一件事：“我那个高龄补贴
    """)


async def test_two_problems_in_one_report_become_two_tickets(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-two-problems"), """
        居民: 5栋2单元楼道里堆满了旧纸箱 楼道灯也不亮了
        助手: 环境卫生
        助手: 楼道照明
    """)

    assert sorted(t.category_key for t in await tickets_of(sessions)) == ["lighting", "sanitation"]


async def test_nobody_acting_on_a_problem_is_not_a_second_problem(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-one-problem"), """
        居民: 12栋电梯又坏了 打物业电话也没人管
        助手: 电梯故障
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["lift"]


# 5. Categories learned from examples.

async def test_a_complaint_about_the_property_company_that_mentions_parking_is_filed_under_property(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-property"), """
        居民: 物业服务太差了 保安上班睡觉 收了停车费啥也不干 8栋的
        助手: 物业服务
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.category_key == "property"


async def test_furniture_piled_in_a_corridor_is_sanitation_though_no_keyword_says_so(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-furniture"), """
        居民: 走廊里有人扔了旧沙发和破床垫 过人都得侧着身子 21栋
        助手: 环境卫生
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.category_key == "sanitation"


# 6. Small things that break trust.

async def test_choices_are_numbered_across_the_replies_of_a_turn_and_the_number_picks_that_one(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident = Resident(pipeline, "r-numbers")
    await play(resident, """
        居民: 楼道灯坏了好几天了，另外我想开个居住证明
        助手: 几栋几单元
    """)
    offered = [c for reply in resident.last for c in reply.choices]
    assert offered[-1].payload == "/certificate_request"

    await play(resident, f"""
        居民: {len(offered)}
        助手: 给谁开
    """)


async def test_unsubscribe_all_stops_every_notice(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-unsubscribe"), """
        居民: 订阅防诈骗的通知
        助手: 已订阅
        居民: 治安预报也订一个
        助手: 已订阅
        居民: 全部退订
        助手: 防诈骗
        助手: 治安预报
    """)

    async with sessions() as session:
        left = (await session.scalars(select(Subscription).where(Subscription.active))).all()
    assert left == []


async def test_a_hand_off_acknowledges_relayed_messages_every_few_minutes_and_shows_staff_the_words(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    resident = Resident(pipeline, "r-handoff")
    await play(resident, """
        居民: 我家暖气片漏水把楼下淹了 电话13912345678
        居民: 转人工
        助手: 已为您转人工
        居民: 在吗
        助手: 已转给
    """)
    await play(resident, """
        居民: 楼下邻居已经找上门了
        助手: !已转给
    """)
    assert resident.last == []
    clock.set(clock() + timedelta(minutes=6))
    await play(resident, """
        居民: 快点来人看看吧
        助手: 已转给
    """)

    [ticket] = await tickets_of(sessions)
    assert "暖气片漏水" in ticket.description
    async with sessions() as session:
        card = await session.scalar(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id,
                                                                OutboxMessage.kind == "ticket_assigned"))
        relayed = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == TO_STAFF_KIND))).all()
    assert card is not None
    assert "暖气片漏水" in card.payload["text"]
    assert "13912345678" not in card.payload["text"]
    assert len(relayed) == 3


async def test_a_clue_said_in_the_first_message_is_taken_without_asking_again(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-clue"), """
        居民: 匿名举报 9栋地下室有人聚众赌博
        助手: 回执号
        助手: !请说说您要提供的线索
    """)

    async with sessions() as session:
        [clue] = (await session.scalars(select(Clue))).all()
    assert "9栋地下室" in clue.text


async def test_a_building_corrected_right_after_filing_moves_the_ticket_to_whoever_answers_there(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-moved"), """
        居民: 楼上卫生间漏水 滴到我家吊顶里了
        助手: 几栋几单元
        居民: 9栋
        助手: 白杨社区9栋
        居民: 不对不对 是我女儿家 她住96栋
        助手: 地点改为：白杨社区96栋
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.building is not None
    assert ticket.building.number == "96"
    async with sessions() as session:
        told = (await session.scalars(select(OutboxMessage.staff_id).where(OutboxMessage.kind == "ticket_moved"))).all()
    assert len(set(told)) == 2


async def test_a_place_corrected_while_the_second_needs_form_asks_moves_the_report_and_offers_the_form_back(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """The report filed opened the booking said with it; 「不对 是南门」 is about the report, not the booking's time."""
    await play(Resident(pipeline, "r-moved-amid-form"), """
        居民: 小区东门那边的路灯不亮了 还有我想约个法律咨询
        助手: 白杨社区东门
        助手: 接着办您说的另一件事
        助手: 请问想约什么时间
        居民: 不对 是南门
        助手: 地点改为：白杨社区南门
        助手: 还没办完，要继续吗
        居民: 1
        助手: 请问想约什么时间
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.place == "南门"
    async with sessions() as session:
        history = (await session.execute(select(TicketEvent.kind, TicketEvent.note)
                                         .where(TicketEvent.ticket_id == ticket.id))).all()
    assert (TicketEventKind.MOVED, "白杨社区南门") in history  # the console reads 「居民更正地点为 白杨社区南门」
    assert [note for _, note in history if note and re.search("[A-Za-z]{3}", note)] == []


@pytest.mark.parametrize(("said", "building", "unit"), [
    ("2单元", "7", "2"), ("是2单元不是1单元", "7", "2"), ("不对 是二单元", "7", "2"), ("不对 是19栋3单元", "19", "3"),
])
async def test_a_unit_said_right_after_filing_places_the_ticket_in_that_unit(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], said: str, building: str, unit: str) -> None:
    """A unit alone places it in the building it was filed at; a building corrected keeps the unit said with it."""
    await play(Resident(pipeline, "r-unit"), f"""
        居民: 7栋楼道灯坏了好几天了
        助手: 白杨社区7栋
        居民: {said}
        助手: 地点改为：白杨社区{building}栋{unit}单元
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.building is not None
    assert (ticket.building.number, ticket.unit) == (building, unit)


async def test_a_problem_asked_about_as_a_status_question_with_nothing_on_record_is_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-status-report"), """
        居民: 电梯停了好几天了 也没个通知 啥时候能修好
        助手: 没有正在办理的事项
        助手: 几栋几单元
        居民: 一百零二栋
        助手: 已登记
    """)

    [ticket] = await tickets_of(sessions)
    assert ticket.category_key == "lift"


async def test_another_problem_asked_about_as_a_status_question_with_a_report_open_is_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """With a noise report open, 「电梯停了好几天了 啥时候能修好」 showed the noise report's progress and filed
    nothing. 「我那个吵的事怎么样了」 (to the categories a 邻里纠纷) still asks after the noise report."""
    await play(Resident(pipeline, "r-status-another"), """
        居民: 楼下天天半夜唱歌喝酒 我住5栋
        助手: 已登记
        居民: 谢谢
        居民: 电梯停了好几天了 啥时候能修好
        助手: 几栋几单元
        助手: !正在办理的事项
        居民: 5栋
        助手: 已登记
        居民: 我那个吵的事怎么样了
        助手: 正在办理的事项
        助手: 噪音扰民
        居民: 帮我查一下我刚才那个的进度
        助手: 正在办理的事项
    """)

    assert sorted(ticket.category_key for ticket in await tickets_of(sessions)) == ["lift", "noise"]


async def test_not_knowing_where_a_place_answer_elsewhere_and_asking_for_a_person_each_do_what_they_say(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-stray"), """
        居民: 篮球架歪了 篮筐也松了
        助手: 几栋几单元
        居民: 不知道
        助手: !先不登记了
        助手: 用一句话说说大概在哪儿
        居民: 就在健身角
        助手: 已登记
        居民: 帮我开个居住证明
        助手: 给谁开
        居民: 就在健身角
        助手: !遇到了什么问题
        助手: 给谁开
        居民: 我要反映问题
        助手: 遇到了什么问题
        居民: 转人工
        助手: 已为您转人工
    """)

    assert sorted(t.category_key for t in await tickets_of(sessions)) == ["facilities", "handoff"]


async def test_a_yes_after_a_report_or_an_answer_is_heard_not_answered_with_the_menu(pipeline: Pipeline) -> None:
    """「嗯」 after a report was filed got 「您好，这里是…」 and the menu; 「好的」 then 「请从下面选一个」."""
    await play(Resident(pipeline, "r-heard"), """
        居民: 21栋门口的垃圾桶满了没人清
        助手: 已登记
        居民: 嗯
        助手: 好的。还有别的事
        助手: !您好
        助手: !请从下面选一个
        居民: 好的
        助手: 好的。还有别的事
    """)
    await play(Resident(pipeline, "r-heard-joined"), """
        居民: 21栋门口的垃圾桶满了 好几天没人清
        助手: 已经有居民反映过了
        居民: 嗯
        助手: 好的。还有别的事
    """)
    await play(Resident(pipeline, "r-first-yes"), """
        居民: 嗯
        助手: 您好
    """)
