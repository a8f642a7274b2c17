"""Appointment slots and bookings. A slot row is created when first booked; its `booked` count
is only ever changed by one guarded UPDATE, which is what keeps two residents out of one place."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from storage.db import dialect_insert
from storage.models import Appointment, AppointmentSlot, AppointmentStatus, Resident
from storage.profile.schema import Service
from storage.scheduling import last_bookable_day, slot_end, slot_starts


async def ensure_slot(session: AsyncSession, community_id: int, service: Service,
                      starts_at: datetime) -> AppointmentSlot:
    """The slot row for this start, inserted if missing; safe when several sessions race to insert it."""
    insert = dialect_insert(session)
    statement = insert(AppointmentSlot).values(
        community_id=community_id, service_key=service.key, starts_at=starts_at,
        ends_at=slot_end(service, starts_at), capacity=service.capacity, booked=0,
    ).on_conflict_do_nothing(index_elements=["community_id", "service_key", "starts_at"])
    await session.execute(statement)
    query = (select(AppointmentSlot)
             .where(AppointmentSlot.community_id == community_id, AppointmentSlot.service_key == service.key,
                    AppointmentSlot.starts_at == starts_at)
             .execution_options(populate_existing=True))
    return (await session.scalars(query)).one()


async def take_place(session: AsyncSession, slot_id: int) -> bool:
    """Take one place if one is left. The check is in the UPDATE itself, so a concurrent booking
    either waits for this one (PostgreSQL row lock, SQLite write lock) and then finds it full,
    or gets there first."""
    statement = (update(AppointmentSlot)
                 .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked < AppointmentSlot.capacity)
                 .values(booked=AppointmentSlot.booked + 1)
                 .returning(AppointmentSlot.id)
                 .execution_options(synchronize_session="fetch"))
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def release_place(session: AsyncSession, slot_id: int) -> None:
    statement = (update(AppointmentSlot)
                 .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked > 0)
                 .values(booked=AppointmentSlot.booked - 1)
                 .execution_options(synchronize_session="fetch"))
    await session.execute(statement)


async def free_slots(session: AsyncSession, community_id: int, service: Service, after: datetime,
                     now: datetime, tz: tzinfo, limit: int | None = 3) -> list[tuple[datetime, int]]:
    """The next `limit` bookable slot starts at or after `after` (all of them up to the last bookable day when
    `limit` is None), with the places left in each.

    Closed days and full slots are skipped; the booked counts in the window come in one query."""
    candidates = list(_bookable_starts(service, after, now, tz))
    if not candidates or (limit is not None and limit <= 0):
        return []
    query = (select(AppointmentSlot.starts_at, AppointmentSlot.capacity, AppointmentSlot.booked)
             .where(AppointmentSlot.community_id == community_id, AppointmentSlot.service_key == service.key,
                    AppointmentSlot.starts_at >= candidates[0], AppointmentSlot.starts_at <= candidates[-1]))
    taken = {starts_at: capacity - booked for starts_at, capacity, booked in (await session.execute(query)).all()}
    free: list[tuple[datetime, int]] = []
    for start in candidates:
        left = taken.get(start, service.capacity)
        if left > 0:
            free.append((start, left))
            if len(free) == limit:
                break
    return free


def _bookable_starts(service: Service, after: datetime, now: datetime, tz: tzinfo) -> Iterator[datetime]:
    """The slot starts at or after `after` up to the last bookable day, not past: what `is_bookable_time` accepts,
    without working each day's slots out again for every start (a week of half-hour slots is hundreds)."""
    day = max(after, now).astimezone(tz).date()
    while day <= last_bookable_day(service, now, tz):
        for start in slot_starts(service, day, tz):
            if start >= after and start > now:
                yield start
        day += timedelta(days=1)


async def add_appointment(session: AsyncSession, appointment: Appointment, slot: AppointmentSlot, prefix: str,
                          timezone: tzinfo) -> Appointment:
    """Store a booking in `slot` and give it its number: prefix, the slot's local date, the id."""
    appointment.slot = slot
    session.add(appointment)
    await session.flush()
    appointment.number = f"{prefix}{slot.starts_at.astimezone(timezone):%Y%m%d}-{appointment.id:04d}"
    await session.flush()
    return appointment


async def open_appointments_of(session: AsyncSession, resident_id: int) -> Sequence[Appointment]:
    """The resident's bookings not cancelled or done, soonest first, with their slots loaded."""
    query = (select(Appointment).join(Appointment.slot).options(joinedload(Appointment.slot))
             .where(Appointment.resident_id == resident_id, Appointment.status == AppointmentStatus.BOOKED)
             .order_by(AppointmentSlot.starts_at, Appointment.id))
    return (await session.scalars(query)).all()


async def get_appointment_by_number(session: AsyncSession, number: str) -> Appointment | None:
    query = select(Appointment).options(joinedload(Appointment.slot)).where(Appointment.number == number)
    return await session.scalar(query)


async def bookings_between(session: AsyncSession, community_id: int, service_keys: Sequence[str], start: datetime,
                           end: datetime) -> Sequence[tuple[Appointment, str | None, str | None]]:
    """The community's bookings of these services whose slots start in [start, end), cancelled and done ones too,
    by start, then in the order they were made; each with its slot and the resident's name and phone on record."""
    query = (select(Appointment, Resident.display_name, Resident.phone)
             .join(Appointment.slot).join(Resident, Resident.id == Appointment.resident_id)
             .options(contains_eager(Appointment.slot))
             .where(Appointment.community_id == community_id, Appointment.service_key.in_(service_keys),
                    AppointmentSlot.starts_at >= start, AppointmentSlot.starts_at < end)
             .order_by(AppointmentSlot.starts_at, Appointment.id))
    return [(appointment, name, phone) for appointment, name, phone in (await session.execute(query)).all()]
