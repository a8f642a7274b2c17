"""Everything the ticket page shows: the ticket, its whole history, the photos, the rating, everyone who reported
the problem, its 回访, the resident's
contact (personal data: reading it is written to the audit log by the route), and whether what the office
sends can reach the resident at all, with each message about the ticket that no platform took. An objection
names the 公示 it objects to; a resident's suggestion can be turned into a proposal (议事). A certificate ticket
shows what is asked for; what the resident asks a person to act on (a withdrawal, a delivery) shows at the top."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from bot.channels.registry import push_channels
from bot.console.access import may_send_notices
from bot.console.resident_asks import resident_asks
from bot.office.reach import Reach, reach_of
from bot.office.ticket_actions import SUPERVISING_ROLES, may_act_on
from nlu.id_number import mask_id_number
from storage.models import (
    Attachment,
    AttachmentKind,
    Building,
    CertificateRequest,
    FollowUp,
    FollowUpMethod,
    Objection,
    OutboxMessage,
    Proposal,
    Publicity,
    Rating,
    Resident,
    Staff,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketFollower,
)
from storage.profile import Profile
from storage.repositories.participation import objection_of_ticket, proposal_of_suggestion
from storage.repositories.tickets import followers_of


@dataclass(frozen=True)
class CertificateView:
    """What a certificate ticket asks for. The ID number shows masked: the window checks the card the resident
    brings (the materials list asks for it), and the page is not where an ID number is read in full."""

    name: str
    for_whom: str
    id_number: str
    purpose: str
    delivery: str | None
    """「pickup」 or 「delivery」 once the resident said, else None."""
    ready: bool


def certificate_view(profile: Profile, request: CertificateRequest | None) -> CertificateView | None:
    if request is None:
        return None
    certificate = profile.certificates.get(request.certificate_key)
    return CertificateView(certificate.name if certificate else request.certificate_key, request.for_whom,
                           mask_id_number(request.id_number) if request.id_number else "", request.purpose,
                           request.delivery, request.ready_at is not None)


ASKING_KINDS = frozenset({TicketEventKind.WITHDRAWN, TicketEventKind.DELIVERY})
"""History entries in which the resident asks a person to act: their words are shown with the ask."""


@dataclass(frozen=True)
class TicketPage:
    ticket: Ticket
    assignee: Staff
    building: Building | None
    resident: Resident
    events: Sequence[tuple[TicketEvent, Staff | None]]
    photos: Sequence[Attachment]
    voices: Sequence[Attachment]
    """Voice notes, oldest first; one whose audio is not fetched yet has no `content_type`."""
    ratings: Sequence[Rating]
    reach: Reach
    unreached: Sequence[OutboxMessage]
    """Messages to the resident about this ticket that no platform took, oldest first."""
    followers: Sequence[TicketFollower]
    """Everyone who reported the problem: the ticket's own reporter first, then the others as they came (those of
    a ticket merged into this one among them)."""
    follow_ups: Sequence[FollowUp]
    merged_into: str | None
    """The number of the ticket this one was merged into."""
    objection: tuple[Objection, Publicity] | None
    """The objection this ticket was opened for, and the 公示 it objects to."""
    proposal: Proposal | None
    """The proposal this suggestion became."""
    may_propose: bool
    """The ticket is a resident's suggestion not yet put to a vote, and the staff member may write proposals."""
    certificate: CertificateView | None
    asks: tuple[str, ...]
    """What the resident asks that a person has to act on (`bot.console.resident_asks`)."""
    asked: TicketEvent | None
    """The resident's last withdrawal or word on how to get the certificate, shown by those asks."""

    @property
    def phone_follow_ups(self) -> int:
        """The 回访 by phone shown: the form for another says how many it was shown beside."""
        return sum(visit.method == FollowUpMethod.PHONE for visit in self.follow_ups)


@dataclass(frozen=True)
class Allowed:
    """Which of the page's forms this staff member may use (the rules of `bot.office`), so none is shown in vain."""

    act: bool
    """Claim, pause, resume, merge, split, reopen, record a 回访."""
    assign: bool
    reply: bool
    close: bool


async def allowed_on(session: AsyncSession, staff: Staff, ticket: Ticket) -> Allowed:
    mine = staff.id == ticket.assignee_id
    supervises = staff.community_id == ticket.community_id and staff.role in SUPERVISING_ROLES
    return Allowed(await may_act_on(session, staff, ticket), await may_act_on(session, staff, ticket, reassign=True),
                   mine, mine or supervises)


async def load_ticket_page(session: AsyncSession, profile: Profile, staff: Staff, ticket: Ticket) -> TicketPage:
    events = (await session.execute(select(TicketEvent, Staff).outerjoin(Staff, Staff.id == TicketEvent.staff_id)
                                    .where(TicketEvent.ticket_id == ticket.id)
                                    .order_by(TicketEvent.created_at, TicketEvent.id))).all()
    attachments = (await session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                                         .order_by(Attachment.id))).all()
    photos = [a for a in attachments if a.kind == AttachmentKind.PHOTO]
    voices = [a for a in attachments if a.kind == AttachmentKind.VOICE]
    ratings = (await session.scalars(select(Rating).where(Rating.ticket_id == ticket.id).order_by(Rating.id))).all()
    unreached = (await session.scalars(select(OutboxMessage).where(
        OutboxMessage.ticket_id == ticket.id, OutboxMessage.resident_id == ticket.resident_id,
        OutboxMessage.staff_id.is_(None), OutboxMessage.undeliverable_reason.is_not(None))
        .order_by(OutboxMessage.id))).all()
    follow_ups = (await session.scalars(select(FollowUp).where(FollowUp.ticket_id == ticket.id)
                                        .order_by(FollowUp.asked_at, FollowUp.id))).all()
    merged_into = await session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
    deliberation = profile.participation.deliberation
    suggestion = deliberation is not None and ticket.category_key == deliberation.suggestion_category
    proposal = await proposal_of_suggestion(session, ticket.id) if suggestion else None
    asks = (await resident_asks(session, [ticket.id])).get(ticket.id, ())
    asked = next((event for event, _ in reversed(events) if event.kind in ASKING_KINDS), None) if asks else None
    return TicketPage(
        ticket, await session.get_one(Staff, ticket.assignee_id),
        await session.get(Building, ticket.building_id) if ticket.building_id else None,
        await session.get_one(Resident, ticket.resident_id), [(e, s) for e, s in events], photos, voices, ratings,
        await reach_of(session, ticket.resident_id, push_channels()), unreached,
        sorted(await followers_of(session, ticket.id), key=lambda f: (f.resident_id != ticket.resident_id, f.id)),
        follow_ups, merged_into.number if merged_into else None, await objection_of_ticket(session, ticket.id),
        proposal, suggestion and proposal is None and may_send_notices(staff),
        certificate_view(profile, await session.get(CertificateRequest, ticket.id)), asks, asked)


async def voice_of(session: AsyncSession, ticket: Ticket, attachment_id: int) -> Attachment | None:
    """The ticket's voice note with its audio, if it has arrived."""
    note = await session.scalar(select(Attachment).options(undefer(Attachment.content))
                                .where(Attachment.id == attachment_id, Attachment.ticket_id == ticket.id,
                                       Attachment.kind == AttachmentKind.VOICE))
    return note if note is not None and note.content is not None else None
