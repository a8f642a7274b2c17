"""The pipeline end to end on both databases: a resident's complaint becomes a routed ticket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage, Reply
from storage.models import ChannelIdentity, Conversation, OutboxMessage, Staff, Ticket, TicketEvent
from storage.profile import Profile
from tests.conftest import MONDAY_10AM

DRAIN = "3栋2单元楼道里的下水道堵了，臭了好几天"


def message(text: str, message_id: str, sender: str = "wx-resident-1", community: str | None = "baiyang",
            channel: str = "wechat") -> InboundMessage:
    return InboundMessage(channel, sender, message_id, text, MONDAY_10AM, community)


async def tickets(sessions: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    async with sessions() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())


async def staff_key(sessions: async_sessionmaker[AsyncSession], staff_id: int) -> str:
    async with sessions() as session:
        return (await session.get_one(Staff, staff_id)).key


def building_lead(profile: Profile, community: str, building: str) -> str:
    """The 楼长 of a building, read from the profile the test runs against."""
    return next(s.id for s in profile.communities[community].staff if building in s.buildings)


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def test_blocked_drain_becomes_one_routed_ticket_with_deadline(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    replies = await pipeline.handle(message(DRAIN, "m-1"))

    [ticket] = await tickets(sessions)
    assert ticket.category_key == "drain_blocked"
    assert ticket.intake_type == "public_service"
    assert ticket.remit == "community"
    # public_service within the community: 2 days, by closing time (17:30 Shanghai) on the last day.
    assert ticket.due_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    # Building 3 of 白杨 is led by the building lead whose buildings include it.
    assert await staff_key(sessions, ticket.assignee_id) == building_lead(profile, "baiyang", "3")
    assert (ticket.unit, ticket.room) == ("2", None)
    async with sessions() as session:
        [notice] = (await session.scalars(select(OutboxMessage))).all()
        kinds = (await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id))).all()
    assert notice.kind == "ticket_assigned"
    assert notice.staff_id == ticket.assignee_id
    assert notice.ticket_id == ticket.id
    assert ticket.number is not None
    assert ticket.number in notice.payload["text"]
    assert list(kinds) == ["created", "assigned"]
    reply = text_of(replies)
    assert ticket.number in reply
    assert "11月25日 17:30" in reply


async def test_retry_with_same_message_id_creates_one_ticket_and_same_reply(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    first = await pipeline.handle(message(DRAIN, "wx-msgid-6112"))
    second = await pipeline.handle(message(DRAIN, "wx-msgid-6112"))
    third = await pipeline.handle(message(DRAIN, "wx-msgid-6112"))

    assert first == second == third
    assert len(await tickets(sessions)) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_same_message_id_on_another_channel_is_another_message(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await pipeline.handle(message(DRAIN, "42", channel="wechat"))
    await pipeline.handle(message(DRAIN, "42", channel="telegram", sender="tg-1"))

    assert len(await tickets(sessions)) == 2


async def test_missing_building_is_asked_then_ticket_opens(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    asked = await pipeline.handle(message("楼道的灯坏了好几天了，晚上黑漆漆的", "m-1"))
    assert "几栋" in text_of(asked)
    assert await tickets(sessions) == []

    done = await pipeline.handle(message("12号楼", "m-2"))

    [ticket] = await tickets(sessions)
    assert ticket.category_key == "lighting"
    assert ticket.description == "楼道的灯坏了好几天了，晚上黑漆漆的"
    assert await staff_key(sessions, ticket.assignee_id) == "by-svc-01"
    assert ticket.number is not None
    assert ticket.number in text_of(done)


async def test_unknown_building_is_asked_again(pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    replies = await pipeline.handle(message("104栋门口的下水道堵了", "m-1"))

    assert "104栋" in text_of(replies)
    assert await tickets(sessions) == []
    await pipeline.handle(message("14栋", "m-2"))
    assert len(await tickets(sessions)) == 1


async def test_resident_of_second_community_goes_to_its_staff(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    await pipeline.handle(message("8栋楼下的下水道堵了好几天", "m-1", sender="wx-qs-1", community="qingshui"))

    [ticket] = await tickets(sessions)
    assert await staff_key(sessions, ticket.assignee_id) == building_lead(profile, "qingshui", "8")
    assert building_lead(profile, "qingshui", "8") != building_lead(profile, "baiyang", "8")


async def test_community_is_asked_when_unknown_and_taken_from_the_answer(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    asked = await pipeline.handle(message(DRAIN, "m-1", sender="wx-new", community=None))
    assert {c.payload for c in asked[0].choices} == {"白杨社区", "青水社区"}

    await pipeline.handle(message("青水社区", "m-2", sender="wx-new", community=None))

    [ticket] = await tickets(sessions)
    assert await staff_key(sessions, ticket.assignee_id) == building_lead(profile, "qingshui", "3")


async def test_sub_district_category_goes_to_the_office_with_the_district_limit(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await pipeline.handle(message("5栋楼顶有人私搭乱建加盖了一层彩钢房", "m-1"))

    [ticket] = await tickets(sessions)
    assert ticket.category_key == "illegal_building"
    assert (ticket.intake_type, ticket.remit, ticket.office_key) == ("administrative", "district", "urban_management")
    assert await staff_key(sessions, ticket.assignee_id) == "lj-urban-01"
    # administrative, district remit: 3 days, by closing time on the third day.
    assert ticket.due_at == datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


async def test_gibberish_gets_the_menu_and_no_ticket(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    replies = await pipeline.handle(message("qwerty zxcv", "m-1"))

    assert "/human_handoff" in [c.payload for c in replies[0].choices]
    assert await tickets(sessions) == []


async def test_choice_payload_starts_the_flow_without_the_classifier(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    asked = await pipeline.handle(message("/appeal_report", "m-1"))

    assert "什么问题" in text_of(asked)
    await pipeline.handle(message("电梯坏了把人关在里面了", "m-2"))
    await pipeline.handle(message("7栋", "m-3"))
    [ticket] = await tickets(sessions)
    assert ticket.category_key == "lift"


async def test_concurrent_deliveries_of_one_message_make_one_ticket(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    results = await asyncio.gather(*(pipeline.handle(message(DRAIN, "wx-msgid-race")) for _ in range(3)))

    assert results[0] == results[1] == results[2]
    assert len(await tickets(sessions)) == 1


async def until_one_waits_for_a_lock(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Returns once a connection to the test's database waits for a lock another holds (or fails after 30 s)."""
    for _ in range(3000):
        async with sessions() as session:
            if await session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = current_database()")):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("nothing waited for the lock")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite: one writer at a time, by its lock
