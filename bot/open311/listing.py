"""The ticket queries behind the GET endpoints: a fixed number of queries per response, whatever
its length (tickets with their places and assignee role, then last changes and closing results)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Building, Resident, Staff, Ticket, TicketEvent, TicketEventKind

MAX_REQUESTS = 1000
"""The spec's page: at most the newest 1000 requests of the window."""


@dataclass(frozen=True)
class TicketWindow:
    category_keys: Collection[str]
    start: datetime
    end: datetime
    statuses: Collection[str] | None = None
    """Our ticket statuses to include; None: all."""
    community_id: int | None = None


def _tickets() -> Select[Ticket]:
    return select(Ticket).options(joinedload(Ticket.community), joinedload(Ticket.assignee),
                                  joinedload(Ticket.building).joinedload(Building.area))


async def tickets_by_number(session: AsyncSession, numbers: Collection[str], category_keys: Collection[str],
                            community_id: int | None = None) -> Sequence[Ticket]:
    query = _tickets().where(Ticket.number.in_(numbers), Ticket.category_key.in_(category_keys)).order_by(Ticket.id)
    if community_id is not None:
        query = query.where(Ticket.community_id == community_id)
    return (await session.scalars(query)).all()


async def tickets_in_window(session: AsyncSession, window: TicketWindow) -> Sequence[Ticket]:
    query = (_tickets()
             .where(Ticket.category_key.in_(window.category_keys), Ticket.created_at >= window.start,
                    Ticket.created_at <= window.end)
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_REQUESTS))
    if window.statuses is not None:
        query = query.where(Ticket.status.in_(window.statuses))
    if window.community_id is not None:
        query = query.where(Ticket.community_id == window.community_id)
    return (await session.scalars(query)).all()


async def last_changes(session: AsyncSession, ticket_ids: Collection[int]) -> dict[int, datetime]:
    """When anything last happened to each ticket (its latest event)."""
    if not ticket_ids:
        return {}
    query = (select(TicketEvent.ticket_id, func.max(TicketEvent.created_at))
             .where(TicketEvent.ticket_id.in_(ticket_ids)).group_by(TicketEvent.ticket_id))
    # max() takes its argument's type, so the value comes back timezone-aware on SQLite too.
    return {ticket_id: at for ticket_id, at in (await session.execute(query)).all() if at is not None}


async def closing_results(session: AsyncSession, ticket_ids: Collection[int]) -> dict[int, str]:
    """The result staff gave when they last closed each ticket."""
    if not ticket_ids:
        return {}
    query = (select(TicketEvent.ticket_id, TicketEvent.note)
             .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind == TicketEventKind.CLOSED)
             .order_by(TicketEvent.id))
    return {ticket_id: note for ticket_id, note in (await session.execute(query)).all() if note}



async def known_names(session: AsyncSession,
                      resident_ids: Collection[int]) -> tuple[frozenset[str], dict[int, str]]:
    """Names to mask in free text: every staff member's, and each reporter's by resident id."""
    staff = frozenset((await session.scalars(select(Staff.name))).all())
    residents: dict[int, str] = {}
    if resident_ids:
        query = select(Resident.id, Resident.display_name).where(Resident.id.in_(resident_ids),
                                                                  Resident.display_name.is_not(None))
        residents = {resident_id: name for resident_id, name in (await session.execute(query)).all() if name}
    return staff, residents
