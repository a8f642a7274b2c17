"""Booking and cancelling appointments in the caller's transaction: the slot's place is taken by a
guarded UPDATE, the booking gets its number, and the day-before reminder goes to the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import SlotFull, SlotUnavailable
from bot.core.wording import Wording
from bot.office.ticketing import format_datetime
from storage.models import Appointment, AppointmentStatus, Community, OutboxMessage, Resident
from storage.profile import Profile
from storage.repositories import outbox
from storage.repositories.appointments import add_appointment, ensure_slot, free_slots, release_place, take_place
from storage.scheduling import is_bookable_time

REPLIES: dict[str, tuple[str, ...]] = {
    "appointment_reminder": ("location", "number", "service", "time"),
    "booking_booked": (),
    "booking_cancelled": (),
    "booking_done": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


APPOINTMENT_PREFIX = "YY"
"""预约: numbers read like YY20261125-0003 (the slot's local date, then the id)."""
REMINDER_KIND = "appointment_reminder"
REMINDER_AHEAD = timedelta(days=1)


async def book(session: AsyncSession, profile: Profile, community: Community, resident: Resident,
               service_key: str, starts_at: datetime, phone: str | None, now: datetime) -> Appointment:
    """Book one place at `starts_at`, which must be a slot start (see `storage.scheduling.nearest_slot_start`).

    Raises SlotUnavailable for a time that cannot be booked, SlotFull (with the next free starts)
    when the last place has gone, possibly to a booking made a moment earlier in another session."""
    service, tz = profile.services[service_key], profile.timezone
    problem = is_bookable_time(service, starts_at, now, tz)
    if problem is not None:
        raise SlotUnavailable(problem)
    slot = await ensure_slot(session, community.id, service, starts_at)
    if not await take_place(session, slot.id):
        free = await free_slots(session, community.id, service, starts_at, now, tz)
        raise SlotFull([start for start, _ in free])
    appointment = await add_appointment(session, Appointment(
        community_id=community.id, resident_id=resident.id, service_key=service.key, phone=phone,
        status=AppointmentStatus.BOOKED, created_at=now,
    ), slot, APPOINTMENT_PREFIX, tz)
    wording = Wording(profile, community.key)
    text = wording.render("appointment_reminder", number=appointment.number, service=service.name,
                          time=format_datetime(wording, profile, starts_at), location=service.location)
    reminder = outbox.enqueue(session, REMINDER_KIND, {"appointment": appointment.number, "text": text},
                              community_id=community.id, resident_id=resident.id)
    reminder.available_at = max(starts_at - REMINDER_AHEAD, now)
    return appointment


async def cancel(session: AsyncSession, appointment: Appointment, now: datetime) -> bool:
    """Cancel a booking and free its place; False (and no change) when it was not open.

    The reminder not yet sent is withdrawn; nothing else is queued."""
    if appointment.status != AppointmentStatus.BOOKED:
        return False
    await release_place(session, appointment.slot_id)
    appointment.status, appointment.cancelled_at = AppointmentStatus.CANCELLED, now
    await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.kind == REMINDER_KIND, OutboxMessage.resident_id == appointment.resident_id,
               OutboxMessage.delivered_at.is_(None),
               OutboxMessage.payload["appointment"].as_string() == appointment.number)
        .execution_options(synchronize_session=False))
    return True
