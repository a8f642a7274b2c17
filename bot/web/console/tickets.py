"""The ticket queue, one ticket's page, and what staff do to a ticket from the console."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.console.access import may_view
from bot.console.queue import TicketFilter, assignable_staff, ticket_queue
from bot.console.ticket_page import load_ticket_page
from bot.errors import PermissionDenied, TicketNotFoundError
from bot.handoffs import reply_to_resident
from bot.ticket_actions import claim_ticket, close_ticket, reassign_ticket, reopen_by_staff
from bot.web.console.deps import CurrentStaff, FormStaff, render, require
from bot.web.deps import RuntimeDep
from storage.models import Area, Staff, Ticket
from storage.repositories.tickets import get_ticket_by_number

router = APIRouter(prefix="/console/tickets")
TextField = Annotated[str, Form(min_length=1, max_length=2000)]


@router.get("", response_class=HTMLResponse)
async def queue(request: Request, runtime: RuntimeDep, me: CurrentStaff, status: str = "open",
                intake_type: str = "", category: str = "", area: str = "", assignee: str = "",
                overdue: bool = False) -> HTMLResponse:
    wanted = TicketFilter(status, intake_type, category, area, assignee, overdue)
    async with runtime.sessions() as session:
        rows = await ticket_queue(session, me.staff, wanted, datetime.now(UTC))
        areas = (await session.scalars(select(Area).order_by(Area.community_id, Area.key))).all()
    profile = runtime.profile
    return render(request, runtime, "tickets.html", me, rows=rows, wanted=wanted, areas=areas,
                  categories=profile.categories, intake_types=profile.district.intake_types)


@router.get("/{number}", response_class=HTMLResponse)
async def ticket(request: Request, runtime: RuntimeDep, me: CurrentStaff, number: str) -> HTMLResponse:
    async with runtime.sessions() as session, session.begin():
        found = await _visible(session, me.staff, number)
        page = await load_ticket_page(session, found)
        colleagues = await assignable_staff(session, found.community_id)
        audit.record(session, me.staff.id, audit.READ_RESIDENT, audit.resident_subject(found.resident_id),
                     datetime.now(UTC), detail=number)
    category = runtime.profile.categories.get(found.category_key)
    return render(request, runtime, "ticket.html", me, view=page, colleagues=colleagues,
                  category=category.name if category else found.category_key,
                  timezone=runtime.profile.timezone)


async def _visible(session: AsyncSession, staff: Staff, number: str) -> Ticket:
    found = await get_ticket_by_number(session, number)
    if found is None:
        raise TicketNotFoundError(f"no ticket numbered {number}")
    require(await may_view(session, staff, found), f"{staff.key} may not see {number}")
    return found


@router.post("/{number}/claim")
async def claim(runtime: RuntimeDep, me: FormStaff, number: str) -> Response:
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        await claim_ticket(session, runtime.profile, number, me.staff.key, datetime.now(UTC))
    return _back(number)


@router.post("/{number}/assign")
async def assign(runtime: RuntimeDep, me: FormStaff, number: str, staff_key: Annotated[str, Form()]) -> Response:
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        target = await session.scalar(select(Staff).where(Staff.key == staff_key, Staff.active))
        if target is None:
            raise PermissionDenied(f"no active staff member {staff_key}")
        await reassign_ticket(session, runtime.profile, number, me.staff.key, target, datetime.now(UTC))
    return _back(number)


@router.post("/{number}/reply")
async def reply(runtime: RuntimeDep, me: FormStaff, number: str, text: TextField) -> Response:
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        await reply_to_resident(session, runtime.profile, number, me.staff.key, text, datetime.now(UTC))
    return _back(number)


@router.post("/{number}/close")
async def close(runtime: RuntimeDep, me: FormStaff, number: str, result: TextField) -> Response:
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        await close_ticket(session, runtime.profile, number, me.staff.key, result, datetime.now(UTC))
    return _back(number)


@router.post("/{number}/reopen")
async def reopen(runtime: RuntimeDep, me: FormStaff, number: str, reason: TextField) -> Response:
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        await reopen_by_staff(session, runtime.profile, number, me.staff.key, reason, datetime.now(UTC))
    return _back(number)


def _back(number: str) -> Response:
    return RedirectResponse(f"/console/tickets/{number}", status_code=303)
