"""Sending through the outbox to Telegram within its limits: never two messages to one chat within a second,
never more than 30 in a second, by the sender's own record of when it let each send go and by what the fake
Bot API took; nothing lost and nothing sent twice. How close a run comes to the fastest the limits allow is
a benchmark figure (`make bench-telegram`), not a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.registry import push_channels
from bot.channels.telegram.pacing import Pacer
from bot.channels.telegram.render import keyboard
from bot.channels.telegram.sender import CHANNEL, TelegramSender, Undeliverable
from bot.core.messages import Choice
from bot.workers.delivery import OutboxDispatcher
from storage.models import ChannelIdentity, OutboxMessage
from storage.profile import Profile
from storage.repositories import outbox
from storage.repositories.residents import find_or_create_resident
from tests.conftest import MONDAY_10AM, running_from
from tests.fakes.remote import fake_in_process_of_its_own
from tests.fakes.telegram_api import REPORT_PATH, FakeTelegramAPI, FloodLimits

Sessions = async_sessionmaker[AsyncSession]
TOKEN = "123456:TEST-sending"
FIRST_CHAT = 910_000


running = running_from(MONDAY_10AM)
"""The sender's and dispatcher's clock: the pacing and the leases wait for it to move."""


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN, enforce_limits=True) as fake:
        yield fake


@pytest.fixture
async def sender(api: FakeTelegramAPI, sessions: Sessions, profile: Profile) -> AsyncIterator[TelegramSender]:
    async with Bot(TOKEN, base_url=api.bot_base_url) as bot:
        made = TelegramSender(bot, sessions, profile, clock=running)
        made.start()
        yield made
        await made.stop()


async def queue_messages(sessions: Sessions, chats: int, per_chat: int) -> list[int]:
    """`per_chat` outbox messages for each of `chats` residents on Telegram, interleaved as a broadcast is."""
    async with sessions() as session, session.begin():
        residents = [await find_or_create_resident(session, CHANNEL, str(FIRST_CHAT + n), None)
                     for n in range(chats)]
        rows = [outbox.enqueue(session, "notice", {"text": f"通知 {k}"}, resident_id=r.id)
                for k in range(per_chat) for r in residents]
        await session.flush()
        return [row.id for row in rows]


async def send_all(sessions: Sessions, sender: TelegramSender) -> None:
    dispatcher = OutboxDispatcher(sessions, {CHANNEL: sender}, push_channels=push_channels(), clock=running)
    while await dispatcher.dispatch_once():
        pass
    await sender.drain()


async def delivered(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.delivered_at.is_not(None))) or 0)


class RecordingPacer(Pacer):
    """The real pacer, writing down when it let each send start."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[tuple[int, float]] = []

    def take(self, chat_id: int) -> None:
        self.started.append((chat_id, self.clock()))
        super().take(chat_id)


def most_within(times: list[float], seconds: float) -> int:
    """The most of `times` that fall within any `seconds` of each other."""
    ordered, most, first = sorted(times), 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


async def test_300_messages_to_30_chats_keep_every_limit(
        sessions: Sessions, profile: Profile, tmp_path: Path) -> None:
    """The sender's own starts keep Telegram's limits, whatever the machine is doing; what the fake refused
    when a busy machine bunched requests on the way is delivered later, and nothing twice."""
    pacer = RecordingPacer()
    with fake_in_process_of_its_own("tests.fakes.telegram_api", "--token", TOKEN, "--enforce-limits",
                                    log=tmp_path / "fake.log") as base_url:
        async with Bot(TOKEN, base_url=f"{base_url}/bot") as bot:
            sender = TelegramSender(bot, sessions, profile, pacer, clock=running)
            sender.start()
            await queue_messages(sessions, chats=30, per_chat=10)
            await send_all(sessions, sender)
            await sender.stop()
        async with httpx.AsyncClient() as client:
            report = (await client.get(f"{base_url}{REPORT_PATH}")).json()["result"]

    assert await delivered(sessions) == 300
    assert report["messages"] == 300
    by_chat: dict[int, list[float]] = {}
    for chat, moment in pacer.started:
        by_chat.setdefault(chat, []).append(moment)
    assert len(by_chat) == 30
    assert max(most_within(times, 1.0) for times in by_chat.values()) == 1
    assert most_within([moment for _, moment in pacer.started], 1.0) <= 30
    assert report["max_per_chat_per_second"] == 1
    assert report["max_overall_per_second"] <= 30


async def test_held_answers_do_not_make_the_next_sends_burst_past_the_limit(
        sessions: Sessions, profile: Profile) -> None:
    """Answers held past the read timeout occupy every connection; the sends paced meanwhile must not
    wait for one and then reach Telegram all at once, over its limit (as they did after an outage).
    The fake allows 28 a second, the sender aims at 20: only a burst goes over."""
    with FakeTelegramAPI(TOKEN, enforce_limits=FloodLimits(overall=28)) as api:
        request = HTTPXRequest(connection_pool_size=4, read_timeout=0.5, pool_timeout=5)
        async with Bot(TOKEN, base_url=api.bot_base_url, request=request) as bot:
            sender = TelegramSender(bot, sessions, profile, Pacer(per_second=20), clock=running, max_in_flight=4)
            sender.start()
            api.timeout("sendMessage", times=4, seconds=1.0)
            await queue_messages(sessions, chats=40, per_chat=1)
            await send_all(sessions, sender)
            await sender.stop()

    outcomes = [c.outcome for c in api.calls_of("sendMessage")]
    assert outcomes.count("timeout") == 4
    assert outcomes.count(429) == 0
    assert await delivered(sessions) == 36


