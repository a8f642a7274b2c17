"""The ticket queue, one ticket's page, and what staff do to a ticket from the console."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.access import may_view
from bot.console.assignees import Assignee, area_of_ticket, assignees, crosses_over, find_assignee
from bot.console.pages.deps import CurrentStaff, FormStaff, render, require
from bot.console.queue import TicketFilter, minutes_left, ticket_queue, urgency
from bot.console.sessions import SignedIn
from bot.console.ticket_page import allowed_on, load_ticket_page, voice_of
from bot.core.errors import PermissionDenied, StaffNotFoundError, TicketNotFoundError
from bot.office.duplicates import merge_tickets, split_off
from bot.office.emergencies import EMERGENCY_CATEGORY
from bot.office.follow_ups import record_phone_follow_up
from bot.office.handoffs import reply_to_resident
from bot.office.pauses import pause_ticket, resume_by_staff
from bot.office.ticket_actions import claim_ticket, close_ticket, may_act_on, reassign_ticket, reopen_by_staff
from bot.privacy import audit
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep
from storage.models import Area, Staff, Ticket
from storage.profile import Profile
from storage.repositories.tickets import get_ticket_by_number

router = APIRouter(prefix="/console/tickets")
TextField = Annotated[str, Form(min_length=1, max_length=2000)]
NoteField = Annotated[str, Form(max_length=500)]
TicketNumber = Annotated[str, Form(min_length=1, max_length=30)]


@router.get("", response_class=HTMLResponse)
async def queue(request: Request, runtime: RuntimeDep, me: CurrentStaff, status: str = "open",
                intake_type: str = "", category: str = "", area: str = "", assignee: str = "",
                overdue: bool = False) -> HTMLResponse:
    wanted = TicketFilter(status, intake_type, category, area, assignee, overdue)
    async with runtime.sessions() as session:
        rows = await ticket_queue(session, me.staff, wanted, runtime.clock())
        areas = (await session.scalars(select(Area).order_by(Area.community_id, Area.key))).all()
        colleagues = select(Staff.name).where(Staff.active).order_by(Staff.name).distinct()
        if me.staff.community_id is not None:
            colleagues = colleagues.where(Staff.community_id == me.staff.community_id)
        names = (await session.scalars(colleagues)).all()
    profile = runtime.profile
    return render(request, runtime, "tickets.html", me, rows=rows, wanted=wanted, areas=areas, assignee_names=names,
                  categories=profile.categories, intake_types=profile.district.intake_types)


@router.get("/{number}", response_class=HTMLResponse)
async def ticket(request: Request, runtime: RuntimeDep, me: CurrentStaff, number: str) -> HTMLResponse:
    return await _show(request, runtime, me, number)


@dataclass(frozen=True)
class Kept:
    """What a staff member typed into a form they turned out not to be allowed to use, shown back to them."""

    action: str
    text: str


async def _show(request: Request, runtime: Runtime, me: SignedIn, number: str, status: int = 200,
                kept: Kept | None = None, confirming: Assignee | None = None) -> HTMLResponse:
    """The ticket page; with `kept`, after a refused action, with `confirming`, asking to confirm a move."""
    now = runtime.clock()
    async with runtime.sessions() as session, session.begin():
        found = await _visible(session, me.staff, number)
        page = await load_ticket_page(session, runtime.profile, me.staff, found)
        allowed = await allowed_on(session, me.staff, found)
        people = await assignees(session, found.community_id) if allowed.assign else []
        area = await area_of_ticket(session, runtime.profile, found)
        for resident_id in dict.fromkeys([found.resident_id, *(f.resident_id for f in page.followers)]):
            # the page shows each reporter's own words, and the reporter's name and contact
            audit.record(session, me.staff.id, audit.READ_RESIDENT, audit.resident_subject(resident_id), now,
                         detail=number)
    profile = runtime.profile
    category = profile.categories.get(found.category_key)
    return render(request, runtime, "ticket.html", me, status=status, view=page, allowed=allowed, assignees=people,
                  area=area, kept=kept, confirming=confirming, urgency=urgency(found, now),
                  minutes_left=minutes_left(found, now),
                  category=category.name if category else found.category_key,
                  emergency=found.category_key == EMERGENCY_CATEGORY, timezone=profile.timezone,
                  pause_reasons=profile.district.pause_reasons,
                  role_names={role.value: name for role, name in profile.district.role_names.items()})


async def _visible(session: AsyncSession, staff: Staff, number: str) -> Ticket:
    found = await get_ticket_by_number(session, number)
    if found is None:
        raise TicketNotFoundError(f"no ticket numbered {number}")
    require(await may_view(session, staff, found), f"{staff.key} may not see {number}")
    return found


Action = Callable[[AsyncSession, Profile, str, str, datetime], Awaitable[object]]
"""A staff action of `bot.office.ticket_actions` shape: (session, profile, ticket number, staff key, now)."""


async def _act(runtime: Runtime, me: SignedIn, number: str, action: Action) -> Response:
    """Do `action` on a ticket the staff member can see, in one transaction, and show the ticket again."""
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        await action(session, runtime.profile, number, me.staff.key, runtime.clock())
    return RedirectResponse(f"/console/tickets/{number}", status_code=303)


@router.get("/{number}/voice/{attachment_id}")
async def voice_note(runtime: RuntimeDep, me: CurrentStaff, number: str, attachment_id: int) -> Response:
    """A voice note's audio, for the ticket's handler only (the resident's own voice: personal data, audited)."""
    async with runtime.sessions() as session, session.begin():
        ticket = await _visible(session, me.staff, number)
        require(ticket.assignee_id == me.staff.id, f"{me.staff.key} does not handle {number}")
        note = await voice_of(session, ticket, attachment_id)
        if note is None:
            raise TicketNotFoundError(f"no voice note {attachment_id} on {number}")
        audit.record(session, me.staff.id, audit.READ_RESIDENT, audit.resident_subject(ticket.resident_id),
                     runtime.clock(), detail=f"{number} voice {attachment_id}")
    return Response(note.content, media_type=note.content_type, headers={"Cache-Control": "private, no-store"})


@router.post("/{number}/claim")
async def claim(runtime: RuntimeDep, me: FormStaff, number: str) -> Response:
    return await _act(runtime, me, number, claim_ticket)


@router.post("/{number}/assign")
async def assign(request: Request, runtime: RuntimeDep, me: FormStaff, number: str,
                 staff_key: Annotated[str, Form()], confirm: Annotated[bool, Form()] = False) -> Response:
    """Hand the ticket on; a move out of its area (or, with no area, to another role) is asked about first."""
    async with runtime.sessions() as session, session.begin():
        found = await _visible(session, me.staff, number)
        require(await may_act_on(session, me.staff, found, reassign=True), f"{me.staff.key} may not reassign {number}")
        people = await assignees(session, found.community_id)
        target = find_assignee(people, key=staff_key)
        if target is None:
            raise StaffNotFoundError(f"no active staff member {staff_key} in the ticket's community")
        current = find_assignee(people, staff_id=found.assignee_id)
        asking = not confirm and crosses_over(await area_of_ticket(session, runtime.profile, found), current, target)
        if not asking:
            await reassign_ticket(session, runtime.profile, number, me.staff.key, target.staff, runtime.clock())
    if asking:
        return await _show(request, runtime, me, number, confirming=target)
    return RedirectResponse(f"/console/tickets/{number}", status_code=303)


async def _act_keeping(request: Request, runtime: Runtime, me: SignedIn, number: str, action: Action,
                       kept: Kept) -> Response:
    """`_act`, but a refusal shows the ticket again with what was typed and who may do it, so nothing is lost."""
    try:
        return await _act(runtime, me, number, action)
    except PermissionDenied:
        return await _show(request, runtime, me, number, status=403, kept=kept)


@router.post("/{number}/reply")
async def reply(request: Request, runtime: RuntimeDep, me: FormStaff, number: str, text: TextField) -> Response:
    return await _act_keeping(request, runtime, me, number,
                              lambda s, p, n, actor, now: reply_to_resident(s, p, n, actor, text, now),
                              Kept("reply", text))


@router.post("/{number}/close")
async def close(request: Request, runtime: RuntimeDep, me: FormStaff, number: str, result: TextField) -> Response:
    return await _act_keeping(request, runtime, me, number,
                              lambda s, p, n, actor, now: close_ticket(s, p, n, actor, result, now),
                              Kept("close", result))


@router.post("/{number}/reopen")
async def reopen(request: Request, runtime: RuntimeDep, me: FormStaff, number: str, reason: TextField) -> Response:
    return await _act_keeping(request, runtime, me, number,
                              lambda s, p, n, actor, now: reopen_by_staff(s, p, n, actor, reason, now),
                              Kept("reopen", reason))


@router.post("/{number}/pause")
async def pause(runtime: RuntimeDep, me: FormStaff, number: str, reason: Annotated[str, Form(max_length=40)],
                note: NoteField = "") -> Response:
    return await _act(runtime, me, number,
                      lambda s, p, n, actor, now: pause_ticket(s, p, n, actor, reason, note, now))


@router.post("/{number}/resume")
async def resume(runtime: RuntimeDep, me: FormStaff, number: str) -> Response:
    return await _act(runtime, me, number, resume_by_staff)


@router.post("/{number}/merge")
async def merge(runtime: RuntimeDep, me: FormStaff, number: str, into: TicketNumber) -> Response:
    """This ticket is the same problem as `into`: its reporters follow that one, and the page shows that one."""
    target = into.strip().upper()
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        await _visible(session, me.staff, target)
        await merge_tickets(session, runtime.profile, number, target, me.staff.key, runtime.clock())
    return RedirectResponse(f"/console/tickets/{target}", status_code=303)


@router.post("/{number}/split")
async def split(runtime: RuntimeDep, me: FormStaff, number: str, resident: Annotated[int, Form()]) -> Response:
    """A follower's report is another problem: it becomes a ticket of its own, shown next."""
    async with runtime.sessions() as session, session.begin():
        await _visible(session, me.staff, number)
        opened = await split_off(session, runtime.profile, number, resident, runtime.clock(), me.staff.key)
    return RedirectResponse(f"/console/tickets/{opened.ticket.number}", status_code=303)


@router.post("/{number}/follow-up")
async def follow_up(runtime: RuntimeDep, me: FormStaff, number: str, fixed: Annotated[bool, Form()],
                    satisfied: Annotated[bool, Form()], note: NoteField = "",
                    seen: Annotated[int | None, Form()] = None) -> Response:
    """A phone 回访 the staff member made; 又坏了 reopens the ticket. The form sent twice records it once."""
    return await _act(runtime, me, number, lambda s, p, n, actor, now: record_phone_follow_up(
        s, p, n, actor, fixed, satisfied, note, now, seen))
