"""A resident's data rights: a copy of everything stored about them, and erasure on request.

Residents distrust data collection (PRODUCT.md §2); these are the answers to "what do you keep about
me?" and "delete it". Both work in the caller's transaction and commit nothing; `frontdoor privacy`
runs them and writes the audit entry in the same transaction.

Anonymous clues are linked to nobody (`storage.models.Clue`), so neither function can find them, by
design: only clues the resident chose to leave contact on are theirs here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import ResidentNotFoundError
from bot.core.wording import Wording
from bot.privacy.ticket_purge import changed, mask, purge_tickets, scrub_notes
from storage.models import (
    Appointment,
    AppointmentSlot,
    Attachment,
    Base,
    CertificateRequest,
    ChannelIdentity,
    Clue,
    Conversation,
    Objection,
    OutboxMessage,
    ProcessedMessage,
    Rating,
    Resident,
    Subscription,
    Ticket,
    TicketEvent,
    TicketFollower,
    Vote,
)
from storage.profile import Profile

ERASED_HOUSEHOLD = "erased:"
"""A vote's household once its voter was erased: the vote counts, the room is gone."""

REPLIES: dict[str, tuple[str, ...]] = {
    "ticket_description_erased": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


ERASED_DESCRIPTION = "ticket_description_erased"
"""The reply key whose wording replaces an erased resident's ticket descriptions."""


@dataclass(frozen=True)
class ErasureReport:
    resident_id: int
    counts: dict[str, int]
    """Rows changed or deleted per table, e.g. {"tickets": 2, "channel_identities": 2}."""


def as_json(row: Base) -> dict[str, Any]:
    """Every column of a row, datetimes as ISO 8601: the export shows what is stored, not a selection."""
    return {column.key: _plain(getattr(row, column.key)) for column in row.__table__.columns}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


async def _resident(session: AsyncSession, resident_id: int, *, for_update: bool = False) -> Resident:
    resident = await session.get(Resident, resident_id, with_for_update=for_update)
    if resident is None:
        raise ResidentNotFoundError(f"no resident #{resident_id}")
    return resident


async def _rows(session: AsyncSession, model: type[Base], *where: Any) -> Sequence[Any]:
    return (await session.scalars(select(model).where(*where).order_by(*model.__table__.primary_key))).all()


async def export_resident(session: AsyncSession, resident_id: int) -> dict[str, Any]:
    """Everything stored about one resident, JSON-serialisable (what `frontdoor privacy export` writes)."""
    resident = await _resident(session, resident_id)
    conversation = await session.get(Conversation, resident_id)
    tickets = await _rows(session, Ticket, Ticket.resident_id == resident_id)
    slots = {slot.id: slot for slot in await _rows(session, AppointmentSlot, AppointmentSlot.id.in_(
        select(Appointment.slot_id).where(Appointment.resident_id == resident_id)))}
    return {
        "resident": as_json(resident),
        "channel_identities": [as_json(r) for r in await _rows(session, ChannelIdentity,
                                                               ChannelIdentity.resident_id == resident_id)],
        "conversation": as_json(conversation) if conversation is not None else None,
        "subscriptions": [as_json(r) for r in await _rows(session, Subscription,
                                                          Subscription.resident_id == resident_id)],
        "tickets": await _tickets_json(session, tickets),
        "attachments_without_ticket": [as_json(r) for r in await _rows(
            session, Attachment, Attachment.resident_id == resident_id, Attachment.ticket_id.is_(None))],
        "appointments": [{**as_json(r), "slot": as_json(slots[r.slot_id])}
                         for r in await _rows(session, Appointment, Appointment.resident_id == resident_id)],
        "clues": [as_json(r) for r in await _rows(session, Clue, Clue.resident_id == resident_id)],
        "objections": [as_json(r) for r in await _rows(session, Objection, Objection.ticket_id.in_(
            select(Ticket.id).where(Ticket.resident_id == resident_id)))],
        "votes": [as_json(r) for r in await _rows(session, Vote, Vote.resident_id == resident_id)],
        "processed_messages": [as_json(r) for r in await _rows(session, ProcessedMessage,
                                                               ProcessedMessage.resident_id == resident_id)],
        "outbox": [as_json(r) for r in await _rows(session, OutboxMessage, OutboxMessage.resident_id == resident_id)],
    }


async def _tickets_json(session: AsyncSession, tickets: Sequence[Ticket]) -> list[dict[str, Any]]:
    """Each ticket with its history, photos, ratings and certificate request (one query per table)."""
    ids = [ticket.id for ticket in tickets]
    events = _by_ticket(await _rows(session, TicketEvent, TicketEvent.ticket_id.in_(ids)))
    photos = _by_ticket(await _rows(session, Attachment, Attachment.ticket_id.in_(ids)))
    ratings = _by_ticket(await _rows(session, Rating, Rating.ticket_id.in_(ids)))
    requests = {r.ticket_id: as_json(r) for r in await _rows(session, CertificateRequest,
                                                             CertificateRequest.ticket_id.in_(ids))}
    return [{**as_json(ticket), "events": events.get(ticket.id, []), "attachments": photos.get(ticket.id, []),
             "ratings": ratings.get(ticket.id, []), "certificate_request": requests.get(ticket.id)}
            for ticket in tickets]


def _by_ticket(rows: Iterable[TicketEvent | Attachment | Rating]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row.ticket_id is not None:
            grouped.setdefault(row.ticket_id, []).append(as_json(row))
    return grouped


async def erase_resident(session: AsyncSession, profile: Profile, resident_id: int, now: datetime) -> ErasureReport:
    """Remove the resident's personal data and keep the statistics (the dashboard's figures do not move).

    Afterwards no row holds their name, phone, ID number, unit, room or platform account:
    the resident row stays, anonymous (its community and building stay, as do their tickets' building
    numbers: the area statistics need them, and a building alone names no household); their platform
    accounts are deleted, so writing again from the same account starts a new resident; their
    conversation, retry cache (it holds reply texts), subscriptions and photos are deleted; messages
    still waiting to be sent to them are dropped and the texts of sent ones replaced; a ticket others
    follow passes to the next of them (`_hand_over_shared_tickets`); their other tickets are purged as
    `bot.privacy.ticket_purge` describes, and their words on tickets they follow go; appointments lose
    phone, address and note, ratings their comment, objections the name and phone left with them, and clues they left
    contact on become anonymous again; their votes still count but no longer name the room.
    Running it again is harmless.
    """
    resident = await _resident(session, resident_id, for_update=True)
    placeholder = Wording(profile, None).render(ERASED_DESCRIPTION)
    secrets = await _known_secrets(session, resident)
    counts: Counter[str] = Counter()
    for model, owner in ((ChannelIdentity, ChannelIdentity.resident_id), (Conversation, Conversation.resident_id),
                         (ProcessedMessage, ProcessedMessage.resident_id), (Subscription, Subscription.resident_id),
                         (Attachment, Attachment.resident_id)):
        counts[model.__tablename__] += await changed(session, delete(model).where(owner == resident_id))
    counts["outbox"] += await changed(session, delete(OutboxMessage).where(
        OutboxMessage.resident_id == resident_id, OutboxMessage.delivered_at.is_(None),
        OutboxMessage.undeliverable_reason.is_(None)))
    counts["outbox"] += await changed(session, update(OutboxMessage).where(
        OutboxMessage.resident_id == resident_id).values(payload={"text": placeholder}))
    counts["tickets_handed_over"] = await _hand_over_shared_tickets(session, resident_id, placeholder, secrets)
    ticket_ids = (await session.scalars(select(Ticket.id).where(Ticket.resident_id == resident_id))).all()
    counts.update(await purge_tickets(session, ticket_ids, placeholder, now, secrets))
    counts["appointments"] = await changed(session, update(Appointment).where(
        Appointment.resident_id == resident_id).values(phone=None, address=None, note=None))
    counts["ratings"] += await changed(session, update(Rating).where(
        Rating.resident_id == resident_id, Rating.comment.is_not(None)).values(comment=None))
    counts["ticket_followers"] += await changed(session, update(TicketFollower).where(
        TicketFollower.resident_id == resident_id, TicketFollower.description.is_not(None)).values(description=None))
    counts["clues"] = await _unlink_clues(session, resident_id, secrets)
    counts["votes"] = await _unroom_votes(session, resident_id)
    resident.display_name = resident.phone = resident.unit = resident.room = None
    resident.erased_at = resident.erased_at or now
    counts["residents"] = 1
    return ErasureReport(resident_id, dict(counts))


async def _hand_over_shared_tickets(session: AsyncSession, resident_id: int, placeholder: str,
                                    secrets: set[str]) -> int:
    """A ticket the resident reported first that others follow is still their problem: the earliest other reporter
    takes it over, their own words becoming its description. The erased resident's words, unit and room go, and
    so do the residents' words in its history and the staff cards that quoted the description."""
    others = select(TicketFollower.ticket_id).where(TicketFollower.resident_id != resident_id)
    shared = (await session.scalars(select(Ticket).where(Ticket.resident_id == resident_id, Ticket.id.in_(others))
                                    .with_for_update())).all()
    for ticket in shared:
        heir = await session.scalar(select(TicketFollower).where(TicketFollower.ticket_id == ticket.id,
                                                                 TicketFollower.resident_id != resident_id)
                                    .order_by(TicketFollower.id).limit(1))
        assert heir is not None  # selected for having one
        ticket.resident_id, ticket.channel = heir.resident_id, heir.channel
        ticket.description, heir.description = heir.description or placeholder, None
        ticket.unit = ticket.room = None
        await session.execute(delete(TicketFollower).where(TicketFollower.ticket_id == ticket.id,
                                                           TicketFollower.resident_id == resident_id))
    ids = [ticket.id for ticket in shared]
    if ids:
        await scrub_notes(session, ids, secrets)
        await session.execute(update(OutboxMessage).where(OutboxMessage.ticket_id.in_(ids),
                                                          OutboxMessage.staff_id.is_not(None))
                              .values(payload={"text": placeholder}))
    return len(ids)


async def _known_secrets(session: AsyncSession, resident: Resident) -> set[str]:
    """The resident's name and every phone and ID number they gave, to mask where texts are kept."""
    theirs = select(Ticket.id).where(Ticket.resident_id == resident.id)
    given = await session.scalars(union(
        select(Appointment.phone).where(Appointment.resident_id == resident.id),
        select(Clue.contact).where(Clue.resident_id == resident.id),
        select(CertificateRequest.phone).where(CertificateRequest.ticket_id.in_(theirs)),
        select(CertificateRequest.id_number).where(CertificateRequest.ticket_id.in_(theirs)),
        select(Objection.name).where(Objection.ticket_id.in_(theirs)),
        select(Objection.phone).where(Objection.ticket_id.in_(theirs))))
    return {value for value in (resident.display_name, resident.phone, *given) if value}


async def _unroom_votes(session: AsyncSession, resident_id: int) -> int:
    """Their households' votes still count, but no longer say which room cast them."""
    votes = (await session.scalars(select(Vote).where(Vote.resident_id == resident_id,
                                                      Vote.household.not_like(f"{ERASED_HOUSEHOLD}%")))).all()
    for vote in votes:
        vote.household = f"{ERASED_HOUSEHOLD}{vote.id}"
    return len(votes)


async def _unlink_clues(session: AsyncSession, resident_id: int, secrets: set[str]) -> int:
    """Clues they left contact on become anonymous like the others; the police keep the clue itself."""
    clues = await _rows(session, Clue, Clue.resident_id == resident_id)
    for clue in clues:
        clue.contact, clue.resident_id, clue.text = None, None, mask(clue.text, secrets)
    return len(clues)