async def test_a_message_that_waited_for_another_of_the_same_resident_goes_on_from_what_that_one_saved(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession]) -> None:
    await pipeline.handle(message("电梯坏了", "m-1"))
    async with sessions() as session, session.begin():
        asked = await session.scalar(select(Conversation.state))
        await session.execute(update(Conversation).values(state={}))
    async with sessions() as other, other.begin():
        # Another message of theirs mid-turn: its account's row taken, the question it asked not committed yet.
        await other.execute(update(ChannelIdentity).where(ChannelIdentity.external_id == "wx-resident-1")
                            .values(active=True))
        await other.execute(update(Conversation).values(state=asked))
        answer = asyncio.create_task(pipeline.handle(message("7栋", "m-2")))
        await until_one_waits_for_a_lock(sessions)
    replies = await answer

    [ticket] = await tickets(sessions)
    assert ticket.category_key == "lift"
    assert ticket.number is not None
    assert ticket.number in text_of(replies)


@pytest.mark.parametrize(("complaint", "to_the_secretary"), [
    ("你们窗口那个小姑娘态度太差了 我问两句就不耐烦", True),
    ("社区窗口的人对老人一点耐心都没有 我爸问了两遍就被凶了", True),
    ("我们楼的网格员态度太差了 问他点事爱答不理的 3栋", True),
    ("物业的保安态度太差了 还骂人 3栋门口", False),
])
async def test_a_complaint_about_the_communitys_own_staff_goes_to_the_secretary_not_to_them(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], complaint: str,
        to_the_secretary: bool) -> None:
    """「窗口那个小姑娘态度太差了」 was filed as 便民办事 and sent to the window, to the very staff complained about. A
    complaint about the property company's staff stays with the grid."""
    await pipeline.handle(message(complaint, "m-staff"))

    [ticket] = await tickets(sessions)
    async with sessions() as session:
        assert ((await session.get_one(Staff, ticket.assignee_id)).role == "secretary") is to_the_secretary
