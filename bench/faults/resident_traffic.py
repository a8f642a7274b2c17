"""Residents writing to the front door's demo chat endpoint (/api/chat) for the fault scripts: each
message from a resident of its own, problem reports among them, retried with the same message id as a
platform would when an answer fails; and the tickets the reports left in the database."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.broadcast.measures import percentiles
from bench.faults.report import Figures
from storage.models import ChannelIdentity, Ticket

COMMUNITY = "baiyang"
CHANNEL = "web"
TRIES = 3
WECHAT_ANSWER_S = 5.0
"""WeChat retries a message its server has not answered within five seconds."""
REPORTS = ("{b}栋2单元楼道里的下水道堵了，臭了好几天", "{b}栋电梯坏了三天了，老人上不了楼",
           "{b}栋3单元楼道灯坏了一个星期，晚上黑灯瞎火的", "{b}栋楼下的垃圾堆了好几天没人清理",
           "{b}栋楼下有人乱停车，把消防通道堵了")
OTHERS = ("你好，在吗", "低保申请需要什么条件", "怎么防范电信诈骗", "居住证明怎么开，要带什么材料")
BUILDINGS = 26


@dataclass
class Message:
    phase: str
    sender: str
    text: str
    report: bool
    message_id: str = ""
    tries: int = 0
    status: int | None = None
    replies: list[str] = field(default_factory=list)
    seconds: float = 0.0
    """From the first try to the answer (all tries)."""

    @property
    def answered(self) -> bool:
        return self.status == 200 and any(text.strip() for text in self.replies)


class Residents:
    """Writes the next messages: every `report_every`-th is a problem report with a building."""

    def __init__(self, report_every: int = 2) -> None:
        self.numbers = itertools.count(1)
        self.report_every = report_every
        self.sent: list[Message] = []

    def take(self, phase: str, count: int) -> Iterator[Message]:
        for _ in range(count):
            n = next(self.numbers)
            report = n % self.report_every == 0
            text = (REPORTS[n % len(REPORTS)].format(b=n % BUILDINGS + 1) if report else OTHERS[n % len(OTHERS)])
            message = Message(phase, f"fault-resident-{n}", text, report, message_id=f"fault-msg-{n}")
            self.sent.append(message)
            yield message


async def send(client: httpx.AsyncClient, message: Message, patience: float) -> None:
    """Post the message; on an error or no answer within `patience` seconds, again with the same id (at most TRIES)."""
    started = time.monotonic()
    body = {"sender_id": message.sender, "text": message.text, "message_id": message.message_id,
            "community": COMMUNITY}
    while message.tries < TRIES and not message.answered:
        message.tries += 1
        if message.tries > 1:
            await asyncio.sleep(message.tries)  # a platform waits a little before it tries again
        try:
            answer = await client.post("/api/chat", json=body, timeout=patience)
        except httpx.HTTPError:
            continue
        message.status = answer.status_code
        if answer.status_code == 200:
            message.replies = [str(reply.get("text", "")) for reply in answer.json()]
    message.seconds = time.monotonic() - started


async def send_all(client: httpx.AsyncClient, messages: list[Message], concurrency: int, patience: float) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(message: Message) -> None:
        async with gate:
            await send(client, message, patience)

    await asyncio.gather(*(one(message) for message in messages))


async def retry_reports(client: httpx.AsyncClient, messages: list[Message], patience: float) -> int:
    """Each report posted again with its message id, as WeChat retries: returns how many got an answer
    other than the first one (a retry must be answered from the stored result)."""
    differing = 0
    for message in (m for m in messages if m.report and m.answered):
        again = Message(message.phase, message.sender, message.text, True, message.message_id)
        await send(client, again, patience)
        differing += again.replies != message.replies
    return differing


def summary(messages: list[Message]) -> Figures:
    seconds = [m.seconds * 1000 for m in messages]
    return {"sent": len(messages), "answered": sum(m.answered for m in messages),
            "lost": sum(not m.answered for m in messages), "retried": sum(m.tries > 1 for m in messages),
            "reports": sum(m.report for m in messages), "latency_ms": percentiles(seconds),
            "over_wechat_5s": sum(1 for s in seconds if s > WECHAT_ANSWER_S * 1000)}


async def ticket_check(sessions: async_sessionmaker[AsyncSession], messages: list[Message]) -> Figures:
    """Tickets in the database against the reports: one each, its number in the answer the resident got
    (a report left without an answer is counted lost, not here)."""
    query = (select(ChannelIdentity.external_id, Ticket.number)
             .join(Ticket, Ticket.resident_id == ChannelIdentity.resident_id)
             .where(ChannelIdentity.channel == CHANNEL))
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    by_sender: dict[str, list[str]] = {}
    for sender, number in rows:
        by_sender.setdefault(sender, []).append(number or "")
    reports = [m for m in messages if m.report]
    answered = {m.sender: "\n".join(m.replies) for m in reports if m.answered}
    return {"tickets_expected": len(reports), "tickets_found": len(rows),
            "duplicated_tickets": sum(len(numbers) - 1 for numbers in by_sender.values() if len(numbers) > 1),
            "reports_without_ticket": [m.text for m in reports if m.answered and m.sender not in by_sender],
            "tickets_not_from_reports": sum(len(n) for s, n in by_sender.items() if s not in answered),
            "numbers_missing_from_answers": sum(1 for s, numbers in by_sender.items() for number in numbers
                                                if s in answered and number not in answered[s])}
