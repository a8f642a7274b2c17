"""The database unreachable for a while (a restart, a failover) while WeChat messages come in: once the
webhook has answered `success` WeChat never sends the message again, so nothing may be dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage, Reply
from storage.models import ProcessedMessage, Ticket
from storage.profile import Profile
from storage.repositories import processed
from tests.channels.test_wechat_webhook import COMPLAINT, count, new_msg_id, wechat_runtime
from tests.channels.wechat_server import serve, text_xml
from tests.fakes.wechat_api import FakeWeChatAPI

BUDGET = 0.5
"""For the tests whose handler outlasts the budget: they wait for the webhook's answer, not for a time."""
AMPLE_BUDGET = 60.0
"""For the tests whose answer must come within the budget, however busy the machine."""


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


def connection_lost() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


async def test_a_message_whose_first_attempt_fails_after_the_budget_is_handled_once_and_answered_later(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline,
        monkeypatch: pytest.MonkeyPatch) -> None:
    handle, attempts, webhook_answered = pipeline.handle, [], asyncio.Event()

    async def lost_after_the_budget_once(message: InboundMessage) -> list[Reply]:
        attempts.append(message.message_id)
        if len(attempts) == 1:
            await webhook_answered.wait()  # lost only after WeChat has had its `success`
            raise connection_lost()
        return await handle(message)

    monkeypatch.setattr(pipeline, "handle", lost_after_the_budget_once)
    async with serve(wechat_runtime(database_url, api, profile, pipeline, budget=BUDGET)) as wechat:
        answered = await wechat.post_plain(text_xml("openid-outage", COMPLAINT, new_msg_id()))
        webhook_answered.set()
        await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1, timeout=15)

    assert answered.text == "success"
    assert len(attempts) == 2
    [sent] = api.sent_messages("custom")
    assert sent["touser"] == "openid-outage"
    assert "GD" in sent["text"]["content"]
    assert await count(pipeline.sessions, Ticket) == 1
    assert await count(pipeline.sessions, ProcessedMessage) == 1


async def test_late_replies_whose_claim_fails_once_are_sent_once(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline,
        monkeypatch: pytest.MonkeyPatch) -> None:
    handle, claim, claims, webhook_answered = pipeline.handle, processed.claim_delivery, [], asyncio.Event()

    async def slow(message: InboundMessage) -> list[Reply]:
        await webhook_answered.wait()  # done only after WeChat has had its `success`
        return await handle(message)

    async def lost_once(session: AsyncSession, channel: str, message_id: str, by: str, at: datetime) -> bool:
        claims.append(by)
        if len(claims) == 1:
            raise connection_lost()
        return await claim(session, channel, message_id, by, at)

    monkeypatch.setattr(pipeline, "handle", slow)
    monkeypatch.setattr(processed, "claim_delivery", lost_once)
    async with serve(wechat_runtime(database_url, api, profile, pipeline, budget=BUDGET)) as wechat:
        answered = await wechat.post_plain(text_xml("openid-late", COMPLAINT, new_msg_id()))
        webhook_answered.set()
        await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1, timeout=15)
        await asyncio.sleep(0.5)  # nothing more follows

    assert answered.text == "success"
    assert claims == [processed.SEND, processed.SEND]
    assert len(api.sent_messages("custom")) == 1
    assert await count(pipeline.sessions, Ticket) == 1


async def test_an_answer_whose_claim_fails_is_sent_later_instead_of_refused(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline,
        monkeypatch: pytest.MonkeyPatch) -> None:
    claim, claims = processed.claim_delivery, []

    async def answer_claim_lost(session: AsyncSession, channel: str, message_id: str, by: str, at: datetime) -> bool:
        claims.append(by)
        if by == processed.ANSWER:
            raise connection_lost()
        return await claim(session, channel, message_id, by, at)

    monkeypatch.setattr(processed, "claim_delivery", answer_claim_lost)
    async with serve(wechat_runtime(database_url, api, profile, pipeline, budget=AMPLE_BUDGET)) as wechat:
        answered = await wechat.post_plain(text_xml("openid-claim", COMPLAINT, new_msg_id()))
        await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1, timeout=15)

    assert (answered.status_code, answered.text) == (200, "success")
    assert claims == [processed.ANSWER, processed.SEND]
    assert "GD" in api.sent_messages("custom")[0]["text"]["content"]
    assert await count(pipeline.sessions, Ticket) == 1


async def test_a_handler_bug_is_still_refused_so_wechat_asks_again(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline,
        monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = []

    async def broken(message: InboundMessage) -> list[Reply]:
        attempts.append(message.message_id)
        raise LookupError("a bug, not an outage")

    monkeypatch.setattr(pipeline, "handle", broken)
    async with serve(wechat_runtime(database_url, api, profile, pipeline, budget=AMPLE_BUDGET)) as wechat:
        answered = await wechat.post_plain(text_xml("openid-bug", COMPLAINT, new_msg_id()))

    assert answered.status_code == 500
    assert len(attempts) == 1


async def test_shutdown_in_an_outage_leaves_the_message_to_the_spool_and_the_next_server_answers_it(
        database_url: str, api: FakeWeChatAPI, profile: Profile, pipeline: Pipeline,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Shutdown does not wait for the database: after its grace the message stays in the spool, and the next
    server to start takes it over and sends the replies once."""
    async def unreachable(message: InboundMessage) -> list[Reply]:
        raise connection_lost()

    with monkeypatch.context() as outage:
        outage.setattr(pipeline, "handle", unreachable)
        async with serve(wechat_runtime(database_url, api, profile, pipeline, budget=BUDGET,
                                        shutdown_grace=0.1)) as wechat:
            answered = await wechat.post_plain(text_xml("openid-spooled", COMPLAINT, new_msg_id()))
    left = await count(pipeline.sessions, ProcessedMessage)
    async with serve(wechat_runtime(database_url, api, profile, pipeline, budget=BUDGET)):
        await api.wait_for_async(lambda: len(api.sent_messages("custom")) == 1, timeout=15)

    assert answered.text == "success"
    assert left == 0
    [sent] = api.sent_messages("custom")
    assert sent["touser"] == "openid-spooled"
    assert "GD" in sent["text"]["content"]
    assert await count(pipeline.sessions, Ticket) == 1
