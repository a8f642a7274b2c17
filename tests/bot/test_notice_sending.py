"""A notice from draft to delivery rows: audience, approvals, fan-out, Update, Cancel, expiry and
scheduled sending, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.registry import push_channels
from bot.core.errors import NoticeNeedsApproval, NoticeStateError
from bot.notices import sending
from bot.notices.compose import AnnouncementInput, ForecastInput, compose_announcement, compose_forecast
from bot.workers.delivery import OutboxDispatcher
from bot.workers.scheduler import Scheduler
from storage.models import (
    ChannelIdentity,
    Community,
    Notice,
    NoticeStage,
    OutboxMessage,
    ScheduledJob,
    Staff,
    SubscribeConsent,
)
from storage.profile import Profile
from storage.repositories import consents, notices
from tests.conftest import MONDAY_10AM
from tests.subscribers import seed_subscribers

Sessions = async_sessionmaker[AsyncSession]
NOW = MONDAY_10AM
FORECAST = {"period": "11月16日至22日", "area_keys": ["a1"],
            "cases": [{"kind": "电信网络诈骗", "count": 3, "last_count": 1}]}


async def qingshui(session: AsyncSession) -> Community:
    return (await session.scalars(select(Community).where(Community.key == "qingshui"))).one()


async def staff(session: AsyncSession, key: str) -> Staff:
    return (await session.scalars(select(Staff).where(Staff.key == key))).one()


async def announcement(session: AsyncSession, profile: Profile, **target: list[str]) -> Notice:
    draft = compose_announcement(profile, "qingshui", AnnouncementInput.from_mapping(
        {"headline": "11月25日停水", "body": "因管网维修，11月25日9:00至15:00停水。", **target}))
    notice = sending.create_notice(session, profile, await qingshui(session), draft, None, NOW)
    await session.flush()
    return notice


async def deliveries(session: AsyncSession, notice_id: int) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == notice_id)
                                      .order_by(OutboxMessage.id)))


async def test_an_area_notice_reaches_subscribers_in_its_buildings_and_those_who_gave_none(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        upper = await seed_subscribers(session, "qingshui", "announcements", 4, buildings=["3"])
        lower = await seed_subscribers(session, "qingshui", "announcements", 3, buildings=["20"], first_account=1)
        unknown = await seed_subscribers(session, "qingshui", "announcements", 2, buildings=[], first_account=100)
        await seed_subscribers(session, "qingshui", "outages", 5, buildings=["3"], first_account=200)
        paused = await seed_subscribers(session, "qingshui", "announcements", 1, buildings=["3"], first_account=300)
        (await session.scalars(select(ChannelIdentity).where(ChannelIdentity.resident_id == paused[0]))).one() \
            .active = False

        by_area = await announcement(session, profile, area_keys=["a1"])
        by_building = await announcement(session, profile, building_numbers=["20"])
        everyone = await announcement(session, profile)
        reach = {name: {r for (r,) in (await session.execute(notices.audience(n))).all()}
                 for name, n in (("area", by_area), ("building", by_building), ("all", everyone))}

    assert reach["area"] == {*upper, *unknown}
    assert reach["building"] == {*lower, *unknown}
    assert reach["all"] == {*upper, *lower, *unknown}


async def test_the_preview_counts_wechat_recipients_by_how_a_message_reaches_them_now(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", 2)
        await seed_subscribers(session, "qingshui", "announcements", 6, channel="wechat", first_account=7_000_000)
        accounts = (await session.scalars(select(ChannelIdentity).where(ChannelIdentity.channel == "wechat")
                                          .order_by(ChannelIdentity.id))).all()
        for account in accounts[:2]:  # wrote an hour ago: the 48-hour window is open
            account.last_inbound_at = NOW - timedelta(hours=1)
        accounts[2].last_inbound_at, accounts[2].sends_since_inbound = NOW - timedelta(hours=1), 5  # window used up
        consents.grant(session, accounts[2].external_id, ["tpl"], NOW - timedelta(days=3))
        consents.grant(session, accounts[3].external_id, ["tpl"], NOW - timedelta(days=3))
        spent = SubscribeConsent(openid=accounts[4].external_id, template_id="tpl", granted_at=NOW - timedelta(days=9),
                                 spent_at=NOW - timedelta(days=8))
        session.add(spent)
        notice = await announcement(session, profile)
        seen = await sending.preview(session, profile, notice, NOW)

    assert seen.recipients == 8
    assert seen.by_channel == {"telegram": 2, "wechat": 2, "wechat_consent": 2, "wechat_unreached": 2}


async def test_sending_writes_one_delivery_per_recipient_with_the_text_fixed_on_the_notice(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        residents = await seed_subscribers(session, "qingshui", "announcements", 25)
        notice = await announcement(session, profile)
        seen = await sending.preview(session, profile, notice, NOW)
        count = await sending.start_sending(session, profile, notice, NOW)
    async with sessions() as session:
        rows = await deliveries(session, notice.id)
        stored = await session.get_one(Notice, notice.id)
        expiry = (await session.scalars(select(ScheduledJob).where(ScheduledJob.subject_id == notice.id))).all()

    assert seen.recipients == count == len(rows) == 25
    assert seen.by_channel == {"telegram": 25}
    assert sorted(r.resident_id or 0 for r in rows) == sorted(residents)
    assert all(r.payload == {} and r.kind == "notice" for r in rows)
    assert stored.stage == NoticeStage.SENT
    assert stored.recipients == 25
    assert stored.sent_at == NOW
    assert stored.body == seen.text
    assert stored.body is not None
    assert "从不会以任何理由向您索要钱款" in stored.body.splitlines()[-1]
    assert [(j.kind, j.run_at) for j in expiry] == [(sending.EXPIRE_JOB, NOW + timedelta(days=7))]


async def test_a_forecast_waits_for_police_and_secretary_to_approve_before_it_can_be_sent(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "security_forecast", 6, buildings=["3", "20"])
        draft = compose_forecast(profile, "qingshui", ForecastInput.from_mapping(FORECAST))
        notice = sending.create_notice(session, profile, await qingshui(session), draft, None, NOW)
        await session.flush()
        police, secretary = await staff(session, "qs-police-01"), await staff(session, "qs-sec-01")

        with pytest.raises(NoticeNeedsApproval) as refused:
            await sending.start_sending(session, profile, notice, NOW)
        first = await sending.approve(session, profile, notice, police, NOW)
        again = await sending.approve(session, profile, notice, police, NOW)
        with pytest.raises(NoticeStateError):
            await sending.approve(session, profile, notice, await staff(session, "qs-win-01"), NOW)
        last = await sending.approve(session, profile, notice, secretary, NOW)
        count = await sending.start_sending(session, profile, notice, NOW)

    assert refused.value.missing_roles == ["police", "secretary"]
    assert first == again == ["secretary"]
    assert last == []
    assert count == 3  # the area a1 holds building 3, not 20


async def test_a_cancel_goes_to_whom_the_notice_reached_and_stops_its_waiting_deliveries(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", 5)
        notice = await announcement(session, profile)
        await sending.start_sending(session, profile, notice, NOW)
        for row in (await deliveries(session, notice.id))[:2]:
            row.delivered_at = NOW
        withdrawal = await sending.cancel(session, profile, notice, None, NOW + timedelta(hours=1), "维修已提前完成")
        assert withdrawal is not None
    async with sessions() as session:
        original = await notices.delivery_report(session, notice.id)
        cancel = await notices.delivery_report(session, withdrawal.id)
        current = await notices.current(session, notice.community_id, NOW + timedelta(hours=2))
        stored = await session.get_one(Notice, notice.id)

    assert (original.sent, original.pending, original.settled) == (2, 0, {notices.CANCELLED: 3})
    assert (cancel.pending, cancel.total) == (2, 2)
    assert withdrawal.msg_type == "Cancel"
    assert withdrawal.references_id == notice.id
    assert withdrawal.body is not None
    assert "撤销" in withdrawal.body
    assert "维修已提前完成" in withdrawal.body
    assert stored.stage == NoticeStage.CANCELLED
    assert current == []


async def test_an_update_replaces_the_notice_it_refers_to(sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", 3)
        first = await announcement(session, profile)
        await sending.start_sending(session, profile, first, NOW)
        draft = compose_announcement(profile, "qingshui", AnnouncementInput.from_mapping(
            {"headline": "停水时间改为11月26日", "body": "停水改到11月26日9:00至12:00。"}))
        update = sending.create_notice(session, profile, await qingshui(session), draft, None, NOW, replaces=first)
        await session.flush()
        await sending.start_sending(session, profile, update, NOW + timedelta(minutes=5))
    async with sessions() as session:
        current = await notices.current(session, first.community_id, NOW + timedelta(hours=1))
        replaced = await notices.delivery_report(session, first.id)

    assert [n.id for n in current] == [update.id]
    assert update.msg_type == "Update"
    assert update.references_id == first.id
    assert update.body is not None
    assert update.body.startswith("【更新】")
    assert replaced.settled == {sending.SUPERSEDED: 3}


async def test_a_notice_expires_on_schedule_and_its_waiting_deliveries_stop(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", 4)
        notice = await announcement(session, profile)
        await sending.start_sending(session, profile, notice, NOW)
    week_later = NOW + timedelta(days=7, minutes=1)

    assert await Scheduler(sessions, profile, clock=lambda: NOW + timedelta(days=6)).run_due() == 0
    assert await Scheduler(sessions, profile, clock=lambda: week_later).run_due() == 1
    async with sessions() as session:
        stored = await session.get_one(Notice, notice.id)
        report = await notices.delivery_report(session, notice.id)
        current = await notices.current(session, notice.community_id, week_later)

    assert stored.stage == NoticeStage.EXPIRED
    assert report.settled == {notices.EXPIRED: 4}
    assert current == []


async def test_a_scheduled_notice_goes_out_when_due_by_whichever_worker_runs_then(
        sessions: Sessions, profile: Profile) -> None:
    at = NOW + timedelta(hours=20)
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", 3)
        notice = await announcement(session, profile)
        await sending.schedule_send(session, profile, notice, at)

    assert await Scheduler(sessions, profile, clock=lambda: at - timedelta(minutes=1)).run_due() == 0
    assert await Scheduler(sessions, profile, clock=lambda: at + timedelta(minutes=3)).run_due() == 1
    async with sessions() as session:
        stored = await session.get_one(Notice, notice.id)
        sent = await session.scalar(select(func.count()).where(OutboxMessage.notice_id == notice.id))

    assert (stored.stage, stored.sent_at, sent) == (NoticeStage.SENT, at + timedelta(minutes=3), 3)


async def test_deliveries_a_worker_claims_after_the_notice_was_cancelled_are_settled_not_sent(
        sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", 3)
        notice = await announcement(session, profile)
        await sending.start_sending(session, profile, notice, NOW)
        notice.stage = NoticeStage.CANCELLED  # as if cancelled between the claim query and the send

    handed = await OutboxDispatcher(sessions, push_channels=push_channels(),
                                    clock=lambda: NOW + timedelta(seconds=1)).dispatch_once()
    async with sessions() as session:
        report = await notices.delivery_report(session, notice.id)

    assert handed == 0
    assert report.settled == {notices.CANCELLED: 3}
