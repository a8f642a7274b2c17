"""The official account's webhook: real WeChat XML, plaintext and AES, through the real app over HTTP."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage, Reply
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.base import HandlerContext
from nlu.result import ParseResult
from storage.models import (
    Attachment,
    ChannelIdentity,
    OutboxMessage,
    ProcessedMessage,
    Resident,
    SubscribeConsent,
    Ticket,
)
from storage.profile import Profile
from tests.attacks.test_xml_attacks import LEAKS, Listener, listening
from tests.attacks.test_xml_attacks import NAMES as XML_ATTACKS
from tests.attacks.test_xml_attacks import payloads as xml_attacks
from tests.channels.wechat_server import (
    ACCOUNT,
    AES_KEY,
    TOKEN,
    WeChatCallbacks,
    event_xml,
    message_xml,
    reply_fields,
    serve,
    sign,
    text_xml,
)
from tests.conftest import DEMO_PROFILE, NLU_DATA
from tests.fakes.wechat_api import FakeWeChatAPI

COMPLAINT = "3栋2单元楼道里的下水道堵了，臭了好几天"
_msg_ids = itertools.count(7_000_000_000_000_000_001)


def new_msg_id() -> int:
    return next(_msg_ids)


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


def wechat_runtime(database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline,
                   budget: float = 4.0, aes_key: str | None = None, shutdown_grace: float = 5.0) -> Runtime:
    """An official account in plaintext mode, or with `aes_key` in safe mode."""
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA],
                        wechat_token=TOKEN, wechat_aes_key=aes_key, wechat_app_id=api.appid,
                        wechat_app_secret=api.secret, wechat_api_base=api.base_url, wechat_community="baiyang",
                        wechat_reply_budget_seconds=budget, wechat_shutdown_grace_seconds=shutdown_grace)
    engine = pipeline.sessions.kw["bind"]
    return Runtime(settings, profile, engine, pipeline.sessions, pipeline)


@pytest.fixture
async def wechat(database_url: str, api: FakeWeChatAPI, profile: Profile,
                 pipeline: Pipeline) -> AsyncIterator[WeChatCallbacks]:
    async with serve(wechat_runtime(database_url, api, profile, pipeline)) as callbacks:
        yield callbacks


@pytest.fixture
async def safe_wechat(database_url: str, api: FakeWeChatAPI, profile: Profile,
                      pipeline: Pipeline) -> AsyncIterator[WeChatCallbacks]:
    async with serve(wechat_runtime(database_url, api, profile, pipeline, aes_key=AES_KEY)) as callbacks:
        yield callbacks


async def count(sessions: async_sessionmaker[AsyncSession], model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_url_verification_echoes_only_for_a_valid_signature(wechat: WeChatCallbacks) -> None:
    good = await wechat.client.get("/wechat", params={**wechat.query(), "echostr": "echo-123"})
    forged = await wechat.client.get("/wechat", params={**wechat.query(token="guess"), "echostr": "echo-123"})

    assert (good.status_code, good.text) == (200, "echo-123")
    assert forged.status_code == 403


async def test_plaintext_complaint_gets_an_xml_answer_with_the_ticket(wechat: WeChatCallbacks) -> None:
    response = await wechat.post_plain(text_xml("openid-plain", COMPLAINT, new_msg_id()))

    reply = reply_fields(response.text)
    assert response.status_code == 200
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == ("openid-plain", ACCOUNT, "text")
    assert "GD" in reply["Content"]
    assert "下水道" in reply["Content"]


async def test_aes_message_gets_an_encrypted_answer(safe_wechat: WeChatCallbacks) -> None:
    response, _ = await safe_wechat.post_encrypted(text_xml("openid-aes", COMPLAINT, new_msg_id()))

    assert response.status_code == 200
    assert "<Encrypt>" in response.text
    assert "下水道" not in response.text
    reply = safe_wechat.decrypt_reply(response.text)
    assert reply["ToUserName"] == "openid-aes"
    assert "GD" in reply["Content"]


async def test_a_retried_message_gets_the_same_answer_and_makes_one_ticket(wechat: WeChatCallbacks,
                                                                          pipeline: Pipeline) -> None:
    xml = text_xml("openid-retry", COMPLAINT, new_msg_id())

    first = await wechat.post_plain(xml)
    second = await wechat.post_plain(xml)

    assert reply_fields(first.text)["Content"] == reply_fields(second.text)["Content"]
    assert await count(pipeline.sessions, Ticket) == 1


async def test_choices_are_numbered_and_a_number_answers_them(wechat: WeChatCallbacks) -> None:
    asked = reply_fields((await wechat.post_plain(text_xml("openid-num", "我想学点安全知识", new_msg_id()))).text)
    assert "1. 电信诈骗" in asked["Content"]
    assert "回复数字" in asked["Content"]

    chosen = reply_fields((await wechat.post_plain(text_xml("openid-num", "2", new_msg_id()))).text)

    assert "【火灾安全提醒】" in chosen["Content"]


async def test_voice_uses_the_recognised_text_and_keeps_the_audio_and_without_words_goes_to_the_handler(
        wechat: WeChatCallbacks, pipeline: Pipeline) -> None:
    heard = await wechat.post_plain(message_xml("openid-voice", "voice", new_msg_id(), MediaId="m1", Format="amr",
                                                Recognition=COMPLAINT))
    unheard = await wechat.post_plain(message_xml("openid-voice", "voice", new_msg_id(), MediaId="m2",
                                                  Format="amr"))
    async with pipeline.sessions() as session:
        ticket = (await session.scalars(select(Ticket))).one()
        notes = (await session.scalars(select(Attachment).order_by(Attachment.id))).all()
        told = (await session.scalars(select(OutboxMessage.payload).where(
            OutboxMessage.kind == "voice_to_staff", OutboxMessage.staff_id == ticket.assignee_id))).all()

    assert str(ticket.number) in reply_fields(heard.text)["Content"]
    assert f"语音收到了，已附在您的事项 {ticket.number} 上" in reply_fields(unheard.text)["Content"]
    assert [(n.media_id, n.kind, n.ticket_id) for n in notes] == [("m1", "voice", ticket.id),
                                                                   ("m2", "voice", ticket.id)]
    assert [f"【居民语音】{ticket.number}" in payload["text"] for payload in told] == [True]


async def test_a_photo_waits_for_the_next_ticket_then_goes_with_it(wechat: WeChatCallbacks,
                                                                   pipeline: Pipeline) -> None:
    photo = await wechat.post_plain(message_xml("openid-photo", "image", new_msg_id(), MediaId="media-1",
                                                PicUrl="http://mmbiz.example/1.jpg"))
    await wechat.post_plain(text_xml("openid-photo", COMPLAINT, new_msg_id()))
    later = await wechat.post_plain(message_xml("openid-photo", "image", new_msg_id(), MediaId="media-2"))

    assert "照片已收到" in reply_fields(photo.text)["Content"]
    assert "GD" in reply_fields(later.text)["Content"]
    async with pipeline.sessions() as session:
        ticket_ids = (await session.scalars(select(Attachment.ticket_id).order_by(Attachment.id))).all()
        ticket = await session.scalar(select(Ticket.id))
    assert ticket_ids == [ticket, ticket]


async def test_subscribe_greets_click_maps_to_its_need_unsubscribe_pauses(wechat: WeChatCallbacks,
                                                                         pipeline: Pipeline) -> None:
    greeted = await wechat.post_plain(event_xml("openid-follow", "subscribe"))
    clicked = await wechat.post_plain(event_xml("openid-follow", "CLICK", int(time.time()) + 1,
                                                EventKey="certificate_request"))
    left = await wechat.post_plain(event_xml("openid-follow", "unsubscribe", int(time.time()) + 2))

    assert "社区服务助手" in reply_fields(greeted.text)["Content"]
    assert "证明" in reply_fields(clicked.text)["Content"]
    assert left.text == "success"
    async with pipeline.sessions() as session:
        identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == "openid-follow"))
    assert identity is not None
    assert identity.active is False


async def test_an_unknown_message_type_gets_a_polite_answer(wechat: WeChatCallbacks) -> None:
    response = await wechat.post_plain(message_xml("openid-link", "link", new_msg_id(), Title="t", Url="http://x"))

    assert "暂时还看不了" in reply_fields(response.text)["Content"]


# --- bad input: refused before anything is stored


async def test_a_forged_signature_is_refused_and_nothing_is_stored(wechat: WeChatCallbacks,
                                                                   pipeline: Pipeline) -> None:
    xml = text_xml("openid-forged", COMPLAINT, new_msg_id())
    response = await wechat.client.post("/wechat", params=wechat.query(token="not-the-token"), content=xml)

    assert response.status_code == 403
    assert await count(pipeline.sessions, Resident) == 0
    assert await count(pipeline.sessions, ProcessedMessage) == 0


async def test_an_old_timestamp_is_a_replay_and_refused(wechat: WeChatCallbacks, pipeline: Pipeline) -> None:
    xml = text_xml("openid-replay", COMPLAINT, new_msg_id())
    response = await wechat.client.post("/wechat", params=wechat.query(timestamp=int(time.time()) - 600),
                                        content=xml)

    assert response.status_code == 403
    assert await count(pipeline.sessions, ProcessedMessage) == 0


@pytest.mark.parametrize("body", ["<xml><ToUserName>a</ToUserName>", "not xml at all", "<other/>"])
async def test_malformed_xml_is_a_400(wechat: WeChatCallbacks, body: str) -> None:
    response = await wechat.post_plain(body)

    assert response.status_code == 400


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>x</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol4;</Content><MsgId>1</MsgId></xml>"""
XXE = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>x</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
async def test_dtds_and_entities_are_refused_without_expanding(wechat: WeChatCallbacks, pipeline: Pipeline,
                                                              body: str) -> None:
    response = await wechat.post_plain(body)

    assert response.status_code == 400
    assert "root:" not in response.text
    assert "lollol" not in response.text
    assert await count(pipeline.sessions, ProcessedMessage) == 0