async def test_an_answer_lost_to_a_timeout_goes_to_the_outbox_and_arrives_later(
        sessions: Sessions, profile: Profile, api: FakeTelegramAPI) -> None:
    """A direct answer (the reply to what a resident just wrote) that Telegram did not take is not lost:
    the workers deliver it from the outbox, keyboard and all."""
    async with sessions() as session, session.begin():
        resident = await find_or_create_resident(session, CHANNEL, str(FIRST_CHAT), None)
    answer = "您反映的问题已登记，工单号 BY-0001。"
    api.timeout("sendMessage", chat_id=FIRST_CHAT, seconds=2.0)
    async with Bot(TOKEN, base_url=api.bot_base_url, request=HTTPXRequest(read_timeout=0.3)) as bot:
        sender = TelegramSender(bot, sessions, profile, clock=running)
        sender.start()
        sent = await sender.send_now(FIRST_CHAT, answer, keyboard([Choice("查进度", "/request_status")]))
        await sender.stop()

    assert sent is False
    assert api.sent_messages() == []
    async with sessions() as session:
        [row] = (await session.scalars(select(OutboxMessage))).all()
    assert (row.resident_id, row.staff_id) == (resident.id, None)
    assert row.payload == {"text": answer, "choices": [["查进度", "/request_status"]]}
    assert row.attempts == 1
    assert row.last_error is not None
    assert row.last_error.startswith("network")

    async with Bot(TOKEN, base_url=api.bot_base_url) as bot:
        sender = TelegramSender(bot, sessions, profile, clock=running)
        sender.start()
        later = OutboxDispatcher(sessions, {CHANNEL: sender}, push_channels=push_channels(),
                                 clock=lambda: running() + timedelta(seconds=10))
        assert await later.dispatch_once() == 1
        await sender.drain()
        await sender.stop()
    [message] = api.sent_messages(FIRST_CHAT)
    assert message["text"] == answer
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/request_status"


async def test_a_429_for_one_chat_delays_only_that_chat(sessions: Sessions, sender: TelegramSender,
                                                        api: FakeTelegramAPI) -> None:
    slowed = FIRST_CHAT
    api.fail("sendMessage", 429, chat_id=slowed, retry_after=3)
    await queue_messages(sessions, chats=5, per_chat=2)

    await send_all(sessions, sender)

    calls = api.calls_of("sendMessage")
    refused = next(c for c in calls if c.outcome == 429)
    sent = [c for c in calls if c.outcome == "ok"]
    slowed_times = [c.at for c in sent if c.chat_id == slowed]
    others = [c.at for c in sent if c.chat_id != slowed]
    assert len(sent) == 10
    assert min(slowed_times) - refused.at >= 3  # the chat waited the retry_after Telegram gave it
    assert max(others) < min(slowed_times)  # and nobody else did: every other message went first


async def test_a_blocked_bot_deactivates_the_account_and_keeps_the_reason(
        sessions: Sessions, sender: TelegramSender, api: FakeTelegramAPI) -> None:
    api.fail("sendMessage", 403, chat_id=FIRST_CHAT, times=5)
    ids = await queue_messages(sessions, chats=2, per_chat=1)

    await send_all(sessions, sender)

    async with sessions() as session:
        identity = await session.scalar(select(ChannelIdentity).where(
            ChannelIdentity.external_id == str(FIRST_CHAT)))
        blocked = await session.get(OutboxMessage, ids[0])
        other = await session.get(OutboxMessage, ids[1])
    assert identity is not None
    assert identity.active is False
    assert blocked is not None
    assert blocked.undeliverable_reason == Undeliverable.BLOCKED
    assert other is not None
    assert other.delivered_at is not None


async def test_a_timeout_leaves_the_message_to_be_retried(sessions: Sessions, sender: TelegramSender,
                                                          api: FakeTelegramAPI) -> None:
    api.timeout("sendMessage", chat_id=FIRST_CHAT, seconds=12)
    [row_id] = await queue_messages(sessions, chats=1, per_chat=1)

    await send_all(sessions, sender)

    async with sessions() as session:
        row = await session.get(OutboxMessage, row_id)
    assert row is not None
    assert row.delivered_at is None
    assert row.attempts == 1
    assert row.last_error is not None
    assert row.last_error.startswith("network")
    assert row.available_at > running()


async def test_a_message_whose_lease_is_about_to_end_is_not_sent_but_comes_due_again(
        sessions: Sessions, sender: TelegramSender, api: FakeTelegramAPI) -> None:
    [outbox_id] = await queue_messages(sessions, chats=1, per_chat=1)
    async with sessions() as session, session.begin():
        [claimed] = await outbox.claim_due(session, 10, running(), timedelta(seconds=2), "w-slow")

    await sender.deliver_many([claimed.id])
    await sender.drain()

    assert api.sent_messages() == []
    async with sessions() as session:
        row = await session.get_one(OutboxMessage, outbox_id)
    assert (row.delivered_at, row.undeliverable_reason, row.claimed_by) == (None, None, "w-slow")
    async with sessions() as session, session.begin():
        again = await outbox.claim_due(session, 10, running() + timedelta(seconds=3), timedelta(minutes=5), "w2")
    assert [r.id for r in again] == [outbox_id]
