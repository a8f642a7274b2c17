"""Booking and cancelling in conversation, on both databases. Today is Monday 2026-11-23 10:00."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.office.appointments import REMINDER_KIND
from bot.workers.scheduler import Scheduler
from storage.models import Appointment, AppointmentSlot, OutboxMessage, Staff
from storage.profile import Profile
from tests.bot.transcript import Resident, play

SHANGHAI = ZoneInfo("Asia/Shanghai")
BOOKED = """
    居民: 帮我约下周三上午的法律咨询
    居民: [确认]
    助手: 预约成功
"""
"""A transcript's opening: legal advice booked for next Wednesday morning, no phone left."""


async def bookings(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[Appointment, AppointmentSlot]]:
    async with sessions() as session:
        rows = await session.execute(select(Appointment, AppointmentSlot)
                                     .join(AppointmentSlot, Appointment.slot_id == AppointmentSlot.id)
                                     .order_by(Appointment.id))
        return [(appointment, slot) for appointment, slot in rows.all()]


async def test_legal_advice_next_wednesday_morning_end_to_end(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    # The reminder comes to the chat: a window booking does not ask for a phone, but takes one given.
    await play(Resident(pipeline, "r-legal"), """
        居民: 帮我约下周三上午的法律咨询
        助手: 请核对
        助手: 法律咨询
        助手: 12月2日 09:00
        助手: 未留
        助手: !留一个联系电话
        居民: 13912345678
        助手: 电话：13912345678
        居民: [确认]
        助手: 预约成功
        助手: 社区服务中心二楼调解室
    """)

    [(booking, slot)] = await bookings(sessions)
    assert (booking.service_key, booking.status, booking.phone) == ("legal_advice", "booked", "13912345678")
    assert slot.starts_at == datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)
    assert slot.booked == 1


@pytest.mark.parametrize("asked", ["请问一下社区医院打疫苗要预约吗", "我想约个心理咨询"])
async def test_a_service_the_office_does_not_book_is_said_so_before_the_list_of_those_it_does(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], asked: str) -> None:
    """Not just the list of services, as if the resident had named none (心理咨询 is no 法律咨询 either)."""
    await play(Resident(pipeline, "r-unbooked"), f"""
        居民: {asked}
        助手: 社区这里预约不了
        助手: 请问要预约哪项服务
        居民: 法律咨询
        助手: 请问想约什么时间
    """)

    assert await bookings(sessions) == []


async def test_a_service_the_office_does_not_book_asked_about_amid_a_booking_is_said_so_and_the_booking_goes_on(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「请问一下社区医院打疫苗要预约吗」 where the time is asked got the time question again, word for word."""
    await play(Resident(pipeline, "r-unbooked-aside"), """
        居民: 我想约个社保业务
        助手: 请问想约什么时间
        居民: 请问一下社区医院打疫苗要预约吗
        助手: 社区这里预约不了“打疫苗”
        助手: 请问想约什么时间
        居民: 下周三上午
        助手: 请核对
        助手: 社保医保业务
    """)


async def test_a_service_named_as_the_office_calls_it_is_not_said_to_be_unbooked(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-booked-named"), """
        居民: 我想约个体检
        助手: !预约不了
        助手: 请问想约什么时间
    """)


async def test_a_phone_sent_right_after_booking_without_one_is_left_on_the_booking(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-phone-after"), """
        居民: 帮我约下周三上午的法律咨询
        助手: 需要时直接发号码补上
        居民: [确认]
        助手: 预约成功
        居民: 我电话13912345678
        助手: 补上电话 13912345678
        助手: !转人工
    """)

    [(booking, _)] = await bookings(sessions)
    assert booking.phone == "13912345678"


async def test_a_phone_sent_after_something_else_is_not_taken_for_the_booking(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-phone-later"), f"""
        {BOOKED}
        居民: 低保一个月能给多少钱
        居民: 我电话13912345678
        助手: !补上电话
    """)

    [(booking, _)] = await bookings(sessions)
    assert booking.phone is None


async def test_a_booking_moved_to_another_time_replaces_the_old_one_once_the_new_one_is_booked(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-move-booking"), f"""
        {BOOKED}
        居民: 我之前约的法律咨询能改到下周三下午吗
        助手: 原来的预约
        助手: 会在新的时间约好后取消
        助手: 请核对
        助手: 法律咨询
        居民: [确认]
        助手: 预约成功
        助手: 已取消
    """)

    (old, old_slot), (new, new_slot) = await bookings(sessions)
    assert (old.status, old_slot.booked) == ("cancelled", 0)
    assert (new.status, new_slot.booked) == ("booked", 1)
    assert new_slot.starts_at.astimezone(SHANGHAI).hour >= 12


async def test_a_booking_one_cannot_keep_asked_to_move_is_moved_not_cancelled(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「那天我有事去不了了 改到下周三下午吧」 reads as a no (0.58), 「后天我去不了了 能改到下周一吗」 as cancelling
    (0.72): the resident asked for another time, and keeps the booking until the new one is made."""
    await play(Resident(pipeline, "r-cannot-go"), f"""
        {BOOKED}
        居民: 不好意思 那天我有事去不了了 改到下周三下午吧
        助手: !已取消预约
        助手: 会在新的时间约好后取消
        助手: 请核对
        居民: [确认]
        助手: 预约成功
        助手: 已取消
    """)

    (old, _), (new, new_slot) = await bookings(sessions)
    assert (old.status, new.status) == ("cancelled", "booked")
    assert new_slot.starts_at.astimezone(SHANGHAI).hour >= 12


@pytest.mark.parametrize("asked", ["我约了几个", "我约了哪些"])
async def test_asking_what_one_has_booked_shows_the_bookings_and_cancels_none(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], asked: str) -> None:
    """The classifier reads cancelling at 0.94-0.96, and with one booking that was cancelled at once."""
    await play(Resident(pipeline, "r-what-booked"), f"""
        {BOOKED}
        居民: {asked}
        助手: 法律咨询
        助手: 取消预约
        助手: !已取消
        居民: 能取消吗
        助手: 已取消预约
    """)

    [(booking, _)] = await bookings(sessions)
    assert booking.status == "cancelled"


