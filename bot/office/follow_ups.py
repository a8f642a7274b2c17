"""回访: some working days after closing (`bot.office.follow_up_schedule`), every reporter is asked whether the
problem is still fixed; 「又坏了」 reopens the ticket with a new deadline and tells its assignee and area lead.
Staff can also record a phone 回访 from the console. Each follow-up counts for the staff member who handled the
ticket: the follow-up rate and satisfaction in the dashboard and the monthly ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.reopen_cards import ReopenedBy, reopened_card
from bot.office.reporters import tell_reporters
from bot.office.ticket_actions import (
    REOPENED_KIND,
    area_lead_of,
    category_name,
    closed_ticket_and_actor,
    tell_assignee_and_lead,
    ticket_wording,
)
from bot.office.ticketing import format_datetime, fresh_deadline
from nlu.payloads import button_payload
from storage.models import (
    FollowUp,
    FollowUpMethod,
    Resident,
    ScheduledJob,
    Staff,
    Ticket,
    TicketEvent,
    TicketEventKind,
    TicketFollower,
    TicketStatus,
)
from storage.profile import Profile
from storage.repositories.tickets import followers_of

REPLIES: dict[str, tuple[str, ...]] = {
    "follow_up_question": ("category", "closed", "ticket_no"),
    "choice_follow_up_fixed": (),
    "choice_follow_up_broken": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


ASKED_KIND = "follow_up_question"
FIXED_INTENT = "follow_up_fixed"
BROKEN_INTENT = "follow_up_broken"


async def ask_follow_up(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    """The scheduled 回访: asked of every reporter, unless the ticket was reopened, merged or closed again since."""
    ticket = await session.get(Ticket, job.subject_id)
    if ticket is None or ticket.status != TicketStatus.CLOSED or ticket.merged_into_id is not None \
            or ticket.closed_at is None or ticket.closed_at != datetime.fromisoformat(job.args["closed_at"]):
        return
    wording = await ticket_wording(session, profile, ticket)
    for follower in await followers_of(session, ticket.id):
        session.add(FollowUp(ticket_id=ticket.id, staff_id=ticket.assignee_id, resident_id=follower.resident_id,
                             method=FollowUpMethod.MESSAGE, asked_at=now))
    choices = [[wording.render(label), button_payload(intent, ticket=ticket.number or "")]
               for label, intent in (("choice_follow_up_fixed", FIXED_INTENT),
                                     ("choice_follow_up_broken", BROKEN_INTENT))]
    text = wording.render("follow_up_question", ticket_no=ticket.number, category=category_name(profile, ticket),
                          closed=format_datetime(wording, profile, ticket.closed_at, with_time=False))
    await tell_reporters(session, ticket, ASKED_KIND, {"text": text, "choices": choices})
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.FOLLOW_UP, created_at=now))


async def awaiting_answer(session: AsyncSession, resident_id: int, number: str | None = None,
                          since: datetime | None = None) -> FollowUp | None:
    """The resident's latest unanswered 回访 (on ticket `number`, asked after `since`, if given)."""
    query = (select(FollowUp).join(Ticket, Ticket.id == FollowUp.ticket_id)
             .where(FollowUp.resident_id == resident_id, FollowUp.answered_at.is_(None))
             .order_by(FollowUp.asked_at.desc(), FollowUp.id.desc()).limit(1))
    if number is not None:
        query = query.where(Ticket.number == number)
    if since is not None:
        query = query.where(FollowUp.asked_at >= since)
    return await session.scalar(query)


async def latest_question(session: AsyncSession, resident_id: int, since: datetime) -> FollowUp | None:
    """The 回访 asked of the resident after `since` that their next 「好了」 or 「又坏了」 answers: unanswered, and the
    last thing they were asked (a ticket of theirs closed after it asks 满意 / 不满意, which the words answer)."""
    follow_up = await awaiting_answer(session, resident_id, since=since)
    if follow_up is None:
        return None
    followed = select(TicketFollower.ticket_id).where(TicketFollower.resident_id == resident_id)
    closed_since = await session.scalar(select(Ticket.id).where(Ticket.id.in_(followed),
                                                                Ticket.closed_at > follow_up.asked_at).limit(1))
    return follow_up if closed_since is None else None


async def answer_follow_up(session: AsyncSession, profile: Profile, follow_up: FollowUp, resident: Resident,
                           fixed: bool, now: datetime) -> Ticket:
    """The resident's answer; 又坏了 reopens the ticket if it is still closed."""
    follow_up.answered_at, follow_up.fixed, follow_up.satisfied = now, fixed, fixed
    ticket = await session.get_one(Ticket, follow_up.ticket_id)
    if not fixed and ticket.status == TicketStatus.CLOSED:
        await _reopen(session, profile, ticket, now)
    return ticket


async def record_phone_follow_up(session: AsyncSession, profile: Profile, number: str, staff_key: str, fixed: bool,
                                 satisfied: bool, note: str, now: datetime, seen: int | None = None) -> FollowUp | None:
    """A 回访 made by phone, recorded by staff from the console; 又坏了 reopens the ticket. `seen` is how many phone
    回访 the form was shown beside: when more are recorded by now, the form was sent again (a second tap on a slow
    phone, a page sent once more) and nothing is recorded twice."""
    if seen is not None and await phone_follow_ups_of(session, number) > seen:
        return None
    ticket, staff = await closed_ticket_and_actor(session, number, staff_key)
    follow_up = FollowUp(ticket_id=ticket.id, staff_id=ticket.assignee_id, resident_id=ticket.resident_id,
                         method=FollowUpMethod.PHONE, asked_at=now, answered_at=now, fixed=fixed,
                         satisfied=satisfied, note=note.strip() or None, recorded_by_id=staff.id)
    session.add(follow_up)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.FOLLOW_UP, staff_id=staff.id,
                            note=note.strip() or None, created_at=now))
    if not fixed:
        await _reopen(session, profile, ticket, now, staff, note)
    return follow_up


async def phone_follow_ups_of(session: AsyncSession, number: str) -> int:
    """How many 回访 by phone are recorded for the ticket numbered `number`."""
    return await session.scalar(select(func.count(FollowUp.id)).join(Ticket, Ticket.id == FollowUp.ticket_id).where(
        Ticket.number == number, FollowUp.method == FollowUpMethod.PHONE)) or 0


async def _reopen(session: AsyncSession, profile: Profile, ticket: Ticket, now: datetime, staff: Staff | None = None,
                  note: str | None = None) -> None:
    """又坏了, from the resident (no `staff`) or from a 回访 by phone that `staff` recorded with their `note`."""
    ticket.status, ticket.closed_at = TicketStatus.REOPENED, None
    fresh_deadline(session, profile, ticket, now)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.REOPENED, staff_id=staff.id if staff else None,
                            created_at=now))
    await session.flush()
    by = ReopenedBy.FOLLOW_UP if staff is None else ReopenedBy.PHONE_FOLLOW_UP
    text = await reopened_card(session, profile, ticket, by, now, staff=staff, words=note)
    tell_assignee_and_lead(session, ticket, await area_lead_of(session, ticket), REOPENED_KIND, text)