@pytest.mark.parametrize("encoding", ["GBK", "Shift_JIS", "latin-1", "UTF-16"])
async def test_a_body_in_another_encoding_is_a_400(wechat: WeChatCallbacks, pipeline: Pipeline,
                                                  encoding: str) -> None:
    xml = text_xml("openid-encoding", "x", new_msg_id())
    body = f'<?xml version="1.0" encoding="{encoding}"?>{xml}'.encode(encoding.replace("_", "-"))
    undeclared = "<xml><Content>下水道</Content></xml>".encode("gbk")

    response = await wechat.client.post("/wechat", params=wechat.query(), content=body)
    not_utf8 = await wechat.client.post("/wechat", params=wechat.query(), content=undeclared)

    assert (response.status_code, not_utf8.status_code) == (400, 400)
    assert await count(pipeline.sessions, ProcessedMessage) == 0


@pytest.fixture(scope="module")
def entity_listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


@pytest.mark.parametrize("attack", XML_ATTACKS)
async def test_a_plaintext_mode_account_refuses_every_dtd_and_entity_attack(
        wechat: WeChatCallbacks, pipeline: Pipeline, entity_listener: Listener, attack: str) -> None:
    response = await wechat.post_plain(xml_attacks(entity_listener, ACCOUNT)[attack])

    assert response.status_code == 400
    assert not [leak for leak in LEAKS if leak in response.text]
    assert entity_listener.hits == []
    assert await count(pipeline.sessions, ProcessedMessage) == 0


