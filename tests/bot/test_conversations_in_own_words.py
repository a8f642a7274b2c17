"""Conversations where residents use their own words and their own order: danger words that are not an
emergency now, a certificate or a service described instead of named, answers given before they are
asked, a spot described instead of numbered, two problems at two places, an office matter asked for
help with. Transcripts through the real pipeline."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.conversation.pipeline import Pipeline
from storage.models import Appointment, CertificateRequest, Ticket
from tests.bot.transcript import Resident, play

EMERGENCY_NUMBERS = "报警 110"


async def tickets_of(sessions: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    async with sessions() as session:
        query = select(Ticket).options(selectinload(Ticket.building)).order_by(Ticket.id)
        return list((await session.scalars(query)).all())


async def where(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str | None, str | None]]:
    return [(t.category_key, t.building.number if t.building else None, t.place) for t in await tickets_of(sessions)]


async def the_booking(sessions: async_sessionmaker[AsyncSession]) -> Appointment:
    async with sessions() as session:
        [booking] = (await session.scalars(select(Appointment))).all()
    return booking


# Danger words that are not an emergency now.

async def test_a_gas_smell_already_dealt_with_is_told_not_alarmed(pipeline: Pipeline,
                                                                 sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-gas-over"), f"""
        居民: 早上楼道里有股煤气味 燃气公司的师傅已经来修好了 现在没味了 跟你们说一声
        助手: !{EMERGENCY_NUMBERS}
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == []


