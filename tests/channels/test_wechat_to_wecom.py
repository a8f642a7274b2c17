"""End to end through the real app with both channels configured: a resident reports on WeChat, the
accountable staff member gets a WeCom card, closes the ticket from WeCom, and the resident is told on
WeChat and answers 满意 by number. Only the platforms are fake (one fake API on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.conversation.pipeline import Pipeline
from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import Rating, Ticket
from storage.profile import Profile
from tests.channels import wecom_server
from tests.channels.wechat_server import AES_KEY, TOKEN, serve, text_xml
from tests.channels.wecom_server import WeComCallbacks
from tests.conftest import DEMO_PROFILE, NLU_DATA
from tests.fakes.wechat_api import CUSTOM_SEND, FakeWeChatAPI

LIGHT = "3栋楼道灯坏了，晚上黑灯瞎火的"
SERVICE_TEAM = "baiyang_by_svc_01"
RACING_SECONDS = 1.0
"""How long a typed「1」 may run before the closing notice's send is let finish: long enough for the whole
message to be handled, were nothing making it wait for the notice's choices."""


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


def both_channels(database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline) -> Runtime:
    settings = Settings(
        database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA], public_url="https://fd.example.cn",
        wechat_token=TOKEN, wechat_aes_key=AES_KEY, wechat_app_id=api.appid, wechat_app_secret=api.secret,
        wechat_api_base=api.base_url, wechat_community="baiyang",
        wecom_token=wecom_server.TOKEN, wecom_aes_key=wecom_server.AES_KEY, wecom_corp_id=api.corpid,
        wecom_secret=api.corpsecret, wecom_agent_id=wecom_server.AGENT_ID, wecom_api_base=api.base_url)
    return Runtime(settings, profile, pipeline.sessions.kw["bind"], pipeline.sessions, pipeline)


async def test_report_on_wechat_close_on_wecom_rate_on_wechat(database_url: str, api: FakeWeChatAPI,
                                                              profile: Profile, pipeline: Pipeline) -> None:
    async with serve(both_channels(database_url, api, profile, pipeline)) as wechat:
        staff = WeComCallbacks(wechat.client, api.corpid,
                               WeChatCrypto(wecom_server.TOKEN, wecom_server.AES_KEY, api.corpid))
        reported, _ = await wechat.post_encrypted(text_xml("openid-e2e", LIGHT, 9_000_001))
        answer = wechat.decrypt_reply(reported.text)["Content"]
        number = re.search(r"GD\d{8}-\d{4}", answer)
        assert number is not None

        await api.wait_for_async(lambda: len(api.sent_messages("wecom")) == 1)
        [card] = api.sent_messages("wecom")
        closed = await staff.say(SERVICE_TEAM, f"办结 {number.group()} 已更换灯泡")
        await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1)
        [told] = api.sent_messages("custom")
        rating_sent, _ = await wechat.post_encrypted(text_xml("openid-e2e", "1", 9_000_002))
        rated = wechat.decrypt_reply(rating_sent.text)["Content"]

    assert card["touser"] == SERVICE_TEAM
    assert number.group() in card["textcard"]["description"]
    assert number.group() in closed
    assert told["touser"] == "openid-e2e"
    assert "已更换灯泡" in told["text"]["content"]
    assert "1. 满意" in told["text"]["content"]
    assert "2. 不满意" in told["text"]["content"]
    assert rated
    async with pipeline.sessions() as session:
        ticket = await session.scalar(select(Ticket))
        rating = await session.scalar(select(Rating))
    assert ticket is not None
    assert ticket.status == "closed"
    assert rating is not None
    assert rating.satisfied is True


async def test_a_number_typed_the_moment_the_closing_notice_arrives_rates_the_ticket(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline) -> None:
    """WeChat has put the closing notice on the phone but the office has not yet heard back from WeChat when
    the resident answers「1」: the answer still picks 满意 from that notice."""
    async with serve(both_channels(database_url, api, profile, pipeline)) as wechat:
        staff = WeComCallbacks(wechat.client, api.corpid,
                               WeChatCrypto(wecom_server.TOKEN, wecom_server.AES_KEY, api.corpid))
        reported, _ = await wechat.post_encrypted(text_xml("openid-race", LIGHT, 9_100_001))
        number = re.search(r"GD\d{8}-\d{4}", wechat.decrypt_reply(reported.text)["Content"])
        assert number is not None
        await api.wait_for_async(lambda: len(api.sent_messages("wecom")) == 1)
        on_the_phone = api.hold(CUSTOM_SEND)
        await staff.say(SERVICE_TEAM, f"办结 {number.group()} 已更换灯泡")
        await api.wait_for_async(lambda: api.arrivals(CUSTOM_SEND) == 1)
        typed = asyncio.create_task(wechat.post_encrypted(text_xml("openid-race", "1", 9_100_002)))
        await asyncio.wait({typed}, timeout=RACING_SECONDS)
        on_the_phone.set()
        rating_sent, _ = await typed
        rated = wechat.decrypt_reply(rating_sent.text)["Content"]

    async with pipeline.sessions() as session:
        rating = await session.scalar(select(Rating))
    assert rating is not None, rated
    assert rating.satisfied is True