async def test_a_body_over_64_kib_is_a_413(wechat: WeChatCallbacks) -> None:
    response = await wechat.post_plain(text_xml("openid-big", "堵" * 30_000, new_msg_id()))

    assert response.status_code == 413


async def test_a_message_that_cannot_be_decrypted_is_a_400_logged_without_payload(
        safe_wechat: WeChatCallbacks, caplog: pytest.LogCaptureFixture) -> None:
    query = safe_wechat.query()
    garbage = "R0FSQkFHRS1OT1QtQUVTLUNJUEhFUlRFWFQtU0VDUkVULTEyMzQ1Njc4OTA="
    params = {**query, "encrypt_type": "aes", "msg_signature": sign(TOKEN, query["timestamp"], query["nonce"], garbage)}
    with caplog.at_level(logging.WARNING):
        response = await safe_wechat.client.post("/wechat", params=params,
                                                 content=f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>")

    assert response.status_code == 400
    assert "could not be decrypted" in caplog.text
    assert garbage not in caplog.text


async def test_safe_mode_refuses_plaintext_so_a_seen_query_string_cannot_carry_a_forged_message(
        safe_wechat: WeChatCallbacks, pipeline: Pipeline) -> None:
    """In plaintext the signature covers token, timestamp and nonce only: a downgrade would let whoever
    saw one callback's query string post any resident's words under it."""
    real, params = await safe_wechat.post_encrypted(text_xml("openid-victim", COMPLAINT, new_msg_id()))
    plain_query = {key: params[key] for key in ("signature", "timestamp", "nonce")}
    forged = await safe_wechat.client.post("/wechat", params=plain_query,
                                           content=text_xml("openid-forger", COMPLAINT, new_msg_id()).encode())
    fresh = await safe_wechat.post_plain(text_xml("openid-forger", COMPLAINT, new_msg_id()))

    assert real.status_code == 200
    assert (forged.status_code, fresh.status_code) == (403, 403)
    async with pipeline.sessions() as session:
        senders = set(await session.scalars(select(ChannelIdentity.external_id)))
    assert senders == {"openid-victim"}


async def test_in_plaintext_mode_a_nonce_seen_with_one_body_is_refused_with_another(
        wechat: WeChatCallbacks, pipeline: Pipeline) -> None:
    query = wechat.query()
    real_xml = text_xml("openid-victim", COMPLAINT, new_msg_id()).encode()
    real = await wechat.client.post("/wechat", params=query, content=real_xml)
    retried = await wechat.client.post("/wechat", params=query, content=real_xml)
    forged = await wechat.client.post("/wechat", params=query,
                                      content=text_xml("openid-forger", COMPLAINT, new_msg_id()).encode())

    assert (real.status_code, retried.status_code, forged.status_code) == (200, 200, 403)
    assert reply_fields(retried.text)["Content"] == reply_fields(real.text)["Content"]
    assert await count(pipeline.sessions, Ticket) == 1
    async with pipeline.sessions() as session:
        senders = set(await session.scalars(select(ChannelIdentity.external_id)))
    assert senders == {"openid-victim"}


# --- the 5-second rule


async def test_a_callback_that_reaches_us_after_wechat_stopped_listening_is_answered_by_a_later_message(
        wechat: WeChatCallbacks, api: FakeWeChatAPI, pipeline: Pipeline) -> None:
    """Sent 10 s ago (it waited in a restarting server's socket queue): WeChat no longer reads the answer, so
    the replies go as a customer-service message, once."""
    query = wechat.query(timestamp=int(time.time()) - 10)
    response = await wechat.client.post("/wechat", params=query,
                                        content=text_xml("openid-late-try", COMPLAINT, new_msg_id()).encode())
    await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1, timeout=15)

    assert (response.status_code, response.text) == (200, "success")
    [sent] = api.sent_messages("custom")
    assert sent["touser"] == "openid-late-try"
    assert "GD" in sent["text"]["content"]
    assert await count(pipeline.sessions, Ticket) == 1


