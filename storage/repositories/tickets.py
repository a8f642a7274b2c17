"""Tickets and their history."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Ticket, TicketEvent, TicketEventKind, TicketFollower, TicketStatus


async def add_ticket(session: AsyncSession, ticket: Ticket, prefix: str, timezone: ZoneInfo) -> Ticket:
    """Store a new ticket with its number, its `created` and `assigned` events, and its reporter as its first
    follower."""
    session.add(ticket)
    await session.flush()
    session.add(TicketFollower(ticket_id=ticket.id, resident_id=ticket.resident_id, channel=ticket.channel,
                               created_at=ticket.created_at))
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
    """The open tickets the resident reported, first or as a follower."""
    followed = select(TicketFollower.ticket_id).where(TicketFollower.resident_id == resident_id)
    query = (select(Ticket).options(joinedload(Ticket.assignee))
             .where(Ticket.id.in_(followed), Ticket.status != TicketStatus.CLOSED).order_by(Ticket.id))
    return (await session.scalars(query)).all()


async def get_ticket_by_number(session: AsyncSession, number: str) -> Ticket | None:
    return await session.scalar(select(Ticket).options(joinedload(Ticket.assignee)).where(Ticket.number == number))


async def followers_of(session: AsyncSession, ticket_id: int) -> Sequence[TicketFollower]:
    """Everyone who reported the ticket's problem, in the order they came to it."""
    query = select(TicketFollower).where(TicketFollower.ticket_id == ticket_id).order_by(TicketFollower.id)
    return (await session.scalars(query)).all()


async def follows(session: AsyncSession, ticket_id: int, resident_id: int) -> bool:
    query = select(TicketFollower.id).where(TicketFollower.ticket_id == ticket_id,
                                            TicketFollower.resident_id == resident_id)
    return await session.scalar(query) is not None
