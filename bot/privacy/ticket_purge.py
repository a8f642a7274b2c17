"""Removing a ticket's personal fields while keeping what the statistics count.

Shared by the retention purge (`bot.privacy.retention`, tickets closed long ago) and a resident's erasure
(`bot.privacy.residents`). What goes: the unit, room and place words (the building stays, for the area figures), the
description (a neutral placeholder from the profile's wording instead) and its followers' words, the
certificate's personal fields, photos, the resident's own words in the history and in ratings, and the texts of the
notifications about the ticket (they quote the description and address). What stays: category,
intake type, remit, building, status, assignee, dates, the history's kinds and times, staff notes
(with known phone and ID numbers masked), and whether the rating was 满意.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Attachment,
    CertificateRequest,
    Objection,
    OutboxMessage,
    Rating,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketFollower,
)

MASK = "***"
MIN_SECRET_CHARS = 2
"""Shorter values (a one-character name) would mask unrelated text; they are not looked for."""
RESIDENT_NOTE_KINDS = frozenset({TicketEventKind.REOPENED.value, TicketEventKind.REPLIED.value,
                                 TicketEventKind.ANSWERED.value, TicketEventKind.ADDED.value,
                                 TicketEventKind.PLACED.value, TicketEventKind.MOVED.value,
                                 TicketEventKind.DELIVERY.value, TicketEventKind.WITHDRAWN.value})
"""History entries without a staff member whose note is the resident's own words (a reopen comment,
a hand-off message, an emergency's follow-up, the answer to a paused ticket, news added after filing, the unit and
room of their home, where they corrected it to, how they will get a certificate, why it is no longer needed)."""
MACHINE_NOTE = re.compile(r"[a-z_]+(:[a-z_]+)?")
"""Notes the code writes (`certificate_ready`, `not_urgent:appeal_report`): kept, they quote nobody."""


async def changed(session: AsyncSession, statement: Executable) -> int:
    """Rows an UPDATE or DELETE touched."""
    return cast(CursorResult[Any], await session.execute(statement)).rowcount


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if len(secret) >= MIN_SECRET_CHARS:
            text = text.replace(secret, MASK)
    return text


def quotes_resident(event: TicketEvent) -> bool:
    return (event.staff_id is None and event.kind in RESIDENT_NOTE_KINDS and event.note is not None
            and MACHINE_NOTE.fullmatch(event.note) is None)


async def purge_tickets(session: AsyncSession, ticket_ids: Collection[int], placeholder: str, now: datetime,
                        secrets: Iterable[str] = ()) -> Counter[str]:
    """Remove the personal fields of these tickets; `secrets` (the resident's phone numbers, name ...)
    are masked where text is kept. Returns the rows changed per table."""
    counts: Counter[str] = Counter()
    if not ticket_ids:
        return counts
    ids = list(ticket_ids)
    hidden = {*secrets, *await _blank_certificates(session, ids, counts)}
    counts["tickets"] = await changed(session, update(Ticket).where(Ticket.id.in_(ids)).values(
        unit=None, room=None, place=None, description=placeholder))
    await session.execute(update(Ticket).where(Ticket.id.in_(ids), Ticket.purged_at.is_(None)).values(purged_at=now))
    counts["ticket_events"] = await scrub_notes(session, ids, hidden)
    counts["ticket_followers"] = await changed(session, update(TicketFollower).where(
        TicketFollower.ticket_id.in_(ids), TicketFollower.description.is_not(None)).values(description=None))
    counts["ratings"] = await changed(session, update(Rating).where(
        Rating.ticket_id.in_(ids), Rating.comment.is_not(None)).values(comment=None))
    counts["objections"] = await changed(session, update(Objection).where(
        Objection.ticket_id.in_(ids), or_(Objection.name.is_not(None), Objection.phone.is_not(None)))
        .values(name=None, phone=None))
    counts["attachments"] = await changed(session, delete(Attachment).where(Attachment.ticket_id.in_(ids)))
    counts["outbox"] = await changed(session, update(OutboxMessage).where(OutboxMessage.ticket_id.in_(ids))
                                     .values(payload={"text": placeholder}))
    return counts


async def _blank_certificates(session: AsyncSession, ids: Sequence[int], counts: Counter[str]) -> set[str]:
    """Blank the certificate requests' personal fields; returns the ID and phone numbers they held."""
    requests = (await session.scalars(select(CertificateRequest)
                                      .where(CertificateRequest.ticket_id.in_(ids)))).all()
    held = {value for request in requests for value in (request.id_number, request.phone) if value}
    for request in requests:
        request.for_whom, request.id_number, request.purpose, request.phone = "", None, "", None
    counts["certificate_requests"] = len(requests)
    return held


async def scrub_notes(session: AsyncSession, ids: Sequence[int], secrets: set[str]) -> int:
    """The residents' words go; staff notes stay with the secrets masked. Returns the notes changed."""
    events = (await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(ids),
                                                              TicketEvent.note.is_not(None)))).all()
    touched = 0
    for event in events:
        note = None if quotes_resident(event) else mask(event.note or "", secrets)
        if note != event.note:
            event.note = note
            touched += 1
    return touched
