"""Read-only questions the console and the ledger ask about 公示 and 议事: the 公示 a ticket objects to, the
proposal a suggestion became, and the 公示 a community published in a period with their objections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Objection, Proposal, Publicity


async def objection_of_ticket(session: AsyncSession, ticket_id: int) -> tuple[Objection, Publicity] | None:
    """The objection a ticket was opened for, with its 公示 (none: the ticket is no objection)."""
    found = (await session.execute(select(Objection, Publicity).join(Publicity, Publicity.id == Objection.publicity_id)
                                   .where(Objection.ticket_id == ticket_id))).first()
    return (found[0], found[1]) if found is not None else None


async def proposal_of_suggestion(session: AsyncSession, ticket_id: int) -> Proposal | None:
    """The proposal a resident's suggestion was turned into, the latest if more than one."""
    return await session.scalar(select(Proposal).where(Proposal.suggestion_ticket_id == ticket_id)
                                .order_by(Proposal.id.desc()).limit(1))


async def publicities_opened(session: AsyncSession, community_id: int, start: datetime,
                             end: datetime) -> list[tuple[Publicity, int]]:
    """The community's 公示 whose window opened in [start, end), oldest first, each with its objections, counted
    in the same query."""
    objections = (select(Objection.publicity_id, func.count().label("count")).group_by(Objection.publicity_id)
                  .subquery())
    query = (select(Publicity, func.coalesce(objections.c.count, 0))
             .outerjoin(objections, objections.c.publicity_id == Publicity.id)
             .where(Publicity.community_id == community_id, Publicity.opens_at >= start, Publicity.opens_at < end)
             .order_by(Publicity.opens_at, Publicity.id))
    return [(publicity, int(count)) for publicity, count in (await session.execute(query)).all()]
