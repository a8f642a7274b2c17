"""Booking and cancelling on SQLite and PostgreSQL: the right slot, full slots, reminders, and the race
for the last place between residents booking at the same moment in sessions of their own."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.errors import SlotFull, SlotUnavailable
from bot.office.appointments import REMINDER_KIND, book, cancel
from bot.workers.scheduler import Scheduler
from nlu.zh_datetime import parse_zh_datetime
from storage.models import Appointment, AppointmentSlot, AppointmentStatus, Community, OutboxMessage, Resident
from storage.profile import Profile
from storage.repositories.appointments import (
    ensure_slot,
    free_slots,
    get_appointment_by_number,
    open_appointments_of,
)
from storage.repositories.inbox import messages_after
from storage.scheduling import is_bookable_time, nearest_slot_start
from storage.slot_problem import SlotProblem
from tests.conftest import MONDAY_10AM

Sessions = async_sessionmaker[AsyncSession]


def local(profile: Profile, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    year = 2027 if month < 11 else 2026
    return datetime(year, month, day, hour, minute, tzinfo=profile.timezone)


async def community_and_residents(sessions: Sessions, count: int = 1) -> tuple[Community, list[Resident]]:
    async with sessions() as session, session.begin():
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        residents = [Resident(community_id=community.id) for _ in range(count)]
        session.add_all(residents)
    return community, residents


async def book_now(sessions: Sessions, profile: Profile, community: Community, resident: Resident,
                   service_key: str, starts_at: datetime, now: datetime = MONDAY_10AM) -> Appointment:
    async with sessions() as session, session.begin():
        return await book(session, profile, community, resident, service_key, starts_at, "13912345678", now)


async def slot_at(sessions: Sessions, service_key: str, starts_at: datetime) -> AppointmentSlot:
    async with sessions() as session:
        query = select(AppointmentSlot).where(AppointmentSlot.service_key == service_key,
                                              AppointmentSlot.starts_at == starts_at)
        return (await session.scalars(query)).one()


async def reminders(sessions: Sessions, profile: Profile, at: datetime) -> list[OutboxMessage]:
    """The reminders written to the outbox once the scheduler has run what is due at `at`."""
    await Scheduler(sessions, profile, clock=lambda: at).run_due()
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == REMINDER_KIND)))


async def test_booking_stores_the_slot_asked_for(sessions: Sessions, profile: Profile) -> None:
    community, (resident,) = await community_and_residents(sessions)
    wednesday_nine = local(profile, 11, 25, 9)

    booked = await book_now(sessions, profile, community, resident, "legal_advice", wednesday_nine)

    async with sessions() as session:
        stored = await get_appointment_by_number(session, f"YY20261125-{booked.id:04d}")
    assert stored is not None
    assert (stored.resident_id, stored.service_key, stored.status) == (resident.id, "legal_advice", "booked")
    assert stored.phone == "13912345678"
    assert stored.slot.starts_at == wednesday_nine
    assert stored.slot.ends_at == local(profile, 11, 25, 9, 30)
    assert (stored.slot.capacity, stored.slot.booked) == (1, 1)


async def test_next_wednesday_morning_lands_in_its_first_slot(sessions: Sessions, profile: Profile) -> None:
    community, (resident,) = await community_and_residents(sessions)
    (said,) = parse_zh_datetime("下周三上午的法律咨询", MONDAY_10AM.astimezone(profile.timezone))
    starts_at = nearest_slot_start(profile.services["legal_advice"], said.value, profile.timezone)
    assert starts_at is not None

    booked = await book_now(sessions, profile, community, resident, "legal_advice", starts_at)

    assert booked.number == f"YY20261202-{booked.id:04d}"
    assert (await slot_at(sessions, "legal_advice", local(profile, 12, 2, 9))).booked == 1


@pytest.mark.parametrize(("moment", "problem"), [
    ((11, 23, 9), SlotProblem.IN_PAST),
    ((11, 24, 9), SlotProblem.CLOSED_DAY),
    ((11, 25, 9, 10), SlotProblem.NOT_A_SLOT),
    ((12, 9, 9), SlotProblem.TOO_FAR),
])
async def test_a_time_that_cannot_be_booked_is_refused_and_nothing_is_stored(
        sessions: Sessions, profile: Profile, moment: tuple[int, ...], problem: SlotProblem) -> None:
    community, (resident,) = await community_and_residents(sessions)

    with pytest.raises(SlotUnavailable) as refused:
        await book_now(sessions, profile, community, resident, "legal_advice", local(profile, *moment))

    assert refused.value.problem is problem
    assert refused.value.code == "slot_unavailable"
    async with sessions() as session:
        assert (await session.scalars(select(AppointmentSlot))).all() == []


async def test_a_full_slot_offers_the_next_free_ones(sessions: Sessions, profile: Profile) -> None:
    community, (first, second, third) = await community_and_residents(sessions, 3)
    await book_now(sessions, profile, community, first, "legal_advice", local(profile, 11, 25, 9))
    await book_now(sessions, profile, community, second, "legal_advice", local(profile, 11, 25, 9, 30))

    with pytest.raises(SlotFull) as full:
        await book_now(sessions, profile, community, third, "legal_advice", local(profile, 11, 25, 9))

    assert full.value.next_free == [local(profile, 11, 25, 10), local(profile, 11, 25, 10, 30),
                                    local(profile, 11, 25, 11)]
    async with sessions() as session:
        assert list(await open_appointments_of(session, third.id)) == []


async def test_free_slots_skip_full_slots_and_days_without_hours(sessions: Sessions, profile: Profile) -> None:
    community, (resident,) = await community_and_residents(sessions)
    await book_now(sessions, profile, community, resident, "legal_advice", local(profile, 11, 25, 16))

    async with sessions() as session:
        free = await free_slots(session, community.id, profile.services["legal_advice"],
                                local(profile, 11, 25, 15, 45), MONDAY_10AM, profile.timezone)

    # Wednesday 16:00 is taken; Thursday and Friday have no hours; Saturday morning is next.
    assert free == [(local(profile, 11, 28, 9), 1), (local(profile, 11, 28, 9, 30), 1),
                    (local(profile, 11, 28, 10), 1)]


async def test_free_slots_skip_closed_dates(sessions: Sessions, profile: Profile) -> None:
    community, _ = await community_and_residents(sessions)
    new_years_eve = local(profile, 12, 31, 10)

    async with sessions() as session:
        free = await free_slots(session, community.id, profile.services["social_insurance"],
                                local(profile, 12, 31, 16, 45), new_years_eve, profile.timezone, limit=2)

    # 1 January is closed, then a weekend: Monday 4 January opens at 08:30.
    assert free == [(local(profile, 1, 4, 8, 30), 3), (local(profile, 1, 4, 9), 3)]


@pytest.mark.parametrize("now", [MONDAY_10AM, MONDAY_10AM + timedelta(minutes=7), MONDAY_10AM + timedelta(hours=14)])
async def test_free_slots_are_every_time_a_booking_would_accept(sessions: Sessions, profile: Profile,
                                                                now: datetime) -> None:
    community, _ = await community_and_residents(sessions)
    for service in profile.services.values():
        async with sessions() as session:
            free = await free_slots(session, community.id, service, now, now, profile.timezone, limit=10_000)
        grid = (now.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=5 * step)
                for step in range(12 * 24 * (service.book_days_ahead + 2)))
        accepted = [moment for moment in grid if is_bookable_time(service, moment, now, profile.timezone) is None]

        assert [start for start, _ in free] == accepted, service.key
        assert accepted


async def test_free_slots_count_the_places_left_in_one_query(sessions: Sessions, profile: Profile) -> None:
    community, residents = await community_and_residents(sessions, 3)
    for resident, (hour, minute) in zip(residents, [(8, 30), (8, 30), (9, 0)], strict=True):
        await book_now(sessions, profile, community, resident, "social_insurance",
                       local(profile, 11, 24, hour, minute))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    async with sessions() as session:
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            free = await free_slots(session, community.id, profile.services["social_insurance"],
                                    local(profile, 11, 24, 8), MONDAY_10AM, profile.timezone)
        finally:
            event.remove(engine, "before_cursor_execute", count)

    assert free == [(local(profile, 11, 24, 8, 30), 1), (local(profile, 11, 24, 9), 2),
                    (local(profile, 11, 24, 9, 30), 3)]
    assert len(statements) == 1


async def test_ensure_slot_twice_gives_the_same_row(sessions: Sessions, profile: Profile) -> None:
    community, _ = await community_and_residents(sessions)
    service, starts_at = profile.services["health_check"], local(profile, 11, 24, 8)

    async with sessions() as session, session.begin():
        first = await ensure_slot(session, community.id, service, starts_at)
    async with sessions() as session, session.begin():
        again = await ensure_slot(session, community.id, service, starts_at)

    assert again.id == first.id
    assert (again.capacity, again.booked, again.ends_at) == (5, 0, local(profile, 11, 24, 8, 30))


async def test_a_reminder_is_written_the_day_before_and_not_earlier(sessions: Sessions, profile: Profile) -> None:
    """Not even kept in the outbox until then: the web page and the terminal show the resident's outbox rows in
    the order they were written, and showed a reminder written at booking time a week early."""
    community, (resident,) = await community_and_residents(sessions)
    starts_at = local(profile, 11, 25, 14, 30)
    day_before = starts_at - timedelta(days=1)

    booked = await book_now(sessions, profile, community, resident, "legal_advice", starts_at)

    async with sessions() as session:
        assert await messages_after(session, resident.id, 0, MONDAY_10AM) == []
    assert await reminders(sessions, profile, day_before - timedelta(minutes=1)) == []
    (reminder,) = await reminders(sessions, profile, day_before)
    assert reminder.available_at == day_before
    assert (reminder.resident_id, reminder.community_id) == (resident.id, community.id)
    assert reminder.payload["appointment"] == booked.number
    assert booked.number in reminder.payload["text"]
    assert "11月25日 14:30" in reminder.payload["text"]
    assert reminder.delivered_at is None


async def test_a_reminder_for_tomorrow_morning_is_due_at_once(sessions: Sessions, profile: Profile) -> None:
    community, (resident,) = await community_and_residents(sessions)

    await book_now(sessions, profile, community, resident, "health_check", local(profile, 11, 24, 8))

    (reminder,) = await reminders(sessions, profile, MONDAY_10AM)
    assert reminder.available_at == MONDAY_10AM


async def test_cancelling_frees_the_place_for_someone_else(sessions: Sessions, profile: Profile) -> None:
    community, (first, second) = await community_and_residents(sessions, 2)
    starts_at = local(profile, 11, 25, 10)
    booked = await book_now(sessions, profile, community, first, "legal_advice", starts_at)
    later = MONDAY_10AM + timedelta(hours=1)

    async with sessions() as session, session.begin():
        appointment = await get_appointment_by_number(session, booked.number or "")
        assert appointment is not None
        assert await cancel(session, profile, appointment, later)

    async with sessions() as session:
        cancelled = await get_appointment_by_number(session, booked.number or "")
        assert list(await open_appointments_of(session, first.id)) == []
    assert cancelled is not None
    assert (cancelled.status, cancelled.cancelled_at) == (AppointmentStatus.CANCELLED, later)
    assert cancelled.slot.booked == 0
    assert await reminders(sessions, profile, starts_at) == []  # the reminder is withdrawn, nothing else queued
    rebooked = await book_now(sessions, profile, community, second, "legal_advice", starts_at)
    assert rebooked.slot_id == booked.slot_id


async def test_cancelling_twice_changes_nothing(sessions: Sessions, profile: Profile) -> None:
    community, (resident,) = await community_and_residents(sessions)
    booked = await book_now(sessions, profile, community, resident, "social_insurance", local(profile, 11, 24, 9))

    async with sessions() as session, session.begin():
        appointment = await get_appointment_by_number(session, booked.number or "")
        assert appointment is not None
        assert await cancel(session, profile, appointment, MONDAY_10AM)
        assert not await cancel(session, profile, appointment, MONDAY_10AM)

    assert (await slot_at(sessions, "social_insurance", local(profile, 11, 24, 9))).booked == 0


async def test_open_appointments_are_listed_soonest_first(sessions: Sessions, profile: Profile) -> None:
    community, (resident,) = await community_and_residents(sessions)
    later = await book_now(sessions, profile, community, resident, "legal_advice", local(profile, 11, 28, 9))
    sooner = await book_now(sessions, profile, community, resident, "health_check", local(profile, 11, 24, 8))

    async with sessions() as session:
        listed = await open_appointments_of(session, resident.id)

    assert [a.id for a in listed] == [sooner.id, later.id]
    assert listed[0].slot.starts_at == local(profile, 11, 24, 8)


async def race(sessions: Sessions, profile: Profile, service_key: str, starts_at: datetime,
               racers: int, slot_exists: bool) -> tuple[int, int]:
    """`racers` residents book the same slot at once, each in a session and transaction of its own.

    A slot row that exists already (booked before, then cancelled) lets every racer reach the
    UPDATE together; a new one also races the INSERT of the row."""
    community, residents = await community_and_residents(sessions, racers)
    if slot_exists:
        async with sessions() as session, session.begin():
            await ensure_slot(session, community.id, profile.services[service_key], starts_at)

    async def attempt(resident: Resident) -> bool:
        try:
            await book_now(sessions, profile, community, resident, service_key, starts_at)
        except SlotFull:
            return False
        return True

    outcomes = await asyncio.gather(*(attempt(r) for r in residents))
    async with sessions() as session:
        stored = await session.scalars(select(Appointment).where(Appointment.service_key == service_key))
        assert len(stored.all()) == sum(outcomes)
    return sum(outcomes), (await slot_at(sessions, service_key, starts_at)).booked


@pytest.mark.parametrize("slot_exists", [False, True], ids=["new_slot", "existing_slot"])
async def test_eight_residents_racing_for_the_last_place_leave_exactly_one_booking(
        sessions: Sessions, profile: Profile, slot_exists: bool) -> None:
    winners, booked = await race(sessions, profile, "legal_advice", local(profile, 11, 25, 9), 8, slot_exists)

    assert (winners, booked) == (1, 1)


@pytest.mark.parametrize("slot_exists", [False, True], ids=["new_slot", "existing_slot"])
async def test_eight_residents_racing_for_three_places_leave_exactly_three_bookings(
        sessions: Sessions, profile: Profile, slot_exists: bool) -> None:
    winners, booked = await race(sessions, profile, "social_insurance", local(profile, 11, 24, 9), 8, slot_exists)

    assert (winners, booked) == (3, 3)
