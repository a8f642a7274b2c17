"""Tickets and their history."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Ticket, TicketEvent, TicketEventKind, TicketStatus


async def add_ticket(session: AsyncSession, ticket: Ticket, prefix: str, timezone: ZoneInfo) -> Ticket:
    """Store a new ticket with its number and its `created` and `assigned` events."""
    session.add(ticket)
    await session.flush()
    ticket.number = f"{prefix}{ticket.created_at.astimezone(timezone):%Y%m%d}-{ticket.id:04d}"
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.CREATED, created_at=ticket.created_at))
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ASSIGNED, staff_id=ticket.assignee_id,
                            created_at=ticket.created_at))
    await session.flush()
    return ticket


async def list_recent_tickets(session: AsyncSession, community_id: int | None = None,
                              limit: int = 50) -> Sequence[Ticket]:
    query = (select(Ticket)
             .options(joinedload(Ticket.community), joinedload(Ticket.assignee), joinedload(Ticket.building))
             .order_by(Ticket.id.desc()).limit(limit))
    if community_id is not None:
        query = query.where(Ticket.community_id == community_id)
    return (await session.scalars(query)).all()


async def open_tickets_of(session: AsyncSession, resident_id: int) -> Sequence[Ticket]:
    query = (select(Ticket).options(joinedload(Ticket.assignee))
             .where(Ticket.resident_id == resident_id, Ticket.status != TicketStatus.CLOSED).order_by(Ticket.id))
    return (await session.scalars(query)).all()


async def get_ticket_by_number(session: AsyncSession, number: str) -> Ticket | None:
    return await session.scalar(select(Ticket).options(joinedload(Ticket.assignee)).where(Ticket.number == number))
