"""The Telegram side of the outage run besides the broadcast: staff members' chats and the notifications
written to them, residents writing to the bot through the app's webhook (each answered directly), and
what every chat should have received according to the database."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.broadcast.processes import TOKEN
from bot.channels.telegram.sender import ANSWER_KIND, CHANNEL
from bot.runtime import start_runtime
from bot.settings import Settings
from storage.models import ChannelIdentity, OutboxMessage, Staff, StaffChannel
from storage.repositories import outbox
from tests.channels.wechat_server import serve_app
from tests.fakes.telegram_api import message_update

Sessions = async_sessionmaker[AsyncSession]
STAFF_CHAT = 9_000_000
RESIDENT_CHAT = 8_000_000
SECRET = "fault-telegram-webhook-secret"
WRITES = ("你好，在吗", "{b}栋楼道灯坏了，晚上黑灯瞎火的", "低保申请需要什么条件", "{b}栋楼下的垃圾堆了好几天没人清理",
          "怎么防范电信诈骗")


async def link_staff(sessions: Sessions) -> list[int]:
    """Every active staff member without a Telegram chat gets one (STAFF_CHAT + their id); returns all
    active staff ids."""
    async with sessions() as session, session.begin():
        staff = list(await session.scalars(select(Staff.id).where(Staff.active).order_by(Staff.id)))
        linked = set(await session.scalars(select(StaffChannel.staff_id).where(StaffChannel.channel == CHANNEL)))
        session.add_all([StaffChannel(staff_id=i, channel=CHANNEL, external_id=str(STAFF_CHAT + i))
                         for i in staff if i not in linked])
    return staff


async def notify_staff(sessions: Sessions, staff: list[int], round_number: int) -> None:
    async with sessions() as session, session.begin():
        for staff_id in staff:
            outbox.enqueue(session, "staff_note", {"text": f"工单提醒（第{round_number}轮）"}, staff_id=staff_id)


@asynccontextmanager
async def app_on_telegram(url: str, api_base: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app (in this process) with Telegram on, webhook mode, the outbox left to the workers."""
    settings = Settings(_env_file=None, database_url=url, telegram_token=TOKEN, telegram_webhook_secret=SECRET,
                        telegram_api_base=api_base, telegram_community="baiyang", in_app_worker=False,
                        sync_profile_on_start=False)
    runtime = await start_runtime(settings)
    try:
        async with serve_app(runtime) as client:
            yield client
    finally:
        await runtime.close()


async def residents_write(app: httpx.AsyncClient, count: int, over_seconds: float, patience: float) -> list[int]:
    """`count` residents, each in a chat of their own, write one message each, spread over `over_seconds`;
    returns the chats. The webhook answers once the reply is sent or handed to the outbox."""
    numbers = itertools.count(1)

    async def write(chat: int, text: str) -> None:
        update = {"update_id": chat, **message_update(chat, chat, text, message_id=1)}
        update["message"]["date"] = int(time.time())
        answer = await app.post("/telegram/webhook", json=update, timeout=patience,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        answer.raise_for_status()

    writing: list[asyncio.Task[None]] = []
    for _ in range(count):
        n = next(numbers)
        writing.append(asyncio.create_task(write(RESIDENT_CHAT + n, WRITES[n % len(WRITES)].format(b=n % 26 + 1))))
        await asyncio.sleep(over_seconds / count)
    await asyncio.gather(*writing)
    return [RESIDENT_CHAT + n for n in range(1, count + 1)]


async def expected_messages(sessions: Sessions, answered_chats: list[int]) -> dict[int, int]:
    """Messages each chat should have: one per outbox row to its owner (a direct answer the outbox took
    over excepted) and one answer per message its resident wrote."""
    staff_rows = (select(StaffChannel.external_id).join(OutboxMessage, OutboxMessage.staff_id == StaffChannel.staff_id)
                  .where(StaffChannel.channel == CHANNEL, OutboxMessage.kind != ANSWER_KIND))
    resident_rows = (select(ChannelIdentity.external_id)
                     .join(OutboxMessage, OutboxMessage.resident_id == ChannelIdentity.resident_id)
                     .where(ChannelIdentity.channel == CHANNEL, OutboxMessage.staff_id.is_(None),
                            OutboxMessage.kind != ANSWER_KIND))
    expected: dict[int, int] = dict.fromkeys(answered_chats, 1)
    async with sessions() as session:
        for query in (staff_rows, resident_rows):
            for chat in await session.scalars(query):
                expected[int(chat)] = expected.get(int(chat), 0) + 1
    return expected


async def answers_handed_over(sessions: Sessions) -> int:
    """Direct answers Telegram did not take at once, which the outbox delivered."""
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == ANSWER_KIND))
        return len(rows.all())
