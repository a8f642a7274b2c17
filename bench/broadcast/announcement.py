"""The announcement under test: drafted, then sent the front door's way or the naive way."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.broadcast.database import COMMUNITY, Sessions
from bot.core.wording import Wording
from bot.notices.compose import AnnouncementInput, compose_announcement, resident_text
from bot.notices.sending import create_notice, start_sending
from storage.models import Notice, NoticeStage, OutboxMessage, ScheduledJob
from storage.profile import Profile
from storage.repositories import notices
from storage.repositories.directory import get_community


async def draft(session: AsyncSession, profile: Profile) -> Notice:
    """A whole-community announcement, written as a draft."""
    community = await get_community(session, COMMUNITY)
    assert community is not None, f"no community {COMMUNITY} in the profile"
    content = AnnouncementInput(headline="小区停水通知", body="本周六9:00至17:00因管道检修全小区停水，请提前储水。")
    notice = create_notice(session, profile, community, compose_announcement(profile, COMMUNITY, content), None,
                           datetime.now(UTC))
    await session.flush()
    return notice


async def send_ours(sessions: Sessions, profile: Profile) -> int:
    """How the front door sends: `start_sending` (the fan-out) and commit. Returns the notice id."""
    async with sessions() as session, session.begin():
        notice = await draft(session, profile)
        await start_sending(session, profile, notice, datetime.now(UTC))
    return notice.id


async def send_naive(sessions: Sessions, profile: Profile) -> int:
    """The naive way: the recipients read into Python, one ORM row each with its own copy of the text."""
    async with sessions() as session, session.begin():
        notice = await draft(session, profile)
        now = datetime.now(UTC)
        body = resident_text(Wording(profile, COMMUNITY), notice)
        residents = list(await session.scalars(notices.audience(notice)))
        session.add_all([OutboxMessage(community_id=notice.community_id, kind=notices.DELIVERY_KIND,
                                       resident_id=resident_id, notice_id=notice.id, payload={"text": body},
                                       priority=notices.PRIORITY_BULK, attempts=0, available_at=now, created_at=now)
                         for resident_id in residents])
        notice.body, notice.recipients, notice.stage, notice.sent_at = body, len(residents), NoticeStage.SENT, now
    return notice.id


async def forget_notices(sessions: Sessions) -> None:
    """The outbox emptied and the notices gone, for the next way to start from the same data."""
    async with sessions() as session, session.begin():
        await session.execute(text("TRUNCATE outbox"))
        await session.execute(delete(ScheduledJob))
        await session.execute(delete(Notice))


async def outbox_rows(sessions: Sessions, notice_id: int) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.notice_id == notice_id)
        return int(await session.scalar(query) or 0)
