"""Booking and cancelling appointments in the caller's transaction: the slot's place is taken by a
guarded UPDATE, the booking gets its number, and the day-before reminder is scheduled (`send_reminder`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import SlotFull, SlotUnavailable
from bot.core.wording import Wording
from bot.office.ticketing import format_datetime
from storage.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    Community,
    OutboxMessage,
    Resident,
    ScheduledJob,
    Staff,
)
from storage.profile import Profile
from storage.profile.schema import Service
from storage.repositories import jobs, outbox
from storage.repositories.appointments import add_appointment, ensure_slot, free_slots, release_place, take_place
from storage.scheduling import is_bookable_time

REPLIES: dict[str, tuple[str, ...]] = {
    "appointment_reminder": ("location", "number", "service", "time"),
    "booking_booked": (),
    "booking_cancelled": (),
    "booking_done": (),
    "home_visit_at": ("address",),
    "staff_home_visit_booked": ("number", "service", "time"),
    "staff_home_visit_cancelled": ("number", "service", "time"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


APPOINTMENT_PREFIX = "YY"
"""预约: numbers read like YY20261125-0003 (the slot's local date, then the id)."""
REMINDER_KIND = "appointment_reminder"
REMINDER_JOB = "appointment_reminder"
"""The scheduled job that writes the reminder (`send_reminder`); the outbox kind of the message is the same."""
VISIT_BOOKED_KIND = "home_visit_booked"
VISIT_CANCELLED_KIND = "home_visit_cancelled"
BOOKINGS_PAGE = "/console/appointments"
"""The console's list of a day's bookings (`bot.console.pages.appointments`)."""
REMINDER_AHEAD = timedelta(days=1)


def where_it_happens(wording: Wording, service: Service, address: str | None) -> str:
    """Where the booking takes place, as the resident and staff read it: the service's place, or for a home
    visit the address the resident gave."""
    return wording.render("home_visit_at", address=address) if service.home_visit and address else service.location


async def book(session: AsyncSession, profile: Profile, community: Community, resident: Resident,
               service_key: str, starts_at: datetime, phone: str | None, now: datetime,
               address: str | None = None, words: str | None = None) -> Appointment:
    """Book one place at `starts_at`, which must be a slot start (see `storage.scheduling.nearest_slot_start`);
    `address` and the resident's `words` (what the visit is for) are kept for a home visit only.

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
        address=address if service.home_visit else None, note=words if service.home_visit else None,
        status=AppointmentStatus.BOOKED, created_at=now,
    ), slot, APPOINTMENT_PREFIX, tz)
    jobs.schedule(session, REMINDER_JOB, appointment.id, max(starts_at - REMINDER_AHEAD, now))
    await _tell_the_visitors(session, profile, appointment, VISIT_BOOKED_KIND, starts_at)
    return appointment


async def cancel(session: AsyncSession, profile: Profile, appointment: Appointment, now: datetime) -> bool:
    """Cancel a booking and free its place; False (and no change) when it was not open.

    The reminder not yet sent is withdrawn; the staff who go on a home visit are told it is off."""
    if appointment.status != AppointmentStatus.BOOKED:
        return False
    await release_place(session, appointment.slot_id)
    appointment.status, appointment.cancelled_at = AppointmentStatus.CANCELLED, now
    await _withdraw_reminder(session, appointment, now)
    slot = await session.get_one(AppointmentSlot, appointment.slot_id)
    await _tell_the_visitors(session, profile, appointment, VISIT_CANCELLED_KIND, slot.starts_at)
    return True


async def send_reminder(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    """The `appointment_reminder` job, the day before: the reminder to the resident, if still booked. Written
    to the outbox only now, so an inbox read in the order messages were written (the web page, the terminal)
    shows it when it is due, not a week early."""
    appointment = await session.get(Appointment, job.subject_id)
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        return
    service = profile.services.get(appointment.service_key)
    if service is None:
        return
    slot = await session.get_one(AppointmentSlot, appointment.slot_id)
    community = await session.get_one(Community, appointment.community_id)
    wording = Wording(profile, community.key)
    text = wording.render("appointment_reminder", number=appointment.number, service=service.name,
                          time=format_datetime(wording, profile, slot.starts_at),
                          location=where_it_happens(wording, service, appointment.address))
    reminder = outbox.enqueue(session, REMINDER_KIND, {"appointment": appointment.number, "text": text},
                              community_id=community.id, resident_id=appointment.resident_id)
    reminder.available_at = now


async def _tell_the_visitors(session: AsyncSession, profile: Profile, appointment: Appointment, kind: str,
                             starts_at: datetime) -> None:
    """A home visit booked or called off: a card to each active staff member of the community whose role goes
    on it, pointing to the day's bookings in the console (the address and the phone are read there, not sent
    out in a card)."""
    service = profile.services.get(appointment.service_key)
    if service is None or not service.home_visit:
        return
    community = await session.get_one(Community, appointment.community_id)
    wording = Wording(profile, community.key)
    text = wording.render(f"staff_{kind}", number=appointment.number, service=service.name,
                          time=format_datetime(wording, profile, starts_at))
    day = starts_at.astimezone(profile.timezone).date().isoformat()
    visitors = await session.scalars(select(Staff.id).where(
        Staff.community_id == community.id, Staff.role == service.handled_by, Staff.active.is_(True)))
    for staff_id in visitors:
        outbox.enqueue(session, kind, {"text": text, "console_path": f"{BOOKINGS_PAGE}?day={day}"},
                       community_id=community.id, staff_id=staff_id)


async def mark_done(session: AsyncSession, appointment: Appointment, now: datetime) -> bool:
    """The resident was seen (at the office or at home); False (and no change) when the booking was not open.
    Its place stays taken, and a reminder not yet sent is withdrawn."""
    if appointment.status != AppointmentStatus.BOOKED:
        return False
    appointment.status = AppointmentStatus.DONE
    await _withdraw_reminder(session, appointment, now)
    return True


async def _withdraw_reminder(session: AsyncSession, appointment: Appointment, now: datetime) -> None:
    """The reminder's job not yet run, and its message if written but not yet sent."""
    await jobs.withdraw(session, [REMINDER_JOB], appointment.id, now)
    await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.kind == REMINDER_KIND, OutboxMessage.resident_id == appointment.resident_id,
               OutboxMessage.delivered_at.is_(None),
               OutboxMessage.payload["appointment"].as_string() == appointment.number)
        .execution_options(synchronize_session=False))
