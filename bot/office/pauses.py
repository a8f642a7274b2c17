"""Stopping a ticket's clock while the office waits, and starting it again (`bot.office.pause_clock` moves the
deadline). Staff pause with one of the profile's reasons (`pause_reasons`) from the console, WeCom or Telegram;
every reporter is told why and what is needed. The clock starts again when staff resume it or, for a reason
that waits on the resident, when the resident answers (their words or photo go to the assignee). Reminders and
escalations are withdrawn while paused and set again for the moved deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.core.errors import PermissionDenied, TicketStateError
from bot.core.masking import mask_as_logs
from bot.core.wording import Wording
from bot.office.deadline_alerts import ALERT_KINDS, schedule_alerts
from bot.office.pause_clock import end_pause
from bot.office.reporters import tell_reporters
from bot.office.ticket_actions import category_name, may_act_on, open_ticket_and_actor, ticket_wording
from bot.office.ticketing import format_datetime
from storage.models import Staff, Ticket, TicketEvent, TicketEventKind, TicketStatus
from storage.profile import Profile
from storage.profile.schema import PauseReason
from storage.repositories import jobs, outbox
from storage.work_calendar import WorkCalendar

REPLIES: dict[str, tuple[str, ...]] = {
    "ticket_paused_for_resident": ("category", "need", "note", "reason", "ticket_no"),
    "ticket_paused_for_follower": ("category", "reason", "ticket_no"),
    "ticket_resumed_for_resident": ("category", "due", "ticket_no"),
    "staff_resident_answered": ("due", "ticket_no", "words"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


PAUSED_KIND = "ticket_paused"
RESUMED_KIND = "ticket_resumed"
ANSWERED_KIND = "ticket_answered"


class PauseReasonUnknownError(TicketStateError):
    """The reason named is not one of the profile's `pause_reasons`."""

    code = "pause_reason_unknown"
    status = 422


def pause_reason(profile: Profile, said: str) -> tuple[str, PauseReason] | None:
    """The reason `said` names: its key, its name, or one of its words at the start."""
    said = said.strip()
    for key, reason in profile.district.pause_reasons.items():
        if said == key or said.startswith(reason.name) or any(said.startswith(word) for word in reason.words):
            return key, reason
    return None


async def pause_ticket(session: AsyncSession, profile: Profile, number: str, staff_key: str, reason_key: str,
                       note: str, now: datetime) -> Ticket:
    ticket, staff = await open_ticket_and_actor(session, number, staff_key)
    if not await may_act_on(session, staff, ticket):
        raise PermissionDenied(f"{staff_key} may not pause {number}")
    reason = profile.district.pause_reasons.get(reason_key)
    if reason is None:
        raise PauseReasonUnknownError(f"no pause reason {reason_key!r}")
    if ticket.paused_at is not None:
        raise TicketStateError(f"{number} is already paused")
    ticket.paused_at, ticket.pause_reason = now, reason_key
    note = note.strip()
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.PAUSED, staff_id=staff.id,
                            note=f"{reason.name} {note}".strip(), created_at=now))
    await jobs.withdraw(session, ALERT_KINDS, ticket.id, now)
    wording = await ticket_wording(session, profile, ticket)
    asked = wording.render("ticket_paused_for_resident", ticket_no=number, category=category_name(profile, ticket),
                           reason=reason.name, need=reason.need, note=note)
    outbox.enqueue(session, PAUSED_KIND, {"text": asked}, community_id=ticket.community_id,
                   resident_id=ticket.resident_id, ticket_id=ticket.id)
    told = wording.render("ticket_paused_for_follower", ticket_no=number, category=category_name(profile, ticket),
                          reason=reason.name)
    await tell_reporters(session, ticket, PAUSED_KIND, {"text": told}, leaving_out=ticket.resident_id)
    return ticket


def _restart(session: AsyncSession, profile: Profile, ticket: Ticket, now: datetime) -> None:
    end_pause(ticket, profile, now)
    schedule_alerts(session, ticket, now, WorkCalendar(profile.calendar_days), profile.timezone, past_ones=False)


async def resume_by_staff(session: AsyncSession, profile: Profile, number: str, staff_key: str,
                          now: datetime) -> Ticket:
    ticket, staff = await open_ticket_and_actor(session, number, staff_key)
    if not await may_act_on(session, staff, ticket):
        raise PermissionDenied(f"{staff_key} may not resume {number}")
    if ticket.paused_at is None:
        raise TicketStateError(f"{number} is not paused")
    _restart(session, profile, ticket, now)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.RESUMED, staff_id=staff.id, created_at=now))
    wording = await ticket_wording(session, profile, ticket)
    text = wording.render("ticket_resumed_for_resident", ticket_no=number, category=category_name(profile, ticket),
                          due=format_datetime(wording, profile, ticket.due_at))
    await tell_reporters(session, ticket, RESUMED_KIND, {"text": text})
    return ticket


def reasons_awaiting_resident(profile: Profile) -> list[str]:
    """The pause reasons that wait on the resident (materials, a time they are at home), by key."""
    return [key for key, reason in profile.district.pause_reasons.items() if reason.awaits_resident]


async def waiting_on(session: AsyncSession, profile: Profile, resident_id: int) -> Ticket | None:
    """The resident's ticket paused for a reason that waits on them (the latest paused, if several)."""
    waiting = reasons_awaiting_resident(profile)
    if not waiting:
        return None
    query = (select(Ticket).options(joinedload(Ticket.assignee))
             .where(Ticket.resident_id == resident_id, Ticket.status != TicketStatus.CLOSED,
                    Ticket.paused_at.is_not(None), Ticket.pause_reason.in_(waiting))
             .order_by(Ticket.paused_at.desc(), Ticket.id.desc()).limit(1).with_for_update(of=Ticket))
    return await session.scalar(query)


async def resume_by_answer(session: AsyncSession, profile: Profile, wording: Wording, ticket: Ticket, words: str,
                           now: datetime) -> Ticket:
    """The resident answered what the office waited for: their words kept in the history and sent to the
    assignee, and the clock running again. `words` may be empty (a photo)."""
    _restart(session, profile, ticket, now)
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.ANSWERED, note=words or None, created_at=now))
    assignee = await session.get_one(Staff, ticket.assignee_id)
    local_day = now.astimezone(profile.timezone).date()
    text = wording.render("staff_resident_answered", ticket_no=ticket.number, words=mask_as_logs(words, local_day),
                          due=format_datetime(wording, profile, ticket.due_at))
    outbox.enqueue(session, ANSWERED_KIND, {"text": text}, community_id=ticket.community_id, staff_id=assignee.id,
                   ticket_id=ticket.id)
    return ticket
