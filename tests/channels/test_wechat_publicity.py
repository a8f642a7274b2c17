"""A 公示 reaches a subscriber on WeChat as text with 「1. 我有异议」, and the resident objects by typing numbers:
through the real app, real crypto and the real dispatcher; only WeChat is fake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from sqlalchemy import select

from bot.conversation.pipeline import Pipeline
from bot.notices.publicity import PublicityInput, create_publicity, publish_publicity
from storage.models import Community, Objection, Ticket
from storage.profile import Profile
from tests.channels.test_wechat_to_wecom import both_channels
from tests.channels.wechat_server import WeChatCallbacks, serve, text_xml
from tests.conftest import HandClock
from tests.fakes.wechat_api import FakeWeChatAPI

OPENID = "openid-publicity"
TITLE = "2026年高龄津贴新增名单"


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


def resident_on(wechat: WeChatCallbacks) -> Callable[[str, int], Awaitable[str]]:
    """The resident typing a message on WeChat; what the office answers in the webhook."""
    async def say(text: str, message_id: int) -> str:
        sent, _ = await wechat.post_encrypted(text_xml(OPENID, text, message_id))
        return str(wechat.decrypt_reply(sent.text)["Content"])

    return say


async def published_on_wechat(pipeline: Pipeline, api: FakeWeChatAPI, clock: HandClock) -> str:
    """A 公示 put up and published; the text WeChat carried to the subscriber."""
    async with pipeline.sessions() as session, session.begin():
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        draft = await create_publicity(session, pipeline.profile, community, PublicityInput(
            subject="subsidy", title=TITLE, body="拟新增高龄津贴对象：周桂芳、钱学军。"), None, clock())
        await publish_publicity(session, pipeline.profile, draft.publicity, clock())
    await api.wait_for_async(lambda: any(TITLE in m["text"]["content"] for m in api.sent_messages("custom")))
    [notice] = [m["text"]["content"] for m in api.sent_messages("custom") if TITLE in m["text"]["content"]]
    return str(notice)


async def test_a_subscriber_objects_on_wechat_by_typing_the_numbers_shown(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline, clock: HandClock) -> None:
    async with serve(both_channels(database_url, api, profile, pipeline)) as wechat:
        say = resident_on(wechat)
        subscribed = await say("订阅社区公告", 9_200_001)
        notice = await published_on_wechat(pipeline, api, clock)
        asked = await say("1", 9_200_002)
        contact = await say("钱学军的儿子在社区上班，他家不缺钱", 9_200_003)
        receipt = await say("1", 9_200_004)

    assert "社区公告" in subscribed
    assert "1. 我有异议" in notice
    assert "理由是什么" in asked
    assert "1. 匿名提交" in contact
    assert "已匿名提交" in receipt
    async with pipeline.sessions() as session:
        objection = (await session.scalars(select(Objection))).one()
        ticket = await session.get_one(Ticket, objection.ticket_id)
    assert ticket.number is not None
    assert ticket.number in receipt
    assert ticket.channel == "wechat"


async def test_a_publicity_arriving_in_the_middle_of_a_flow_leaves_the_numbers_to_the_flow(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline, clock: HandClock) -> None:
    async with serve(both_channels(database_url, api, profile, pipeline)) as wechat:
        say = resident_on(wechat)
        await say("订阅社区公告", 9_300_001)
        asked = await say("我要开个证明", 9_300_002)
        notice = await published_on_wechat(pipeline, api, clock)
        picked = await say("1", 9_300_003)

    assert "1. 居住证明" in asked
    assert "1. 我有异议" not in notice
    assert "回复“我有异议”" in notice
    assert "给谁开" in picked  # 1 picked 居住证明, the flow's first choice
    async with pipeline.sessions() as session:
        assert (await session.scalars(select(Objection))).all() == []
