"""Tickets and their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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


async def closed_tickets_of(session: AsyncSession, resident_id: int, since: datetime) -> Sequence[Ticket]:
    """The tickets the resident reported, first or as a follower, closed since `since` (none merged into another),
    the latest last."""
    followed = select(TicketFollower.ticket_id).where(TicketFollower.resident_id == resident_id)
    query = (select(Ticket).options(joinedload(Ticket.assignee))
             .where(Ticket.id.in_(followed), Ticket.status == TicketStatus.CLOSED, Ticket.closed_at >= since,
                    Ticket.merged_into_id.is_(None)).order_by(Ticket.closed_at, Ticket.id))
    return (await session.scalars(query)).all()


async def latest_open_ticket_of(session: AsyncSession, resident_id: int) -> Ticket | None:
    """The open ticket the resident reported or joined last: what a photo or voice note they send is about."""
    query = (select(Ticket).options(joinedload(Ticket.assignee))
             .join(TicketFollower, TicketFollower.ticket_id == Ticket.id)
             .where(TicketFollower.resident_id == resident_id, Ticket.status != TicketStatus.CLOSED)
             .order_by(TicketFollower.id.desc()).limit(1))
    return await session.scalar(query)


async def get_ticket_by_number(session: AsyncSession, number: str, *, for_update: bool = False) -> Ticket | None:
    """With `for_update`, the row is locked for the caller's transaction (PostgreSQL), so two actions on one ticket
    (a pause and a close, a resident's answer and a staff resume) happen one after the other."""
    query = select(Ticket).options(joinedload(Ticket.assignee)).where(Ticket.number == number)
    if for_update:
        query = query.with_for_update(of=Ticket)
    return await session.scalar(query)


async def followers_of(session: AsyncSession, ticket_id: int) -> Sequence[TicketFollower]:
    """Everyone who reported the ticket's problem, in the order they came to it."""
    query = select(TicketFollower).where(TicketFollower.ticket_id == ticket_id).order_by(TicketFollower.id)
    return (await session.scalars(query)).all()


async def follows(session: AsyncSession, ticket_id: int, resident_id: int) -> bool:
    query = select(TicketFollower.id).where(TicketFollower.ticket_id == ticket_id,
                                            TicketFollower.resident_id == resident_id)
    return await session.scalar(query) is not None
