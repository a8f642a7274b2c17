"""The on-duty rota (值班) in the console: today and the six days after it (so on a Sunday the next week's Monday
is there), and yesterday while a shift of it still runs (a night shift), each shift with who is on duty; the
secretary (or an admin) puts someone else on a shift that has not ended, from the staff of the shift's role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from bot.console.access import is_admin
from bot.console.pages.deps import CurrentStaff, FormStaff, render, require
from bot.console.pages.notice_forms import community_choice
from bot.console.sessions import SignedIn
from bot.office.rota import DutyShift, RotaChangeRefused, change_shift, day_kind, days_from, shifts_on
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep
from storage.models import Community, Staff
from storage.profile.schema import StaffRole
from storage.work_calendar import WorkCalendar

router = APIRouter(prefix="/console/rota")
Short = Annotated[str, Form(max_length=40)]


@dataclass(frozen=True)
class RotaDay:
    day: date
    kind: str
    """weekday, weekend or holiday: the rota's kind of day."""
    shifts: list[DutyShift]
    now: datetime

    @property
    def open_to_change(self) -> bool:
        """A shift of the day has not ended: an ended shift's duty is history."""
        return any(duty.open_to_change(self.now) for duty in self.shifts)


def may_change(staff: Staff, community: Community) -> bool:
    """The community's secretary and admins; everyone else reads the rota."""
    return is_admin(staff) or (staff.role == StaffRole.SECRETARY.value and staff.community_id == community.id)


@router.get("", response_class=HTMLResponse)
async def rota_page(request: Request, runtime: RuntimeDep, me: CurrentStaff, community: str = "") -> HTMLResponse:
    return await _page(request, runtime, me, community)


async def _page(request: Request, runtime: Runtime, me: SignedIn, wanted: str, *, status: int = 200,
                problem: str = "") -> HTMLResponse:
    profile = runtime.profile
    now = runtime.clock()
    today = now.astimezone(profile.timezone).date()
    calendar = WorkCalendar(profile.calendar_days)
    async with runtime.sessions() as session:
        chosen, choices = await community_choice(session, me.staff, wanted)
        days = [RotaDay(day, day_kind(calendar, day).value, await shifts_on(session, profile, chosen, day), now)
                for day in [today - timedelta(days=1), *days_from(today)]]
        staff = list((await session.scalars(select(Staff).where(Staff.community_id == chosen.id)
                                            .order_by(Staff.id))).all())
    if not days[0].open_to_change:
        days = days[1:]  # yesterday's shifts have all ended
    pickers: dict[str, list[Staff]] = {}
    for member in staff:
        if member.active:
            pickers.setdefault(member.role, []).append(member)
    return render(request, runtime, "rota.html", me, status=status, community=chosen, choices=choices, days=days,
                  names={member.key: member.name for member in staff}, pickers=pickers,
                  roles=profile.district.role_names, now=now, may_change=may_change(me.staff, chosen), problem=problem)


@router.post("")
async def change(request: Request, runtime: RuntimeDep, me: FormStaff, community: Short, day: Short, role: Short,
                 starts: Short, staff_key: Short = "") -> Response:
    """Who is on duty for one shift of one date; the rota itself (rota.yaml) stays as it is."""
    try:
        async with runtime.sessions() as session, session.begin():
            chosen, _ = await community_choice(session, me.staff, community)
            require(may_change(me.staff, chosen), f"{me.staff.key} may not change the rota of {chosen.key}")
            await change_shift(session, runtime.profile, chosen, _day(day), _role(role), starts, staff_key,
                               me.staff, runtime.clock())
    except RotaChangeRefused as refused:
        return await _page(request, runtime, me, community, status=422, problem=f"rota_problem_{refused.reason}")
    return RedirectResponse(f"/console/rota?community={chosen.key}", status_code=303)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RotaChangeRefused("no_shift") from None


def _role(text: str) -> StaffRole:
    try:
        return StaffRole(text)
    except ValueError:
        raise RotaChangeRefused("no_shift") from None
