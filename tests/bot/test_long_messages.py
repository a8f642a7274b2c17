"""A message longer than the profile's limit is not read: the resident is asked to send it in parts, and
nothing is filed from it; one at the limit is read as any other."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage
from nlu.result import ParseResult
from storage.models import Ticket
from tests.conftest import MONDAY_10AM

COMPLAINT = "3栋2单元楼道里的下水道堵了，臭了好几天。"


async def tickets(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def test_a_message_over_the_limit_is_asked_for_in_parts_and_never_parsed(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    limit = pipeline.profile.district.longest_message_chars
    parsed: list[str] = []
    parse = pipeline.nlu.parse

    def counted(text: str) -> ParseResult:
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(pipeline.nlu, "parse", counted)
    long = (COMPLAINT * (limit // len(COMPLAINT) + 2))[: limit + 1]
    [reply] = await pipeline.handle(InboundMessage("web", "r-long", "m1", long, MONDAY_10AM, "baiyang"))

    assert f"{limit + 1}个字" in reply.text
    assert f"最多读{limit}个字" in reply.text
    assert parsed == []
    assert await tickets(sessions) == 0


async def test_a_message_at_the_limit_is_read(pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    limit = pipeline.profile.district.longest_message_chars
    at_limit = COMPLAINT + "，" * (limit - len(COMPLAINT))
    replies = await pipeline.handle(InboundMessage("web", "r-at-limit", "m1", at_limit, MONDAY_10AM, "baiyang"))

    assert "个字" not in replies[0].text
    assert await tickets(sessions) == 1