async def test_a_home_visit_asks_for_a_phone_to_call_at_the_door(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-home"), """
        居民: 我腿脚不好 想约上门办理 下周二下午三点
        助手: 留一个联系电话
        居民: 139 1234 5678
        助手: 上门到哪里
        居民: 3栋2单元501
        助手: 电话：13912345678
        居民: [确认]
        助手: 预约成功
    """)

    [(booking, _)] = await bookings(sessions)
    assert (booking.service_key, booking.phone) == ("home_visit", "13912345678")


async def reminders(sessions: async_sessionmaker[AsyncSession], profile: Profile, at: datetime) -> list[str]:
    await Scheduler(sessions, profile, clock=lambda: at).run_due()
    async with sessions() as session:
        found = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == REMINDER_KIND))
        return [str(message.payload["text"]) for message in found]


async def test_a_home_visit_asks_where_to_go_and_the_visit_keeps_the_address_the_resident_gave(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    """Words no visitor could find a door by are asked again; 「5号」 there is a door, not the 5th of the month (the
    time already chosen is not asked again); the summary, the booking and the day-before reminder say where, and
    the booking keeps what the visit is for."""
    await play(Resident(pipeline, "r-visit-where"), """
        居民: 老伴瘫在床上 想请你们上门来办 下周二下午两点
        助手: 联系电话
        居民: 13912345678
        助手: 上门到哪里
        居民: 就我家
        助手: 楼号、单元和门牌号
        居民: 北门外平房区5号
        助手: !不能预约
        助手: 地点：北门外平房区5号（工作人员上门）
        助手: 12月1日 14:00
        居民: [确认]
        助手: 预约成功
        助手: 地点：北门外平房区5号（工作人员上门）
    """)

    [(booking, slot)] = await bookings(sessions)
    assert (booking.service_key, booking.address) == ("home_visit", "北门外平房区5号")
    assert booking.note == "老伴瘫在床上 想请你们上门来办 下周二下午两点"
    assert slot.starts_at == datetime(2026, 12, 1, 14, 0, tzinfo=SHANGHAI)
    day_before = datetime(2026, 11, 30, 14, 0, tzinfo=SHANGHAI)
    [reminder] = await reminders(sessions, profile, day_before)
    assert "地点：北门外平房区5号（工作人员上门）" in reminder


async def test_an_address_on_record_is_shown_for_the_resident_to_confirm_and_may_be_corrected(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """The building, unit and room a report gave are where the visit goes unless the resident says otherwise."""
    await play(Resident(pipeline, "r-visit-on-record"), """
        居民: 9栋2单元301 楼道灯坏了好几天了
        助手: 已登记
        居民: 我腿脚不好 想约上门办理 下周二下午三点 电话13912345678
        助手: 地点：9栋2单元301室（工作人员上门）
        助手: !上门到哪里
        居民: 不对 是我闺女家 12栋1单元602
        助手: 地点：12栋1单元602室（工作人员上门）
        居民: [确认]
        助手: 预约成功
    """)

    [(booking, _)] = await bookings(sessions)
    assert booking.address == "12栋1单元602室"


async def test_an_address_said_in_pieces_is_put_together(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """By voice the building comes first; the door is asked for, and a room said at the summary completes it."""
    await play(Resident(pipeline, "r-visit-pieces"), """
        居民: 老太太九十了走不动 想约上门办理 下周二下午三点 电话13912345678
        助手: 上门到哪里
        居民: 我住的是12号楼
        助手: 12栋几单元几号
        居民: 三单元
        助手: 地点：12栋3单元（工作人员上门）
        居民: 不对 是402
        助手: 地点：12栋3单元402室（工作人员上门）
        居民: [确认]
        助手: 预约成功
    """)

    [(booking, _)] = await bookings(sessions)
    assert booking.address == "12栋3单元402室"


async def staff_cards(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    """The home-visit cards in the outbox: kind, staff key, text."""
    async with sessions() as session:
        rows = await session.execute(select(OutboxMessage.kind, Staff.key, OutboxMessage.payload)
                                     .join(Staff, Staff.id == OutboxMessage.staff_id)
                                     .where(OutboxMessage.kind.like("home_visit_%")).order_by(OutboxMessage.id))
        return [(kind, key, str(payload["text"])) for kind, key, payload in rows.all()]


async def test_the_window_is_told_of_a_home_visit_booked_and_called_off_without_the_residents_details(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-visit-cards"), """
        居民: 帮我约下周三上午的法律咨询
        居民: [确认]
        助手: 预约成功
        居民: 我腿脚不好 想约上门办理 下周二下午三点 电话13912345678 我住3栋2单元501
        居民: [确认]
        助手: 预约成功
    """)
    booked = await staff_cards(sessions)
    await play(Resident(pipeline, "r-visit-cards"), """
        居民: 下周二的上门办理不约了 取消吧
        助手: 已取消
    """)
    cancelled = (await staff_cards(sessions))[len(booked):]

    assert [(kind, key) for kind, key, _ in booked] == [("home_visit_booked", "by-win-01"),
                                                        ("home_visit_booked", "by-win-02")]
    assert all("12月1日 15:00" in text and "13912345678" not in text and "501" not in text for _, _, text in booked)
    assert [(kind, key) for kind, key, _ in cancelled] == [("home_visit_cancelled", "by-win-01"),
                                                           ("home_visit_cancelled", "by-win-02")]


async def test_a_go_ahead_asked_the_door_books_the_building_on_record(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-visit-building"), """
        居民: 5栋楼道灯坏了好几天了
        助手: 已登记
        居民: 我腿脚不好 想约上门办理 下周二下午三点 电话13912345678
        助手: 5栋几单元几号
        居民: 确认
        助手: 预约成功
        助手: 地点：5栋（工作人员上门）
    """)

    [(booking, _)] = await bookings(sessions)
    assert booking.address == "5栋"


async def test_come_and_do_it_at_home_is_a_home_visit(pipeline: Pipeline) -> None:
    """「来家里办」 named no service (the alias was 「到家里办」): the resident was shown the list of services."""
    await play(Resident(pipeline, "r-come-home"), """
        居民: 俺家老头子中风了 下不了床 想让你们来家里办个认证
        助手: 上门办理在居民家中
        助手: !要预约哪项服务
    """)


async def test_an_address_said_at_an_office_booking_is_not_kept(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-office-address"), """
        居民: 我住3栋2单元501 帮我约下周三上午的法律咨询
        助手: 地点：社区服务中心二楼调解室
        助手: !上门到哪里
        居民: [确认]
        助手: 预约成功
    """)

    [(booking, _)] = await bookings(sessions)
    assert (booking.service_key, booking.address, booking.note) == ("legal_advice", None, None)


async def test_a_morning_asked_for_is_not_booked_in_the_afternoon(pipeline: Pipeline) -> None:
    # Community police: Wednesdays only in the afternoon.
    await play(Resident(pipeline, "r-morning"), """
        居民: 后天上午九点半想约社区民警
        助手: 不能预约约见社区民警
        助手: !请核对
    """)


async def test_yes_to_the_free_times_offered_asks_which_of_those_and_a_number_books_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「好」 to the afternoon times offered when the morning asked for is not served: which one of those, still on
    that day (it went back to asking from scratch, offering tomorrow)."""
    await play(Resident(pipeline, "r-yes"), """
        居民: 我想预约上门办理
        助手: 请问想约什么时间
        居民: 下礼拜二上午吧
        助手: 12月1日 09:00不能预约上门办理
        助手: 12月1日 14:00
        居民: 好
        助手: 请从下面选一个
        助手: 12月1日 15:00
        助手: !请问想约什么时间
        居民: 2
        助手: 留一个联系电话
    """)


async def test_three_slots_in_one_message(pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-three"), """
        居民: 帮我约下周三下午三点的法律咨询，电话13912345678
        助手: 请核对
        助手: 12月2日 15:00
        居民: [确认]
        助手: 预约成功
    """)

    [(_, slot)] = await bookings(sessions)
    assert slot.starts_at == datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI)


async def test_full_slot_offers_the_next_free_ones(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    first, second = Resident(pipeline, "r-first"), Resident(pipeline, "r-second")
    await play(first, """
        居民: 帮我约下周三上午的法律咨询，电话13912345678
        居民: [确认]
        助手: 预约成功
    """)
    await play(second, """
        居民: 我也想约下周三上午的法律咨询
        助手: 已经约满了
        居民: [12月2日 09:30]
        助手: 请核对
        居民: [确认]
        助手: 预约成功
    """)

    starts = [slot.starts_at for _, slot in await bookings(sessions)]
    assert starts == [datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI), datetime(2026, 12, 2, 9, 30, tzinfo=SHANGHAI)]


async def test_closed_day_and_past_time_are_refused_with_free_times(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-bad"), """
        居民: 约下周一的法律咨询
        助手: 那天不办理这项业务
        助手: 12月2日 09:00
        居民: 上周三上午
        助手: 这个时间已经过去了
    """)


async def test_a_day_not_served_is_offered_the_free_time_before_it_as_well_as_after(pipeline: Pipeline) -> None:
    """「下周一」 for a service not served on Mondays offered only times after it: 「能早点吗」 had nowhere to go,
    though the Saturday before was free."""
    await play(Resident(pipeline, "r-before-too"), """
        居民: 约下周一的法律咨询
        助手: 那天不办理这项业务
        助手: 1. 11月28日 11:00
        助手: 2. 12月2日 09:00
        助手: 3. 12月2日 09:30
    """)


async def test_cancel_frees_the_place(pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident = Resident(pipeline, "r-cancel")
    await play(resident, """
        居民: 帮我约下周三上午的法律咨询，电话13912345678
        居民: [确认]
        助手: 预约成功
        居民: 下周三的预约取消吧
        助手: 已取消预约
        助手: 名额已释放
    """)

    [(booking, slot)] = await bookings(sessions)
    assert booking.status == "cancelled"
    assert slot.booked == 0


async def test_cancelling_in_words_right_after_the_bookings_were_listed_cancels_the_booking(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「那就取消吧」 reads as a goodbye to the classifier: the booking stood while the resident thought it gone."""
    await play(Resident(pipeline, "r-cancel-in-words"), f"""
        {BOOKED}
        居民: 我那个预约现在是什么情况
        助手: 已预约
        助手: 取消预约
        居民: 那就取消吧
        助手: 已取消预约
    """)

    [(booking, slot)] = await bookings(sessions)
    assert (booking.status, slot.booked) == ("cancelled", 0)


@pytest.mark.parametrize(("before", "words"), [
    ("我想开个居住证明", "那就取消吧"),
    ("我那个预约现在是什么情况", "不用了 谢谢"),
    ("我那个预约现在是什么情况", "算了"),
])
async def test_words_that_give_no_booking_up_where_it_is_offered_cancel_none(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], before: str, words: str) -> None:
    """Cancelling with nothing offered to cancel (the form asked for is what 「那就取消吧」 gives up), or words that end
    the conversation as often as they give anything up, leave the booking as it is."""
    await play(Resident(pipeline, "r-cancel-not-offered"), f"""
        {BOOKED}
        居民: {before}
        居民: {words}
        助手: !已取消预约
    """)

    [(booking, _)] = await bookings(sessions)
    assert booking.status == "booked"


async def test_thanks_to_the_summary_is_told_it_is_not_yet_booked_and_ok_with_thanks_books_it(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「好的谢谢」 (a goodbye to the classifier) put the booking aside with 「感谢您的反馈」, and the resident went
    home thinking it booked; 「谢谢」 alone showed the whole summary again."""
    await play(Resident(pipeline, "r-thanks"), """
        居民: 帮我约下周三上午的法律咨询
        助手: 请核对
        居民: 谢谢
        助手: 还没有提交
        助手: !请核对
        助手: 确认
        居民: 好的谢谢
        助手: 预约成功
        助手: !有事随时找我们
    """)

    assert len(await bookings(sessions)) == 1

