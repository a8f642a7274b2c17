"""subscribe_notices / unsubscribe_notices conversations and the rows they leave, on both databases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from storage.models import Area, Community, Notice, Subscription
from storage.repositories import notices
from tests.bot.transcript import Resident, play


async def subscriptions(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Subscription]:
    async with sessions() as session:
        return {s.topic: s for s in await session.scalars(select(Subscription))}


async def test_subscribe_list_and_unsubscribe_with_the_area_from_the_building(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    resident = Resident(pipeline, "r-notices")
    await play(resident, """
        居民: 订阅停水停电，我住3栋
        助手: 已订阅“停水停电”，范围：白杨社区东一片
        居民: 帮我订阅治安预报
        助手: 已订阅“治安预报”，范围：白杨社区东一片
        居民: 订阅治安预报
        助手: 已经订阅了“治安预报”
        居民: 我订阅了什么
        助手: · 停水停电（白杨社区东一片）
        助手: · 治安预报（白杨社区东一片）
        助手: 防诈骗
        助手: !1. 治安预报
        居民: 退订
        助手: 要退订哪一项
        居民: [治安预报]
        助手: 已退订“治安预报”
        居民: 退订治安预报
        助手: 您没有订阅“治安预报”
    """)

    stored = await subscriptions(sessions)
    assert set(stored) == {"outages", "security_forecast"}
    assert stored["outages"].active
    assert not stored["security_forecast"].active
    async with sessions() as session:
        area = await session.get_one(Area, stored["outages"].area_id)
    assert area.name == "东一片"
    assert stored["outages"].building_id is not None


async def test_no_topic_gets_the_topics_as_buttons_and_a_community_topic_reaches_everyone(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-menu"), """
        居民: 我要订阅通知
        助手: 可以订阅下面这些通知
        助手: 社区公告
        居民: [防诈骗]
        助手: 已订阅“防诈骗”，范围：白杨社区全社区
    """)

    stored = await subscriptions(sessions)
    assert stored["anti_fraud"].area_id is None


async def test_giving_up_the_subscriptions_just_listed_in_words_stops_them_and_a_bare_no_does_not(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-gives-up"), """
        居民: 我想订阅停水停电的通知
        助手: 已订阅“停水停电”
        居民: 还有那个安全的也要
        助手: 您目前订阅了
        居民: 不要了
        助手: !已退订
        居民: 我订阅了什么
        助手: 您目前订阅了
        居民: 不要了 都取消吧
        助手: 已退订“停水停电”
    """)

    assert not (await subscriptions(sessions))["outages"].active


async def test_a_topic_added_or_given_up_in_a_few_words_changes_the_subscriptions(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    """「还有防诈骗的」 after a subscription got the fraud tip (a safety tip to the classifier); 「停水的不要了」 after
    the list asked what problem to report (a water cut to the classifier)."""
    await play(Resident(pipeline, "r-few-words"), """
        居民: 有停水通知的话告诉我一声
        助手: 已订阅“停水停电”
        居民: 还有防诈骗的
        助手: 已订阅“防诈骗”
        居民: 我订了哪些
        助手: 您目前订阅了
        居民: 停水的不要了
        助手: 已退订“停水停电”
        助手: !遇到了什么问题
    """)

    mine = await subscriptions(sessions)
    assert (mine["outages"].active, mine["anti_fraud"].active) == (False, True)


async def test_a_topic_not_subscribed_given_up_in_a_few_words_is_told_it_is_not_sent(pipeline: Pipeline) -> None:
    """「不要防诈骗的 太多了」 from a resident subscribed to other notices got 「没太明白」 and the menu."""
    await play(Resident(pipeline, "r-not-that-one"), """
        居民: 我想收那个治安的提醒
        助手: 已订阅“治安预报”
        居民: 不要防诈骗的 太多了
        助手: 您没有订阅“防诈骗”
    """)


async def test_a_topic_named_by_someone_not_subscribed_is_not_a_change_to_notices(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-not-subscribed"), """
        居民: 还有防诈骗的
        助手: !已订阅
    """)


async def test_unsubscribing_with_nothing_subscribed_says_so(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-none"), """
        居民: 不想收通知了
        助手: 没有订阅任何通知
    """)


async def test_area_notices_reach_their_area_and_subscribers_who_gave_no_building(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await play(Resident(pipeline, "r-east"), "居民: 订阅停水停电，我住3栋")
    await play(Resident(pipeline, "r-south"), "居民: 订阅停水停电，我住40栋")
    await play(Resident(pipeline, "r-anywhere"), "居民: 订阅停水停电")

    async with sessions() as session:
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        east = (await session.scalars(select(Area).where(Area.name == "东一片"))).one()
        east_notice = Notice(topic="outages", community_id=community.id, area_keys=[east.key], building_numbers=[])
        reached = await notices.count(session, notices.audience(east_notice))
        everyone = await notices.count(session, notices.audience(Notice(
            topic="outages", community_id=community.id, area_keys=[], building_numbers=[])))

    assert reached == 2
    assert everyone == 3
