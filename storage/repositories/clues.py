"""Clues for the police (线索). Stored without the resident unless they left contact; read only by
the police role (PRODUCT.md §5: "anonymous clues truly anonymous to everyone but the police")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Clue


async def add_clue(session: AsyncSession, *, community_id: int | None, text: str, category: str, prefix: str,
                   timezone: ZoneInfo, now: datetime, contact_seal: str | None = None) -> Clue:
    """Store an anonymous clue and give it a receipt number (XS20261123-0001).

    Only the local day is kept as its time, so the row cannot be matched to a conversation by
    the minute it arrived."""
    day = now.astimezone(timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    clue = Clue(community_id=community_id, text=text, category=category, created_at=day, contact_seal=contact_seal)
    session.add(clue)
    await session.flush()
    clue.receipt = f"{prefix}{day:%Y%m%d}-{clue.id:04d}"
    await session.flush()
    return clue


async def leave_contact(session: AsyncSession, contact_seal: str, resident_id: int, contact: str) -> Clue | None:
    """The resident chose to be reachable: only now is the clue linked to them."""
    clue = await session.scalar(select(Clue).where(Clue.contact_seal == contact_seal))
    if clue is not None:
        clue.contact, clue.resident_id, clue.contact_seal = contact, resident_id, None
    return clue


async def add_to_clue(session: AsyncSession, contact_seal: str, text: str) -> Clue | None:
    """More of what the resident told, added to the clue they just gave (found by its seal, as `leave_contact`)."""
    clue = await session.scalar(select(Clue).where(Clue.contact_seal == contact_seal))
    if clue is not None:
        clue.text = f"{clue.text}\n{text}"
    return clue


async def list_clues(session: AsyncSession, community_id: int | None, limit: int = 100) -> Sequence[Clue]:
    """A community's clues, and those whose community was not known; newest first. Who may read them is
    the console's rule (`bot.console.clues`)."""
    query = (select(Clue).where(or_(Clue.community_id == community_id, Clue.community_id.is_(None)))
             .order_by(Clue.id.desc()).limit(limit))
    return (await session.scalars(query)).all()
