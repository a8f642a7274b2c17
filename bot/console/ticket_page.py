"""Everything the ticket page shows: the ticket, its whole history, the photos, the rating, and the
resident's contact (personal data: reading it is written to the audit log by the route)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attachment, Building, Rating, Resident, Staff, Ticket, TicketEvent


@dataclass(frozen=True)
class TicketPage:
    ticket: Ticket
    assignee: Staff
    building: Building | None
    resident: Resident
    events: Sequence[tuple[TicketEvent, Staff | None]]
    photos: Sequence[Attachment]
    ratings: Sequence[Rating]


async def load_ticket_page(session: AsyncSession, ticket: Ticket) -> TicketPage:
    events = (await session.execute(select(TicketEvent, Staff).outerjoin(Staff, Staff.id == TicketEvent.staff_id)
                                    .where(TicketEvent.ticket_id == ticket.id)
                                    .order_by(TicketEvent.created_at, TicketEvent.id))).all()
    photos = (await session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                                    .order_by(Attachment.id))).all()
    ratings = (await session.scalars(select(Rating).where(Rating.ticket_id == ticket.id).order_by(Rating.id))).all()
    return TicketPage(
        ticket, await session.get_one(Staff, ticket.assignee_id),
        await session.get(Building, ticket.building_id) if ticket.building_id else None,
        await session.get_one(Resident, ticket.resident_id), [(e, s) for e, s in events], photos, ratings)
