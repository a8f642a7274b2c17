"""The demo page: the residents' chat page (`/chat`) in a phone frame, beside a plain staff ticket list.

Development only (FRONTDOOR_DEMO_PAGES): the list shows every ticket without sign-in.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel

from bot.core.wording import Wording
from bot.office.ticketing import format_address, format_datetime
from bot.web.deps import RuntimeDep
from bot.web.static_files import STATIC
from storage.repositories.directory import get_community
from storage.repositories.tickets import list_recent_tickets

router = APIRouter()


class TicketRow(BaseModel):
    number: str
    category: str
    intake_type: str
    description: str
    address: str
    building: str | None
    assignee: str
    status: str
    status_label: str
    due_at: datetime
    due_label: str
    created_at: datetime


@router.get("/", include_in_schema=False)
async def demo_page() -> FileResponse:
    return FileResponse(STATIC / "demo.html")


@router.get("/api/demo/tickets")
async def list_tickets(runtime: RuntimeDep, community: str | None = None) -> list[TicketRow]:
    profile = runtime.profile
    async with runtime.sessions() as session:
        found = await get_community(session, community) if community else None
        tickets = await list_recent_tickets(session, found.id if found else None)
    rows = []
    for t in tickets:
        wording = Wording(profile, t.community.key)
        rows.append(TicketRow(
            number=t.number or "", category=profile.categories[t.category_key].name,
            intake_type=profile.district.intake_types[t.intake_type].name, description=t.description,
            address=t.community.name + (format_address(wording, t.building.number if t.building else None, t.unit,
                                                       t.room) or t.place or ""),
            building=t.building.number if t.building else None, assignee=t.assignee.name, status=t.status,
            status_label=wording.render(f"status_{t.status}"), due_at=t.due_at,
            due_label=format_datetime(wording, profile, t.due_at), created_at=t.created_at,
        ))
    return rows
