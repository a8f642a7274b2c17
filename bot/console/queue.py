"""The ticket queue a staff member sees: their tickets by filter, soonest due first, each with the time
left and how urgent that is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.console.access import visible_tickets
from bot.console.resident_asks import resident_asks
from storage.models import Area, Building, Staff, Ticket, TicketFollower, TicketStatus

OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED, TicketStatus.REOPENED)
NEAR_DUE_SHARE = 0.25
"""A ticket is near its deadline in the last quarter of its time limit (the reminder goes at 75%)..."""
NEAR_DUE_WITHIN = timedelta(hours=1)
"""... and in its last hour whatever its limit, so a one-hour emergency is never shown as comfortable."""
PAGE = 200


@dataclass(frozen=True)
class TicketFilter:
    status: str = "open"
    """open (open, claimed or reopened), closed, or all."""
    intake_type: str = ""
    category: str = ""
    area: str = ""
    assignee: str = ""
    """Part of the assignee's name (or their staff id)."""
    overdue: bool = False


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    assignee: Staff
    area: Area | None
    building: Building | None
    urgency: str
    """"late", "near" or "ok" (closed tickets: "done"; paused ones, whose clock stands still: "paused")."""
    minutes_left: int
    reporters: int
    """Residents who reported the problem (one ticket per problem: `bot.office.duplicates`)."""
    asks: tuple[str, ...] = ()
    """What the resident asks that a person has to act on (`bot.console.resident_asks`)."""


async def ticket_queue(session: AsyncSession, staff: Staff, wanted: TicketFilter, now: datetime) -> list[QueueRow]:
    assignee = aliased(Staff)
    reporters = (select(func.count()).select_from(TicketFollower).where(TicketFollower.ticket_id == Ticket.id)
                 .correlate(Ticket).scalar_subquery())
    query = (select(Ticket, assignee, Building, Area, reporters).join(assignee, assignee.id == Ticket.assignee_id)
             .outerjoin(Building, Building.id == Ticket.building_id).outerjoin(Area, Area.id == Building.area_id)
             .where(visible_tickets(staff)))
    if wanted.status == "open":
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    elif wanted.status in {s.value for s in TicketStatus}:
        query = query.where(Ticket.status == wanted.status)
    if wanted.intake_type:
        query = query.where(Ticket.intake_type == wanted.intake_type)
    if wanted.category:
        query = query.where(Ticket.category_key == wanted.category)
    if wanted.area:
        query = query.where(Area.key == wanted.area)
    if wanted.assignee:
        query = query.where(or_(assignee.name.contains(wanted.assignee.strip(), autoescape=True),
                                assignee.key == wanted.assignee.strip()))
    if wanted.overdue:
        query = query.where(Ticket.status.in_(OPEN_STATUSES), Ticket.due_at < now, Ticket.paused_at.is_(None))
    rows = (await session.execute(query.order_by(Ticket.due_at, Ticket.id).limit(PAGE))).all()
    asks = await resident_asks(session, [t.id for t, *_ in rows])
    return [QueueRow(t, a, area, building, urgency(t, now), minutes_left(t, now), count, asks.get(t.id, ()))
            for t, a, building, area, count in rows]


def minutes_left(ticket: Ticket, now: datetime) -> int:
    """Whole minutes to the deadline, rounded down: 30 seconds overdue is -1, not 「还剩 0分钟」."""
    return (ticket.due_at - now) // timedelta(minutes=1)


def urgency(ticket: Ticket, now: datetime) -> str:
    if ticket.status == TicketStatus.CLOSED:
        return "done"
    if ticket.paused_at is not None:
        return "paused"
    if ticket.due_at <= now:
        return "late"
    left = ticket.due_at - now
    return "near" if left <= NEAR_DUE_WITHIN or left <= (ticket.due_at - ticket.created_at) * NEAR_DUE_SHARE else "ok"