async def test_a_slow_answer_says_success_in_time_then_arrives_as_a_customer_service_message(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline) -> None:
    original = pipeline.handlers["appeal_report"]
    answered_in_time = asyncio.Event()

    async def until_the_webhook_answered(message: InboundMessage, nlu: ParseResult,
                                         ctx: HandlerContext) -> list[Reply]:
        await answered_in_time.wait()  # slower than any budget: done only after WeChat has had its answer
        return await original(message, nlu, ctx)

    pipeline.handlers["appeal_report"] = until_the_webhook_answered
    async with serve(wechat_runtime(database_url, api, profile, pipeline, budget=1.0)) as wechat:
        xml = text_xml("openid-slow", COMPLAINT, new_msg_id())
        first = asyncio.create_task(wechat.post_plain(xml))
        retries = []
        for _ in range(3):  # WeChat's retries, arriving while the first is still being worked on
            await asyncio.sleep(0.2)
            retries.append(asyncio.create_task(wechat.post_plain(xml)))
        answered = await asyncio.wait_for(first, timeout=60)  # waiting for the handler would never end
        answers = [answered, *[await r for r in retries]]
        answered_in_time.set()
        await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1, timeout=10)

    assert answered.text == "success"
    assert all(a.text == "success" for a in answers)
    [sent] = api.sent_messages("custom")
    assert sent["touser"] == "openid-slow"
    assert "GD" in sent["text"]["content"]
    assert await count(pipeline.sessions, Ticket) == 1


