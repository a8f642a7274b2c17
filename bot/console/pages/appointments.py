"""The day's bookings (预约名单) for the staff who receive them: whom to expect at the window or the police
office, whom to visit at home and where, with the phone to call; a booking seen is marked done. An admin picks
the community; a role that handles no bookable service (the grid) has no list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.console.access import may_see_booking, services_seen
from bot.console.pages.deps import CurrentStaff, FormStaff, render, require
from bot.console.pages.notice_forms import community_choice
from bot.core.errors import AppointmentNotFoundError
from bot.office.appointments import mark_done
from bot.web.deps import RuntimeDep
from storage.models import AppointmentStatus, Community
from storage.repositories.appointments import bookings_between, get_appointment_by_number

router = APIRouter(prefix="/console/appointments")
Short = Annotated[str, Form(max_length=40)]
FARTHEST_DAYS = 3660
"""A day further from today than this (ten years) is shown as today: no booking is there, and 0001-01-01 has no
day before it."""


@dataclass(frozen=True)
class BookingRow:
    number: str
    starts_at: datetime
    ends_at: datetime
    service: str
    home_visit: bool
    resident: str | None
    phone: str | None
    """The phone left with the booking, else the one on record."""
    address: str | None
    words: str | None
    """What a home visit is for, in the resident's words."""
    status: str


@router.get("", response_class=HTMLResponse)
async def bookings_page(request: Request, runtime: RuntimeDep, me: CurrentStaff, day: str = "",
                        community: str = "") -> HTMLResponse:
    profile = runtime.profile
    services = services_seen(me.staff, profile.services)
    require(bool(services), f"{me.staff.key} ({me.staff.role}) handles no bookable service")
    tz = profile.timezone
    today = runtime.clock().astimezone(tz).date()
    asked = _day(day)
    shown = asked if asked is not None and abs((asked - today).days) <= FARTHEST_DAYS else today
    start = datetime.combine(shown, time.min, tz)
    async with runtime.sessions() as session:
        chosen, choices = await community_choice(session, me.staff, community)
        found = await bookings_between(session, chosen.id, [service.key for service in services], start,
                                       start + timedelta(days=1))
    by_key = {service.key: service for service in services}
    rows = [BookingRow(appointment.number or "", appointment.slot.starts_at, appointment.slot.ends_at,
                       by_key[appointment.service_key].name, by_key[appointment.service_key].home_visit, name,
                       appointment.phone or phone, appointment.address, appointment.note,
                       appointment.status)
            for appointment, name, phone in found]
    kept = Counter(row.service for row in rows if row.status != AppointmentStatus.CANCELLED)
    counts = {service.name: kept[service.name] for service in services if kept[service.name]}
    return render(request, runtime, "appointments.html", me, rows=rows, counts=counts, day=shown, today=today,
                  previous=shown - timedelta(days=1), following=shown + timedelta(days=1), community=chosen,
                  choices=choices, timezone=tz)


@router.post("/{number}/done")
async def booking_done(runtime: RuntimeDep, me: FormStaff, number: str, day: Short = "") -> Response:
    """Marks an open booking done (one already done or cancelled is left as it is); back to the day's list."""
    async with runtime.sessions() as session, session.begin():
        appointment = await get_appointment_by_number(session, number)
        if appointment is None:
            raise AppointmentNotFoundError(f"no booking {number}")
        require(may_see_booking(me.staff, runtime.profile.services, appointment),
                f"{me.staff.key} may not see booking {number}")
        await mark_done(session, appointment, runtime.clock())
        community = await session.get_one(Community, appointment.community_id)
    shown = _day(day) or appointment.slot.starts_at.astimezone(runtime.profile.timezone).date()
    return RedirectResponse(f"/console/appointments?day={shown.isoformat()}&community={community.key}",
                            status_code=303)


def _day(text: str) -> date | None:
    """The day asked for (2026-12-08); none for no day or one that is not a date (the page shows today)."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
