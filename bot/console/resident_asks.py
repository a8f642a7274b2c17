"""What residents ask of the office on their tickets that a person has to act on, shown in the queue and on the
ticket page, not only at the foot of its history: a report withdrawn (「这个单子撤了吧」) since staff last answered
the resident on it, and a certificate to be brought to the door. The staff card about either may never reach anyone (no
channel configured for the staff member); the console is where they are sure to be seen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.certificates import DELIVERED
from storage.models import CertificateRequest, TicketEvent, TicketEventKind

WITHDRAWN = TicketEventKind.WITHDRAWN.value
ANSWERING_KINDS = (TicketEventKind.REPLIED.value, TicketEventKind.CLOSED.value, TicketEventKind.REOPENED.value)
"""What staff do that answers a withdrawal: a reply to the resident, a close, a reopen. Claiming or passing the
ticket on does not: whoever has it next must still see it."""
DELIVERY = DELIVERED
"""A certificate to bring to the door, asked for while it was made or on the ready notice (送上门)."""


async def resident_asks(session: AsyncSession, ticket_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
    """By ticket: `WITHDRAWN` when the resident withdrew it after staff last answered on it, `DELIVERY` when its
    certificate is to be delivered."""
    if not ticket_ids:
        return {}
    last_by_staff = (select(TicketEvent.ticket_id, func.max(TicketEvent.id).label("last"))
                     .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.staff_id.is_not(None),
                            TicketEvent.kind.in_(ANSWERING_KINDS))
                     .group_by(TicketEvent.ticket_id).subquery())
    withdrawn = await session.scalars(
        select(TicketEvent.ticket_id).distinct()
        .outerjoin(last_by_staff, last_by_staff.c.ticket_id == TicketEvent.ticket_id)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind == WITHDRAWN,
               func.coalesce(last_by_staff.c.last, 0) < TicketEvent.id))
    delivered = await session.scalars(select(CertificateRequest.ticket_id).where(
        CertificateRequest.ticket_id.in_(ticket_ids), CertificateRequest.delivery == DELIVERY))
    asks: dict[int, list[str]] = defaultdict(list)
    for ticket_id in withdrawn:
        asks[ticket_id].append(WITHDRAWN)
    for ticket_id in delivered:
        asks[ticket_id].append(DELIVERY)
    return {ticket_id: tuple(kinds) for ticket_id, kinds in asks.items()}