def location_xml(openid: str, latitude: float, longitude: float) -> str:
    return message_xml(openid, "location", new_msg_id(), Location_X=str(latitude), Location_Y=str(longitude),
                       Scale="15", Label="临江街道白杨路")


async def test_a_shared_location_names_the_nearest_building_and_offers_it_next_time(
        wechat: WeChatCallbacks, profile: Profile) -> None:
    latitude, longitude = profile.building_locations["baiyang"].buildings["12"]

    shared = await wechat.post_plain(location_xml("openid-map", latitude + 0.00005, longitude))
    asked = await wechat.post_plain(text_xml("openid-map", "楼道灯坏了好几天，晚上看不见路", new_msg_id()))

    assert "白杨社区12栋" in reply_fields(shared.text)["Content"]
    assert "12栋" in reply_fields(asked.text)["Content"]  # offered as the address, a numbered choice


async def test_a_location_answers_the_forms_question_for_the_building(wechat: WeChatCallbacks,
                                                                      profile: Profile) -> None:
    latitude, longitude = profile.building_locations["baiyang"].buildings["40"]

    await wechat.post_plain(text_xml("openid-form", "楼道灯坏了好几天，晚上看不见路", new_msg_id()))
    opened = await wechat.post_plain(location_xml("openid-form", latitude, longitude))

    content = reply_fields(opened.text)["Content"]
    assert "GD" in content
    assert "白杨社区40栋" in content


async def test_a_location_far_from_every_building_asks_for_the_building(wechat: WeChatCallbacks) -> None:
    far = await wechat.post_plain(location_xml("openid-far", 39.9042, 116.4074))

    assert "没有找到本社区的楼栋" in reply_fields(far.text)["Content"]


async def test_scanning_a_community_code_binds_the_resident_to_that_community(wechat: WeChatCallbacks) -> None:
    scanned = await wechat.post_plain(event_xml("openid-scan", "subscribe", EventKey="qrscene_community:qingshui",
                                                Ticket="t-1"))

    assert "青水社区" in reply_fields(scanned.text)["Content"]


async def test_a_subscribe_message_popup_records_one_consent_per_accepted_template(
        wechat: WeChatCallbacks, pipeline: Pipeline) -> None:
    popup = ("<xml><ToUserName><![CDATA[gh_frontdoor_test]]></ToUserName>"
             "<FromUserName><![CDATA[openid-popup]]></FromUserName><CreateTime>1764897425</CreateTime>"
             "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event>"
             "<SubscribeMsgPopupEvent>"
             "<List><TemplateId><![CDATA[tpl-ticket-progress]]></TemplateId>"
             "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
             "<List><TemplateId><![CDATA[tpl-marketing]]></TemplateId>"
             "<SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
             "</SubscribeMsgPopupEvent></xml>")

    answer = await wechat.post_plain(popup)
    async with pipeline.sessions() as session:
        ledger = (await session.scalars(select(SubscribeConsent))).all()

    assert answer.status_code == 200
    assert [(c.openid, c.template_id, c.spent_at) for c in ledger] == [("openid-popup", "tpl-ticket-progress", None)]


async def test_a_msg_id_another_sender_already_used_is_a_new_message_of_their_own(
        wechat: WeChatCallbacks, pipeline: Pipeline) -> None:
    reused = new_msg_id()

    async def say(openid: str, text: str) -> str:
        return reply_fields((await wechat.post_plain(text_xml(openid, text, reused))).text)["Content"]

    first = await say("openid-first", COMPLAINT)
    second = await say("openid-other", "12栋电梯坏了好几天")
    again = await say("openid-first", COMPLAINT)

    assert "下水道" in first
    assert "电梯" in second
    assert "下水道" not in second
    assert again == first
    assert await count(pipeline.sessions, Ticket) == 2


async def test_sender_and_ids_longer_than_wechat_sends_are_refused_before_the_database(
        wechat: WeChatCallbacks, pipeline: Pipeline) -> None:
    long_sender = await wechat.post_plain(text_xml("o" * 101, COMPLAINT, new_msg_id()))
    long_id = await wechat.post_plain(text_xml("openid-long-id", COMPLAINT, 10 ** 101))

    assert (long_sender.status_code, long_id.status_code) == (400, 400)
    assert await count(pipeline.sessions, Ticket) == 0