async def test_help_cried_over_a_broken_light_files_the_light(pipeline: Pipeline,
                                                              sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-exclaims"), f"""
        居民: 救命😭 地下车库的灯坏了一大片 晚上停车黑咕隆咚的
        助手: !{EMERGENCY_NUMBERS}
        助手: 已登记
    """)

    assert await where(sessions) == [("lighting", None, "地下车库")]


async def test_burglaries_heard_of_in_a_group_chat_with_a_subscription_asked_for_subscribe(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-heard", community="baiyang"), f"""
        居民: 业主群里都在说最近有入室盗窃的 给我订一个治安预报吧
        助手: !{EMERGENCY_NUMBERS}
        助手: 已订阅
    """)

    assert await tickets_of(sessions) == []


@pytest.mark.parametrize("asked", ["对了 停水通知能发给我吗", "对了停水的通知能发我吗"])
async def test_a_subscription_asked_for_after_a_turn_to_it_is_subscribed(pipeline: Pipeline, asked: str) -> None:
    """「对了」 leaves the classifier torn between subscribing and unsubscribing, or sure it is unsubscribing (0.61);
    what follows it says which."""
    await play(Resident(pipeline, "r-aside", community="baiyang"), f"""
        居民: {asked}
        助手: 已订阅“停水停电”
    """)



async def test_a_yes_to_several_choices_is_offered_the_same_choices_again(pipeline: Pipeline) -> None:
    """「要」 to 「您是想订阅通知，还是退订通知？」 says neither: the same choices, not the greeting menu."""
    await play(Resident(pipeline, "r-yes-to-which", community="baiyang"), """
        居民: 通知的事
        助手: 还是退订通知
        居民: 要
        助手: 请从下面选一个
        助手: 订阅通知
        助手: !社区服务助手
        居民: 1
        助手: 订阅
    """)


async def test_help_cried_over_a_web_page_that_cannot_be_found_is_a_question(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-portal"), f"""
        居民: 救命🆘 我爸让我帮他交居民医保 手机上翻了半天找不到交费的地方
        助手: !{EMERGENCY_NUMBERS}
    """)

    assert await tickets_of(sessions) == []


async def test_help_cried_with_danger_happening_is_still_an_emergency(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-real"), f"""
        居民: 救命 楼下有人拿刀砍人
        助手: {EMERGENCY_NUMBERS}
    """)


async def test_a_fall_feared_in_its_clause_is_a_report_not_an_alarm(pipeline: Pipeline,
                                                                    sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-fears", community="qingshui"), f"""
        居民: 河边步道的路灯一半不亮 黑乎乎的 就怕哪个老人一脚踩空掉河里
        助手: !{EMERGENCY_NUMBERS}
        助手: 已登记
    """)

    assert await where(sessions) == [("lighting", None, "河边步道")]


async def test_where_said_after_an_emergency_places_the_emergency(pipeline: Pipeline,
                                                                  sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-found"), f"""
        居民: 有个人躺在电梯口一动不动 喊他也不应
        助手: {EMERGENCY_NUMBERS}
        居民: 42栋一楼 是个老头
        助手: 42栋
    """)

    assert await where(sessions) == [("emergency", "42", None)]


# A certificate, a service or a time in the resident's words and order.

async def test_a_certificate_described_and_a_purpose_given_early_are_taken(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-father"), """
        居民: 我儿子在外地买房 那边要证明我跟他是父子 社区能开吧
        助手: 身份证号
        居民: 办他买房的贷款手续用
        助手: 身份证号
        居民: 510102 19500403 0014
        助手: 电话
        居民: 186-1111-2222
        助手: 亲属关系证明
        助手: 办他买房的贷款手续用
        居民: [确认]
    """)

    async with sessions() as session:
        [request] = (await session.scalars(select(CertificateRequest))).all()
    assert request.certificate_key == "kinship"


async def test_a_certificate_name_heard_as_a_homophone_is_taken(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-homophone"), """
        居民: 户即证明 开一个
        助手: 给谁开
        助手: !哪种证明
    """)


async def test_a_form_put_aside_is_taken_up_by_answering_it(pipeline: Pipeline,
                                                            sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-aside"), """
        居民: 给我妈开个居住证明
        助手: 身份证号
        居民: 对了 你们服务中心几点下班
        助手: 继续
        居民: 330106195801073828
        助手: 做什么用
        居民: 办医保报销用
        助手: 电话
    """)


async def test_a_service_described_at_a_clock_time_on_the_day_said_before(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-beat-cop"), """
        居民: 想见见咱们这片儿的片儿警 礼拜五下午
        助手: 请核对
        助手: 约见社区民警
        居民: 三点吧
        助手: 11月27日 15:00
        居民: [确认]
        助手: 预约成功
    """)

    assert (await the_booking(sessions)).service_key == "community_police"


async def test_a_time_said_before_the_service_is_kept(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-time-first"), """
        居民: 下周四早上八点半 想约一下
        助手: 哪项服务
        居民: 老年人那个体检
        助手: 请核对
        助手: 12月3日 08:30
    """)


# Where: a spot described, two problems at two places.

async def test_a_spot_described_outdoors_is_filed_without_asking_and_placed_more_exactly_after(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-spot"), """
        居民: 有人往围墙外头那块空地上倒了一大堆装修垃圾 好几天了也没人拉走
        助手: !几栋几单元
        助手: 已登记
        助手: 围墙外头那块空地上
        居民: 没楼号 就是靠马路那块空地 挨着加油站
        助手: 靠马路那块空地
    """)

    [ticket] = await tickets_of(sessions)
    assert (ticket.category_key, ticket.place) == ("sanitation", "靠马路那块空地 挨着加油站")


async def test_two_problems_listed_are_each_filed_at_their_own_place(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-two-places"), """
        居民: 我要反映两个事 一个是12号楼电梯老停 一个是东门那的路灯不亮
        助手: 电梯故障
        助手: 楼道照明
    """)

    assert await where(sessions) == [("lift", "12", None), ("lighting", None, "东门")]


async def test_a_report_made_as_a_denunciation_stays_one_report(pipeline: Pipeline,
                                                                sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-denounce"), """
        居民: 举报：22栋顶楼有人在楼顶平台上加盖房子，砌砖已经砌了好几天了
        助手: !线索已收到
        助手: 违章搭建
    """)

    assert await where(sessions) == [("illegal_building", "22", None)]


# An office matter asked for help with.

async def test_help_asked_with_an_office_matter_the_guides_do_not_cover_is_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-wages"), """
        居民: 包工头拖着四万多工钱不给 电话都打不通了 能帮俺找个律师不
        助手: 法律援助
        助手: !没有找到答案
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["legal_aid"]


async def test_help_asked_after_the_guides_way_failed_is_filed_not_answered_with_the_guide(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-auth"), """
        居民: 我爸今年的养老金认证在手机上做了好多遍都识别不了 他眼睛也不好 社区能不能帮我们弄一下
        助手: 便民办事
        助手: !掌上12333
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["window_service"]


async def test_a_person_asked_for_about_an_office_matter_sends_the_matter_to_the_office(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-alone", community="qingshui"), """
        居民: 老伴去年走了我一个人没有退休金就靠捡点废品 听人说可以吃低保 能不能来个人帮我看看
        助手: 民政救助
        助手: !转人工
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["civil_affairs"]


async def test_an_answer_to_a_clarifying_question_goes_on_from_the_first_words(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-bedridden"), """
        居民: 我瘫在床上好几年了出不了门有些手续要办你们能上门吗
        居民: 这个礼拜四下午三点
        助手: 留一个联系电话
        居民: 13912345678
        助手: 上门到哪里
        居民: 12栋3单元402
        助手: 上门办理
        助手: 11月26日 15:00
        助手: 12栋3单元402室
        居民: [确认]
        助手: 预约成功
    """)

    assert (await the_booking(sessions)).service_key == "home_visit"


async def test_a_problem_word_heard_as_a_homophone_files_the_right_category(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-voice"), """
        居民: 我们那个店题又坏了昨天还关了个人在里面后来物业弄出来了今天还是不好用
        助手: 几栋
        居民: 六十八动
        助手: 电梯故障
    """)

    assert await where(sessions) == [("lift", "68", None)]


async def test_an_answer_given_again_is_not_called_a_wrong_number(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-again"), """
        居民: 我想给我妈开个居住证明
        助手: 身份证号
        居民: 我妈
        助手: !校验不通过
        助手: 身份证号
    """)


async def test_a_building_said_after_a_report_at_a_listed_place_does_not_move_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-lives-at"), """
        居民: 垃圾中转站三天没人清了 臭得不行
        助手: 垃圾中转站
        居民: 六十八栋
        助手: !已把
    """)

    assert [(t.category_key, t.place) for t in await tickets_of(sessions)][:1] == [("sanitation", "垃圾中转站")]


async def test_a_problem_in_our_building_is_not_put_at_the_gate_the_other_problem_names(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-lift-gate"), """
        居民: 我们楼的电梯停了三天了，还有西门那个拦车的杆子也断了，耷拉在路中间
        居民: 我住88栋
        助手: 88栋
    """)

    assert await where(sessions) == [("lift", "88", None), ("facilities", None, "西门")]


async def test_a_certificate_asked_for_in_the_words_of_a_question_opens_the_form(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-hukou"), """
        居民: 孩子报名要个户口方面的证明，派出所让先来社区开
        助手: 给谁开
        助手: !没有找到答案
        居民: 孩子的
        助手: 身份证号
    """)


async def test_a_problem_told_while_a_time_is_asked_is_not_taken_for_the_time(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-aside-gas"), f"""
        居民: 约个法律咨询
        助手: 什么时间
        居民: 早上楼道里灯坏了好几盏 黑乎乎的一直没人修
        助手: !请核对
        助手: !{EMERGENCY_NUMBERS}
    """)


async def test_cancel_typed_at_the_summary_cancels(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-typed-cancel"), """
        居民: 约个下周三上午十点的法律咨询
        助手: 请核对
        居民: 取消
        助手: !请核对
    """)


async def test_a_question_asked_again_after_an_answer_to_another_offers_no_person_yet(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-no-loop"), """
        居民: 我想给我妈开个居住证明
        助手: 身份证号
        居民: 我妈
        助手: 身份证号
        居民: 她看病报销要用
        助手: 身份证号
        助手: !转人工
    """)


# A second week's conversations: a pause, a home visit without a phone, the service named before the time,
# the home named beside the place, an emergency's own building, what follows a booking or a problem.

async def test_a_pause_inside_a_form_keeps_the_form_and_raises_nothing(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-pause"), f"""
        居民: 单元门口的路灯坏了 晚上出门摸黑
        助手: 几栋几单元
        居民: 你等等啊 门铃响了
        助手: !{EMERGENCY_NUMBERS}
        助手: !还没办完
        居民: 回来了 是四十四栋
        助手: 已登记
    """)

    assert await where(sessions) == [("lighting", "44", None)]


async def test_a_home_visit_goes_ahead_without_a_phone_when_the_resident_says_so(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-no-phone"), """
        居民: 老头子中风了下不了床 想请你们派人上门来办事
        助手: 什么时间
        居民: 这礼拜二下午两点
        助手: 联系电话
        居民: 没有手机
        助手: 上门到哪里
        居民: 我家住5栋2单元301
        助手: 请核对
        助手: 未留
        居民: [确认]
        助手: 预约成功
    """)
    assert (await the_booking(sessions)).service_key == "home_visit"


async def test_confirm_typed_at_the_phone_question_books_the_home_visit(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-confirm-at-phone"), """
        居民: 我腿断了出不了门 约个上门办理 周四下午三点 我住7栋1单元101
        助手: 联系电话
        居民: 确认
        助手: 预约成功
        助手: !号码好像不对
    """)
    assert (await the_booking(sessions)).service_key == "home_visit"


async def test_a_time_after_a_visit_misread_as_a_report_books_that_visit(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-visit-then-time"), """
        居民: 我家婆婆走不动路了 想请你们上门来办点事情
        居民: 礼拜二下午三点嘛
        助手: !要预约哪项服务
        居民: 电话 13912345670
        助手: 上门到哪里
        居民: 幸福路12号院
        助手: 请核对
        居民: [确认]
        助手: 预约成功
        助手: !还没办完
    """)
    assert (await the_booking(sessions)).service_key == "home_visit"
    assert await tickets_of(sessions) == []


async def test_the_home_named_beside_a_listed_place_leaves_the_report_at_the_place(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-home-and-place"), """
        居民: 我住45栋 想说的是健身器材那里 有个单杠松了一晃一晃的
        助手: 已登记
    """)

    assert await where(sessions) == [("facilities", None, "健身角")]


async def test_an_emergency_is_filed_at_the_building_its_words_name(pipeline: Pipeline,
                                                                   sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-em-building"), f"""
        居民: 快来人 57栋2单元楼梯间冒黑烟了
        助手: {EMERGENCY_NUMBERS}
    """)

    assert await where(sessions) == [("emergency", "57", None)]


async def test_a_fire_supposed_in_a_question_and_a_scare_over_are_not_emergencies(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-supposed"), f"""
        居民: 我们单元的消防栓里面水带都没了 真着火了用什么救
        助手: !{EMERGENCY_NUMBERS}
    """)
    await play(Resident(pipeline, "r-scare"), f"""
        居民: 刚才厨房里一股焦味吓我一跳 找了半天是烤箱里的红薯烤糊了 虚惊一场
        助手: !{EMERGENCY_NUMBERS}
    """)
    await play(Resident(pipeline, "r-past-lawyer"), f"""
        居民: 前年被人骗了三万块的事一直没结果 想约个律师咨询一下
        助手: !{EMERGENCY_NUMBERS}
        助手: 法律咨询
    """)


async def test_nobody_answering_the_phone_is_part_of_the_problem_not_a_call_for_a_person(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-nobody"), """
        居民: 23栋门口的化粪池盖子翻了好几天了，臭得要命，打物业电话也不接
        助手: 已登记
        助手: !转人工
    """)

    assert [t.category_key for t in await tickets_of(sessions)] != ["handoff"]
    assert "handoff" not in [t.category_key for t in await tickets_of(sessions)]


async def test_what_a_legal_consultation_is_about_is_not_a_second_ticket(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-why-lawyer"), """
        居民: 帮我约个法律咨询，老板欠了我两个月工资不给
        助手: 什么时间
        助手: !另一件事
    """)

    assert await tickets_of(sessions) == []


async def test_a_building_typed_with_a_homophone_of_dong_is_taken(pipeline: Pipeline,
                                                                 sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-dong"), """
        居民: 电梯按钮失灵了 按了没反应
        助手: 几栋几单元
        居民: 四十八懂
        助手: 已登记
    """)

    assert await where(sessions) == [("lift", "48", None)]


# Stories told before the need, places said around the problem, danger said now in plain words.

async def test_a_grievance_first_and_the_problem_when_asked_where_is_one_report(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-grievance"), """
        居民: 这事拖了快一个月了 物业电话打了好几回 每次都说登记了登记了 然后就没下文了
        助手: 几栋几单元
        居民: 我家厨房顶上一直往下渗水 是楼上的水管坏了 柜子都泡发了
        助手: 几栋几单元
        助手: !没有楼号也没关系
        居民: 64栋
        助手: 已登记
    """)

    assert await where(sessions) == [("water_leak", "64", None)]


async def test_no_building_and_where_in_the_same_breath(pipeline: Pipeline,
                                                        sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-no-building-but"), """
        居民: 人行道上的地砖碎了好几块 一踩就晃
        助手: 几栋几单元
        居民: 不在楼里 是小区里修鞋摊那 挨着水果店
        助手: 已登记
        助手: !没有楼号也没关系
    """)

    [(category, building, place)] = await where(sessions)
    assert (category, building) == ("facilities", None)
    assert place is not None
    assert "修鞋摊" in place


async def test_smoke_filling_the_stairs_and_a_burglar_inside_are_emergencies(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-smoke"), f"""
        居民: 走廊里全是烟 眼睛都睁不开 该往哪边跑
        助手: {EMERGENCY_NUMBERS}
    """)
    await play(Resident(pipeline, "r-burglar"), f"""
        居民: 我刚到家门口 门是开着的 里面好像还有人 我不敢进去
        助手: {EMERGENCY_NUMBERS}
    """)


async def test_asking_in_case_money_goes_to_a_scammer_is_not_an_emergency(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-in-case"), f"""
        居民: in case 家里老人把钱转给了骗子 头一件事该干嘛
        助手: !{EMERGENCY_NUMBERS}
    """)


async def test_the_story_before_a_booking_is_why_it_is_booked(pipeline: Pipeline,
                                                              sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-story-lawyer"), """
        居民: 我公公去世以后 小叔子一直霸着老房子不让我们住 我们也不知道有没有份 想约个法律咨询当面问问
        助手: 什么时间
        助手: !已登记
    """)

    assert await tickets_of(sessions) == []


async def test_a_clue_told_at_length_is_one_clue(pipeline: Pipeline,
                                                 sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-long-clue"), """
        居民: 匿名举报一下 隔壁单元一楼那户最近天天半夜有人进进出出，窗户都用报纸糊着，我怀疑在聚众赌博，东门进来第二排
        助手: 线索已收到
        助手: !另一件事
    """)

    assert await tickets_of(sessions) == []


async def test_a_certificate_named_in_words_the_classifier_cannot_place_opens_its_form(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-named-cert"), """
        居民: 哎呀总算找到地方了 我想办个独生子女证明 上次来窗口人太多排不上
        助手: 给谁开
    """)


async def test_relief_asked_for_is_filed_not_taken_for_a_certificate(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-relief"), """
        居民: 老伴住院花光了积蓄 我俩都没有收入了 能不能帮我们申请点救助 麻烦你们往上报一下
        助手: !要开哪种证明
        助手: 已登记
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["civil_affairs"]


async def test_the_home_building_and_the_problems_building(pipeline: Pipeline,
                                                           sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-two-buildings"), """
        居民: 有个三轮车天天堵在消防通道上
        助手: 几栋几单元
        居民: 我住12栋 车是停在21栋后面
        助手: 已登记
    """)

    assert await where(sessions) == [("parking", "21", None)]


async def test_a_building_written_with_nian_for_twenty(pipeline: Pipeline,
                                                       sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-nian"), """
        居民: 楼道灯不亮了
        助手: 几栋几单元
        居民: 廿六栋
        助手: 已登记
    """)

    assert await where(sessions) == [("lighting", "26", None)]


async def test_the_same_place_said_again_after_filing_is_not_a_second_report(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-same-place"), """
        居民: 健身器材那里的单杠断了一根
        助手: 已登记
        居民: 就健身角那块
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["facilities"]


async def test_a_problem_at_a_building_breaks_into_a_question_for_free_words(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-breaks-in"), """
        居民: 我要开个困难证明
        助手: 给谁开
        居民: [本人]
        助手: 身份证号
        居民: 110105196003157725
        助手: 做什么用
        居民: 哦对了 我们二十九栋的电梯今天又卡住不动了
        助手: 已登记
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["lift"]


async def test_nothing_on_record_and_the_secretary_asked_for_hands_over(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-ask-secretary"), """
        居民: 上回反映的下水道的事到现在也没个回音 我不想跟机器说了 我要找你们书记
        助手: 转人工
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["handoff"]


async def test_the_purpose_passed_over_is_not_a_phone_number_and_not_a_loop(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-passed-over"), """
        居民: 开个独生子女证明
        助手: 给谁开
        居民: [本人]
        助手: 身份证号
        居民: 110105196003157725
        助手: 做什么用
        居民: 电话 186 0105 2233
        助手: 请核对
        助手: 未说明
        居民: [确认]
        助手: 已受理
    """)

    async with sessions() as session:
        [request] = (await session.scalars(select(CertificateRequest))).all()
    assert "1860105" not in request.purpose


async def test_what_for_said_beside_the_relative_again_is_taken(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-what-for-again"), """
        居民: 我要开亲属关系证明 是我和我爸的
        助手: 身份证号
        居民: 给我爸办养老金的继承手续
        助手: 身份证号
        居民: 110105196003157725
        助手: !做什么用
        助手: 联系电话
    """)


async def test_what_for_said_where_the_id_number_is_asked_is_acknowledged_then_the_number_asked_again(
        pipeline: Pipeline) -> None:
    """Only the ID number asked again would read as if the words went unheard."""
    await play(Resident(pipeline, "r-what-for-heard"), """
        居民: 我想开个居住证明
        助手: 给谁开
        居民: 我自己
        助手: 身份证号
        居民: 给孙子上学用
        助手: “给孙子上学用”记下了
        助手: 身份证号
        居民: 110101195003071235
        助手: !做什么用
        助手: 联系电话
    """)


async def test_a_fall_said_in_the_middle_of_a_form_is_an_emergency(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-fall-mid-form"), f"""
        居民: 开个困难证明
        助手: 给谁开
        居民: [家人]
        助手: 身份证号
        居民: 先不说了 我妈刚才倒在地上了 喊她也没反应
        助手: {EMERGENCY_NUMBERS}
    """)


async def test_going_on_with_the_form_by_naming_it_takes_it_up_where_it_was(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-go-on-named"), """
        居民: 开个户籍证明
        助手: 给谁开
        居民: [本人]
        助手: 身份证号
        居民: 等等 社区周六上班吗
        助手: 还没办完
        居民: 继续开证明
        助手: 身份证号
        助手: !要开哪种证明
    """)


async def test_the_community_asked_again_and_again_offers_a_person(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-no-community", community=None), """
        居民: 楼道灯坏了 晚上黑乎乎的
        助手: 哪个社区
        居民: 三十七栋
        助手: 哪个社区
        助手: !转人工
        居民: 不对 是四十七栋
        助手: 哪个社区
        助手: 转人工
    """)


# Where a resident who asked for a person lives, and a person sent to a matter.

async def test_the_building_said_after_asking_for_a_person_goes_on_the_ticket(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-person-building"), """
        居民: 这事太复杂了 打字说不清 我要找个真人
        助手: 转人工
        居民: 我住五十栋
        助手: !已登记
    """)

    assert await where(sessions) == [("handoff", "50", None)]


async def test_the_building_said_when_asking_for_a_person_goes_on_the_ticket(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-person-building-at-once"), """
        居民: 你们说不清楚 我住58栋 找个工作人员跟我说
        助手: 转人工
    """)

    assert await where(sessions) == [("handoff", "58", None)]


async def test_someone_asked_to_come_and_see_a_hardship_is_the_same_matter(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-come-and-see"), """
        居民: 我老伴去年中风瘫在床上，家里全靠我打零工，实在撑不住了，想申请点救助，能不能让社区的人来我家看看，我住52栋
        助手: 已登记
        助手: !另一件事
        助手: !转人工
    """)

    assert [category for category, _, _ in await where(sessions)] == ["civil_affairs"]


async def test_naming_the_community_alone_on_the_district_account_is_noted_not_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-names-community", community=None), """
        居民: 我是清水社区的
        助手: 青水社区
        助手: !已登记
        居民: 楼道灯坏了 在3栋
        助手: 已登记
        助手: !哪个社区
    """)

    assert await where(sessions) == [("lighting", "3", None)]


async def test_a_greeting_before_the_problem_does_not_hide_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-greets-first"), """
        居民: 喂你好啊居委会 我是二十一栋老李 楼道灯又坏了 你们找人来看看
        助手: 已登记
        助手: !可以直接告诉我
    """)

    assert await where(sessions) == [("lighting", "21", None)]


async def test_a_greeting_before_many_words_the_classifier_is_unsure_of_asks_what_they_are_about(
        pipeline: Pipeline) -> None:
    """Dictated in one breath, a greeting and then a need the classifier cannot place: which need (the menu of needs
    after 「我没太明白」), not the hello and its menu as if nothing more was said."""
    await play(Resident(pipeline, "r-greets-long"), """
        居民: 你好你好我是二十三栋的住户我想问一下就是我们家老人今年七十岁了想办那个坐公交车不要钱的卡要怎么弄
        助手: 没太明白
        助手: !社区服务助手
    """)


async def test_a_complaint_of_the_office_staffs_manner_with_nothing_to_rate_is_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Read as feedback, with no closed matter to rate: it was told 「没有待评价的办结事项」 and nothing was kept."""
    await play(Resident(pipeline, "r-manner", community="baiyang"), """
        居民: 你们的人态度太差了 上次去办事等了一个小时
        助手: 已登记
        助手: !没有待评价
    """)

    assert [t.category_key for t in await tickets_of(sessions)] == ["window_service"]


async def test_asking_after_a_report_made_before_files_nothing(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-asks-after"), """
        居民: 你好，我上礼拜反映过的那件事，到底处理到哪一步了？麻烦你帮我查一下，谢谢
        助手: 没有正在办理
        助手: !已登记
    """)

    assert await where(sessions) == []


async def test_two_problems_of_one_kind_at_two_places_are_two_tickets(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-two-places"), """
        居民: 南门口的路面陷下去一个坑，骑车差点摔；还有儿童乐园的秋千链子断了一根，两个地方都麻烦看看
        助手: 已登记
    """)

    assert sorted(await where(sessions)) == [("facilities", None, "儿童乐园"), ("facilities", None, "南门")]


async def test_a_second_problem_turned_to_at_another_place_is_filed_too(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-rambles-on"), """
        居民: 我跟你说啊 16栋的电梯又不动了 我爬了六层歇了两回 修了坏坏了修 还有啊 西门那边垃圾都堆到路上了 风一吹到处飞
        助手: 已登记
    """)

    assert sorted(category for category, _, _ in await where(sessions)) == ["lift", "sanitation"]


async def test_a_pause_to_fetch_the_id_card_keeps_the_form(pipeline: Pipeline,
                                                           sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-pauses"), """
        居民: 开个居住证明
        助手: 给谁开
        居民: [本人]
        助手: 身份证号
        居民: 稍等 我找下身份证
        助手: !转人工
        居民: 110105196003157725
        助手: 做什么用
    """)

    assert await where(sessions) == []


async def test_a_place_named_beside_its_landmark_or_in_other_small_words_is_found(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-landmark"), """
        居民: 有人私拉电线给电瓶车充电 线就搭在外面
        助手: 几栋几单元
        居民: 车棚 就服务中心后面那个
        助手: 已登记
    """)
    await play(Resident(pipeline, "r-loose-words"), """
        居民: 路灯不亮了 晚上走路看不见
        助手: 几栋几单元
        居民: 没楼号 就是沿东墙那条路
        助手: 已登记
    """)

    assert await where(sessions) == [("ebike_charging", None, "服务中心后面的非机动车棚"),
                                     ("lighting", None, "东围墙外的路")]


async def test_an_id_corrected_while_the_purpose_is_asked_leaves_the_purpose_to_be_told(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-id-then-purpose"), """
        居民: 开个困难证明
        助手: 给谁开
        居民: 帮我老伴开
        助手: 身份证号
        居民: 330105 19500101 2537
        助手: 做什么用
        居民: 不对 身份证是110105196003157725
        助手: 做什么用
        居民: 孩子上学减免学费
        助手: 联系电话
        居民: 139-1234-5678
        助手: 请核对
        居民: [确认]
        助手: 已受理
    """)

    async with sessions() as session:
        [request] = (await session.scalars(select(CertificateRequest))).all()
    assert (request.id_number, request.purpose) == ("110105196003157725", "孩子上学减免学费")


# Thanks, corrections and the words around a report (sixth session).

async def test_thanks_for_a_lost_grandad_brought_home_is_thanked_not_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-thanks"), f"""
        居民: 前两天我家老爷子在北门那边走岔了路 是巡逻的小伙子把他送回家的 专门过来谢谢你们
        助手: !{EMERGENCY_NUMBERS}
        助手: 谢谢您的肯定
    """)
    await play(Resident(pipeline, "r-praises"), """
        居民: 我要表扬三片的网格员 上回家里断水她跑前跑后 真是辛苦了
        助手: 谢谢您的肯定
    """)

    assert await where(sessions) == []


async def test_a_relative_who_will_help_is_no_request_to_the_office(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-grandson"), """
        居民: 领养老金要开个活着的证明
        助手: 生存证明已经取消
        居民: 哦那我让我外孙女帮我在手机上弄
        助手: !已登记
    """)

    assert await where(sessions) == []


async def test_a_person_asked_for_after_the_report_in_one_breath_is_given_too(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-report-then-person"), """
        居民: 27栋的声控灯全不亮了 报完帮我转个人工 还有个事想当面问
        助手: 已登记
        助手: 已为您转人工
    """)

    assert sorted(category for category, _, _ in await where(sessions)) == ["handoff", "lighting"]


async def test_a_building_denied_before_the_right_one_moves_the_report_to_the_right_one(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-denies-first"), """
        居民: 8栋门口的下水道堵了 污水都漫出来了
        助手: 已登记
        居民: 哎哟打错了 不是8栋 是18栋
        助手: 改为：白杨社区18栋
    """)

    assert await where(sessions) == [("drain_blocked", "18", None)]


async def test_where_it_is_said_around_the_words_for_it(pipeline: Pipeline,
                                                        sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-shed-words"), """
        居民: 服务中心后面停电动车的那个棚子顶漏了 一下雨车座全湿
        助手: 已登记
    """)
    await play(Resident(pipeline, "r-said-twice", community="qingshui"), """
        居民: 后门那儿天天被三轮车堵着 上回救护车只好从大门绕进来 后门口必须清一清
        助手: 已登记
    """)

    assert [place for _, _, place in await where(sessions)] == ["服务中心后面的非机动车棚", "后门"]


async def test_a_mobile_number_a_digit_short_at_the_summary_is_told_so(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-short-phone"), """
        居民: 约个社区民警 下周一上午十点
        助手: 请核对
        居民: 1381234567
        助手: 电话号码好像不对
        居民: 13812345678
        助手: 13812345678
        居民: [确认]
        助手: 预约成功
    """)

    assert (await the_booking(sessions)).phone == "13812345678"


async def test_a_report_with_its_building_breaks_into_a_question_waiting_for_words(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-breaks-in"), """
        居民: 我要开个困难证明
        助手: 给谁开
        居民: [本人]
        助手: 身份证号
        居民: 110105196003157725
        助手: 做什么用
        居民: 哦对了先说个事儿 咱们四十二栋的电梯卡在三楼不动了
        助手: 已登记
        助手: 还没办完
    """)

    assert await where(sessions) == [("lift", "42", None)]


async def test_a_second_problem_whose_harm_is_told_after_it_is_filed_too(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-sofa"), """
        居民: 七十一栋 楼道灯坏了好些天了 楼梯口还堆着两个破柜子 老伴下楼差点绊一跤
        助手: 已登记
    """)

    assert sorted(category for category, _, _ in await where(sessions)) == ["lighting", "sanitation"]


async def test_a_person_wanted_because_it_is_hard_to_type_is_a_hand_off(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-hard-to-type"), """
        居民: 我家的情况打字说不清楚 能不能直接找个工作人员
        助手: 已为您转人工
    """)

    assert [category for category, _, _ in await where(sessions)] == ["handoff"]


async def test_the_community_named_with_where_the_resident_rents_is_noted_not_filed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-rents", community=None), """
        居民: 白杨小区吧 我租的房子在那边
        助手: 白杨社区的社区服务助手
    """)

    assert await where(sessions) == []


async def test_a_fear_from_videos_asked_about_is_advice_not_an_alarm(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-videos"), f"""
        居民: 电动车电池能不能拿回家里充 网上经常看到电池着火的视频 心里发毛 平时该注意啥
        助手: !{EMERGENCY_NUMBERS}
    """)

    assert await where(sessions) == []


async def test_the_building_a_resident_introduces_themselves_with_is_offered_when_a_report_needs_one(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-introduces"), """
        居民: 您好 我是这个小区的 家住四十四栋
        助手: 社区服务助手
        居民: 单元门的锁坏了 关不上
        助手: 还是44栋
        居民: 1
        助手: 已登记
    """)

    await play(Resident(pipeline, "r-introduces-too", community=None), """
        居民: 你好 我住白杨小区三十一栋
        助手: 社区服务助手
        助手: !遇到了什么问题
        居民: 楼下的路灯一到晚上就闪
        助手: 还是31栋
    """)

    assert await where(sessions) == [("facilities", "44", None)]


async def test_a_phone_mistyped_with_dashes_where_the_phone_is_asked_is_told_so_not_read_as_another_need(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-dashed-phone"), """
        居民: 给我老伴开个困难证明
        助手: 身份证号
        居民: 110105196003157725
        助手: 做什么用
        居民: 孩子上学减免学费
        助手: 联系电话
        居民: 138-1234-567
        助手: 电话号码好像不对
        助手: !正在办理
        居民: 13812345678
        助手: 请核对
    """)

    assert await where(sessions) == []


@pytest.mark.parametrize("answer", ["没转 我挂了", "我没上当 直接挂了"])
async def test_a_fraud_call_hung_up_on_is_told_how_such_calls_go_not_goodbye(pipeline: Pipeline, answer: str) -> None:
    """「没转 我挂了」 right after the numbers to call (a goodbye to the classifier) got 「好的，不客气」 and left the
    staff alerted; 「没转」 alone was already taken as the danger not happening."""
    await play(Resident(pipeline, "r-hung-up"), f"""
        居民: 刚才有人打电话说我儿子出车祸了让我赶紧转钱
        助手: 96110
        居民: {answer}
        助手: 谎称子孙出事
        助手: !不客气
    """)
