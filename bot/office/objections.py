"""Objections to a 公示: each one a ticket of its own kind for the secretary, due when the 公示's window ends,
with the name and phone the resident chose to give (none: anonymous)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.ticketing import OpenedTicket, TicketRequest, open_ticket
from storage.models import Objection, Publicity, PublicityStage, Resident, Ticket
from storage.profile import Profile
from storage.profile.participation import PublicitySettings
from storage.repositories.directory import get_community_by_id

LATE_OBJECTION_DAYS = 30
"""How long after a 公示 ends an objection to it is still answered with 「公示期已结束」 rather than taken as a
complaint of its own."""


class WindowClosedError(Exception):
    """The 公示 takes no more objections: its window has ended (or it was closed early)."""


@dataclass(frozen=True)
class ObjectionRow:
    objection: Objection
    ticket: Ticket


def publicity_settings(profile: Profile) -> PublicitySettings:
    settings = profile.participation.publicity
    if settings is None:
        raise ValueError("the profile has no publicity settings (participation.yaml)")
    return settings


def on_last_day(closes_at: datetime) -> datetime:
    """A moment of a window's last day: it ends at midnight after it (「公示期至12月7日」 ends 12月8日 00:00)."""
    return closes_at - timedelta(seconds=1)


def takes_objections(publicity: Publicity, now: datetime) -> bool:
    return publicity.stage == PublicityStage.OPEN and publicity.closes_at is not None and now < publicity.closes_at


async def file_objection(session: AsyncSession, profile: Profile, publicity: Publicity, resident: Resident,
                         channel: str, description: str, now: datetime, *, name: str | None = None,
                         phone: str | None = None) -> OpenedTicket:
    """The objection as a ticket due at the window's end, routed by its category (the secretary)."""
    if not takes_objections(publicity, now):
        raise WindowClosedError(f"publicity {publicity.id} is {publicity.stage}")
    category = profile.categories[publicity_settings(profile).category]
    community = await get_community_by_id(session, publicity.community_id)
    opened = await open_ticket(session, profile, TicketRequest(
        community=community, resident=resident, channel=channel, category=category, description=description,
        due_at=publicity.closes_at, anonymous=name is None and phone is None), now)
    session.add(Objection(publicity_id=publicity.id, ticket_id=opened.ticket.id, name=name, phone=phone,
                          created_at=now))
    return opened


async def objection_counts(session: AsyncSession, publicity_ids: Sequence[int]) -> dict[int, int]:
    if not publicity_ids:
        return {}
    query = (select(Objection.publicity_id, func.count()).where(Objection.publicity_id.in_(publicity_ids))
             .group_by(Objection.publicity_id))
    return {publicity_id: int(count) for publicity_id, count in (await session.execute(query)).all()}


async def objections_of(session: AsyncSession, publicity_id: int) -> list[ObjectionRow]:
    query = (select(Objection, Ticket).join(Ticket, Ticket.id == Objection.ticket_id)
             .where(Objection.publicity_id == publicity_id).order_by(Objection.id))
    return [ObjectionRow(objection, ticket) for objection, ticket in (await session.execute(query)).all()]


async def publicities_to_object_to(session: AsyncSession, profile: Profile, community_id: int | None, text: str,
                                   now: datetime) -> list[Publicity]:
    """The community's 公示 open to objections; those whose subject or title the text names first, when any do."""
    if community_id is None:
        return []
    query = (select(Publicity).where(Publicity.community_id == community_id, Publicity.stage == PublicityStage.OPEN,
                                     Publicity.closes_at > now).order_by(Publicity.closes_at))
    open_ones = list(await session.scalars(query))
    named = [p for p in open_ones if _names(profile, p, text)]
    if named or _names_a_subject(profile, text):
        return named  # 「对低保名单有意见」 with only a 公示 of a project open: not an objection to that one
    return open_ones


async def latest_closed_named(session: AsyncSession, profile: Profile, community_id: int | None, text: str,
                              now: datetime) -> Publicity | None:
    """The most recently ended 公示 the text names, within `LATE_OBJECTION_DAYS` (an objection that came too late)."""
    if community_id is None:
        return None
    query = (select(Publicity).where(Publicity.community_id == community_id, Publicity.stage != PublicityStage.DRAFT,
                                     Publicity.closes_at > now - timedelta(days=LATE_OBJECTION_DAYS))
             .order_by(Publicity.closes_at.desc()).limit(20))
    return next((p for p in await session.scalars(query) if _names(profile, p, text)), None)


async def something_to_object_to(session: AsyncSession, profile: Profile, community_id: int | None, text: str,
                                 now: datetime) -> bool:
    """Whether words of objection (「低保评得不公平」) are about a 公示: one is open, or one they name ended lately.
    Otherwise they are a complaint like any other, filed as one."""
    return bool(await publicities_to_object_to(session, profile, community_id, text, now)) \
        or await latest_closed_named(session, profile, community_id, text, now) is not None


def _names_a_subject(profile: Profile, text: str) -> bool:
    return any(name in text for s in publicity_settings(profile).subjects for name in (s.name, *s.aliases))


def _names(profile: Profile, publicity: Publicity, text: str) -> bool:
    subject = publicity_settings(profile).subject(publicity.subject)
    names = [publicity.title, *((subject.name, *subject.aliases) if subject is not None else ())]
    return any(name and name in text for name in names)
