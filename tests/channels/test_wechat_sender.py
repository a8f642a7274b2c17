"""Sending to residents on WeChat within the platform's rules: the 48-hour window, 5 messages in it,
subscribe notifications only with consent, and nothing dropped without a reason staff can read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.inbox.deliverer import InboxDeliverer
from bot.channels.registry import push_channels
from bot.channels.wechat.sender import WINDOW_MESSAGES, Undeliverable, WeChatSender
from bot.channels.wechat.tokens import DatabaseTokenStorage, OfficialAccountClient, token_engine
from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage
from bot.workers.delivery import NO_PUSH_CHANNEL, OutboxDispatcher
from storage.models import ChannelIdentity, Conversation, OutboxMessage, SubscribeConsent
from storage.profile import load_profile
from storage.repositories import consents, outbox
from storage.repositories.residents import deactivate_identity, identity_resident
from storage.repositories.subscriptions import Scope, subscribe
from tests.conftest import DEMO_PROFILE, MONDAY_10AM
from tests.fakes.wechat_api import CUSTOM_SEND, FakeWeChatAPI

Sessions = async_sessionmaker[AsyncSession]
TEMPLATE = "tmpl-notice-1"


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = token_engine(database_url)
    yield made
    made.dispose()


def sender_at(sessions: Sessions, api: FakeWeChatAPI, engine: Engine, now: datetime,
              template: str | None = None) -> WeChatSender:
    client = OfficialAccountClient(api.base_url, api.appid, api.secret, DatabaseTokenStorage(engine))
    return WeChatSender(sessions, client, load_profile(DEMO_PROFILE), template, clock=lambda: now)


async def resident_who_wrote(pipeline: Pipeline, openid: str, channel: str = "wechat") -> int:
    await pipeline.handle(InboundMessage(channel, openid, f"{openid}-hello", "你好", MONDAY_10AM, "baiyang"))
    async with pipeline.sessions() as session:
        resident_id = await identity_resident(session, channel, openid)
    assert resident_id is not None
    return resident_id


async def rows(sessions: Sessions, ids: list[int]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                          .order_by(OutboxMessage.id)))


async def test_within_the_window_a_message_goes_as_customer_service(pipeline: Pipeline, api: FakeWeChatAPI,
                                                                     engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-a")
    sender = sender_at(pipeline.sessions, api, engine, MONDAY_10AM + timedelta(hours=47))

    [row_id] = await sender.send_texts(resident, ["您反映的问题已办结"])

    [row] = await rows(pipeline.sessions, [row_id])
    assert row.delivered_at is not None
    assert api.sent_messages("custom") == [
        {"touser": "openid-a", "msgtype": "text", "text": {"content": "您反映的问题已办结"}}]


async def test_the_sixth_message_in_a_window_is_not_sent_but_kept_with_the_reason(
        pipeline: Pipeline, api: FakeWeChatAPI, engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-b")
    sender = sender_at(pipeline.sessions, api, engine, MONDAY_10AM + timedelta(hours=1))

    ids = await sender.send_texts(resident, [f"第{n}条" for n in range(WINDOW_MESSAGES + 1)])

    sent = await rows(pipeline.sessions, ids)
    assert [r.delivered_at is not None for r in sent] == [True] * WINDOW_MESSAGES + [False]
    assert sent[-1].undeliverable_reason == Undeliverable.OUTSIDE_WINDOW
    assert len(api.sent_messages("custom")) == WINDOW_MESSAGES


async def test_after_48_hours_each_consent_the_resident_gave_carries_one_subscribe_message(
        pipeline: Pipeline, api: FakeWeChatAPI, engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-c")
    async with pipeline.sessions() as session, session.begin():
        consents.grant(session, "openid-c", [TEMPLATE, "another-template"], MONDAY_10AM)
        await subscribe(session, resident, "security_forecast", Scope(community_id=None), MONDAY_10AM)
    later = MONDAY_10AM + timedelta(hours=49)
    sender = sender_at(pipeline.sessions, api, engine, later, TEMPLATE)

    ids = await sender.send_texts(resident, ["本周治安预报：电信诈骗案件有所上升，请提高警惕", "您的证明已开好"])

    sent, refused = await rows(pipeline.sessions, ids)
    assert sent.delivered_at is not None
    assert (refused.delivered_at, refused.undeliverable_reason) == (None, Undeliverable.OUTSIDE_WINDOW)
    assert api.sent_messages("custom") == []
    [notification] = api.sent_messages("subscribe")
    assert notification["touser"] == "openid-c"
    assert notification["template_id"] == TEMPLATE
    assert len(notification["data"]["thing1"]["value"]) <= 20
    async with pipeline.sessions() as session:
        ledger = (await session.scalars(select(SubscribeConsent).order_by(SubscribeConsent.id))).all()
    assert [(c.template_id, c.spent_at, c.outbox_id) for c in ledger] == [(TEMPLATE, later, sent.id),
                                                                         ("another-template", None, None)]


async def test_after_48_hours_without_consent_the_message_is_undeliverable_not_dropped(
        pipeline: Pipeline, api: FakeWeChatAPI, engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-d")
    sender = sender_at(pipeline.sessions, api, engine, MONDAY_10AM + timedelta(hours=49), TEMPLATE)

    [row_id] = await sender.send_texts(resident, ["您的证明已开好"])

    [row] = await rows(pipeline.sessions, [row_id])
    assert (row.delivered_at, row.undeliverable_reason) == (None, Undeliverable.OUTSIDE_WINDOW)
    assert row.payload["text"] == "您的证明已开好"
    assert api.sent_messages("custom") == api.sent_messages("subscribe") == []


async def test_wechat_saying_the_window_is_shut_is_believed(pipeline: Pipeline, api: FakeWeChatAPI,
                                                            engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-e")
    api.fail_next(CUSTOM_SEND, 45015, touser="openid-e")
    sender = sender_at(pipeline.sessions, api, engine, MONDAY_10AM + timedelta(hours=1))

    [first] = await sender.send_texts(resident, ["一"])
    [second] = await sender.send_texts(resident, ["二"])

    assert [r.undeliverable_reason for r in await rows(pipeline.sessions, [first, second])] == [
        Undeliverable.OUTSIDE_WINDOW, Undeliverable.OUTSIDE_WINDOW]


async def test_a_passing_failure_is_retried_later(pipeline: Pipeline, api: FakeWeChatAPI, engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-f")
    api.fail_next(CUSTOM_SEND, 45009)
    now = MONDAY_10AM + timedelta(hours=1)
    sender = sender_at(pipeline.sessions, api, engine, now)

    [row_id] = await sender.send_texts(resident, ["稍后再发"])

    [row] = await rows(pipeline.sessions, [row_id])
    assert row.delivered_at is None
    assert row.undeliverable_reason is None
    assert row.attempts == 1
    assert row.last_error is not None
    assert row.last_error.startswith("45009")
    assert row.available_at > now


RATING_CHOICES = [["满意", "/rate{\"satisfied\": true}"], ["不满意", "/rate{\"satisfied\": false}"]]


async def offered_to(sessions: Sessions, resident_id: int) -> list[list[str]]:
    async with sessions() as session:
        conversation = await session.get(Conversation, resident_id)
    assert conversation is not None
    return list(conversation.state.get("offered") or [])


async def test_choices_a_number_answers_are_offered_only_by_a_message_that_was_delivered(
        pipeline: Pipeline, api: FakeWeChatAPI, engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-choices")
    before = await offered_to(pipeline.sessions, resident)
    api.fail_next(CUSTOM_SEND, 45009)
    sender = sender_at(pipeline.sessions, api, engine, MONDAY_10AM + timedelta(minutes=2))
    async with pipeline.sessions() as session, session.begin():
        row = outbox.enqueue(session, "ticket_closed", {"text": "已办结，您满意吗？", "choices": RATING_CHOICES},
                             resident_id=resident)
        await session.flush()
        row_id = row.id

    await sender.deliver(row_id)
    after_failure = await offered_to(pipeline.sessions, resident)
    await sender.deliver(row_id)

    assert after_failure == before != RATING_CHOICES
    assert await offered_to(pipeline.sessions, resident) == RATING_CHOICES
    assert "1. 满意" in api.sent_messages("custom")[-1]["text"]["content"]


async def test_an_unfollowed_resident_gets_nothing_and_the_reason_is_kept(pipeline: Pipeline, api: FakeWeChatAPI,
                                                                         engine: Engine) -> None:
    resident = await resident_who_wrote(pipeline, "openid-g")
    async with pipeline.sessions() as session, session.begin():
        identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == "openid-g"))
        assert identity is not None
        identity.active = False
    sender = sender_at(pipeline.sessions, api, engine, MONDAY_10AM)

    [row_id] = await sender.send_texts(resident, ["通知"])

    assert (await rows(pipeline.sessions, [row_id]))[0].undeliverable_reason == Undeliverable.UNFOLLOWED
    assert api.calls == []


async def test_the_dispatcher_sends_through_the_residents_channel_and_settles_the_unreachable(
        pipeline: Pipeline, api: FakeWeChatAPI, engine: Engine) -> None:
    on_wechat = await resident_who_wrote(pipeline, "openid-h")
    on_web = await resident_who_wrote(pipeline, "web-visitor", channel="web")
    gone = await resident_who_wrote(pipeline, "openid-left")
    async with pipeline.sessions() as session, session.begin():
        await deactivate_identity(session, "wechat", "openid-left")
        wechat_row = outbox.enqueue(session, "ticket_closed", {"text": "已办结"}, resident_id=on_wechat)
        web_row = outbox.enqueue(session, "ticket_closed", {"text": "已办结"}, resident_id=on_web)
        gone_row = outbox.enqueue(session, "ticket_closed", {"text": "已办结"}, resident_id=gone)
        await session.flush()
        ids = [wechat_row.id, web_row.id, gone_row.id]
    now = MONDAY_10AM + timedelta(minutes=5)
    dispatcher = OutboxDispatcher(pipeline.sessions, {"wechat": sender_at(pipeline.sessions, api, engine, now),
                                                      "web": InboxDeliverer(pipeline.sessions, lambda: now)},
                                  push_channels=push_channels(), clock=lambda: now)

    await dispatcher.dispatch_once()

    delivered, in_inbox, settled = await rows(pipeline.sessions, ids)
    assert delivered.delivered_at is not None
    assert (in_inbox.delivered_at, in_inbox.undeliverable_reason) == (now, None)
    assert (settled.delivered_at, settled.undeliverable_reason) == (None, NO_PUSH_CHANNEL)
    assert [m["touser"] for m in api.sent_messages("custom")] == ["openid-h"]
