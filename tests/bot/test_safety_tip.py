"""safety_tip conversations: tips by topic from the profile, a topic menu otherwise, and the
line that the community never asks for money, passwords or codes under every tip."""

from __future__ import annotations

import pytest

from bot.conversation.pipeline import Pipeline
from nlu.payloads import button_payload
from storage.profile import Profile
from tests.bot.transcript import Resident, play

NEVER_ASKS = "绝不会向您要钱、要密码或验证码"


async def test_fraud_question_gets_the_fraud_tips(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-fraud"), f"""
        居民: 怎么防范电信诈骗
        助手: 【电信诈骗安全提醒】
        助手: 刷单返利
        助手: 冒充公检法
        助手: {NEVER_ASKS}
    """)


async def test_one_kind_of_fraud_gets_that_tip_alone(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-shua"), f"""
        居民: 刷单是不是诈骗
        助手: 刷单返利
        助手: !冒充公检法
        助手: {NEVER_ASKS}
    """)


async def test_no_topic_named_gets_the_topic_menu_as_buttons(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-menu"), f"""
        居民: 我想学点安全知识
        助手: 哪方面的安全提醒
        助手: 电动车充电
        居民: [电动车充电]
        助手: 【电动车充电安全提醒】
        助手: 飞线
        助手: {NEVER_ASKS}
    """)


async def test_a_fire_question_taken_for_an_emergency_still_reaches_the_fire_tips(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-fire"), f"""
        居民: 家里起火怎么灭
        助手: 119
        居民: [安全提醒]
        助手: 【火灾安全提醒】
        助手: {NEVER_ASKS}
    """)


async def test_asking_how_to_prevent_a_fire_gets_the_fire_tips_at_once(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-prevent"), f"""
        居民: 万一家里着火了应该先干啥
        助手: 【火灾安全提醒】
        助手: {NEVER_ASKS}
    """)


@pytest.mark.parametrize("topic", ["fraud", "fire", "ebike", "gas", "elderly_alone", "burglary", "drowning"])
async def test_every_topic_carries_the_never_asks_line(pipeline: Pipeline, profile: Profile, topic: str) -> None:
    resident = Resident(pipeline, f"r-{topic}")

    [reply] = await resident.say(button_payload("safety_tip", topic=topic))

    assert reply.text.startswith(f"【{profile.safety_topics[topic].name}安全提醒】")
    assert reply.text.rstrip().endswith(profile.reply_template(None, "safety_never_asks"))


async def test_a_rumour_of_a_robbery_asked_about_gets_the_street_tips_not_a_ticket(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-rumour"), f"""
        居民: 听邻居说西边那条小路上礼拜有人晚上被抢了包 是真的吗 我天天下夜班走那条路
        助手: !已登记
        居民: 安全提醒
        助手: 【夜间出行安全提醒】
        助手: 走亮处
        助手: {NEVER_ASKS}
    """)


async def test_how_to_keep_safe_going_on_from_the_story_told_gets_that_topic_not_the_menu(pipeline: Pipeline) -> None:
    """「那我以后咋防着点」 after telling of a fraud call named no topic, and got the menu of eight."""
    await play(Resident(pipeline, "r-goes-on"), """
        居民: 最近老有人冒充客服给我打电话 说要给我退款
        居民: 那我以后咋防着点
        助手: 【电信诈骗安全提醒】
        助手: !哪方面的安全提醒
    """)
    await play(Resident(pipeline, "r-not-going-on"), """
        居民: 我以后咋防着点
        助手: 哪方面的安全提醒
    """)
