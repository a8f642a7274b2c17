"""The admin's pages: the audit log and the staff roster (no password, nor its hash, ever shown)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from bot.console.access import is_admin
from bot.console.pages.deps import CurrentStaff, render, require
from bot.privacy import audit
from bot.web.deps import RuntimeDep
from storage.models import Community, Staff

router = APIRouter(prefix="/console")
AUDIT_PAGE = 200


@dataclass(frozen=True)
class RosterRow:
    key: str
    name: str
    role: str
    """The role's name in the profile (社区书记 ...)."""
    place: str
    """The community, or the sub-district office, they belong to."""
    can_sign_in: bool
    """A console password is set."""
    active: bool


@router.get("/audit", response_class=HTMLResponse)
async def audit_log(request: Request, runtime: RuntimeDep, me: CurrentStaff) -> HTMLResponse:
    require(is_admin(me.staff), f"{me.staff.key} may not read the audit log: admins only")
    async with runtime.sessions() as session:
        lines = await audit.recent(session, limit=AUDIT_PAGE)
    return render(request, runtime, "audit.html", me, lines=lines, timezone=runtime.profile.timezone)


@router.get("/staff", response_class=HTMLResponse)
async def roster(request: Request, runtime: RuntimeDep, me: CurrentStaff) -> HTMLResponse:
    require(is_admin(me.staff), f"{me.staff.key} may not see the roster: admins only")
    query = (select(Staff.key, Staff.name, Staff.role, Staff.office_key, Community.name,
                    Staff.password_hash.is_not(None), Staff.active)
             .outerjoin(Community, Community.id == Staff.community_id)
             .order_by(Community.id.is_(None), Community.id, Staff.role, Staff.key))
    async with runtime.sessions() as session:
        found = (await session.execute(query)).all()
    profile = runtime.profile
    roles = {role.value: name for role, name in profile.district.role_names.items()}
    offices = {office.id: office.name for office in profile.district.offices}
    rows = [RosterRow(key, name, roles.get(role, role), community or offices.get(office or "", office or ""),
                      bool(has_password), active)
            for key, name, role, office, community, has_password, active in found]
    return render(request, runtime, "staff.html", me, rows=rows)
