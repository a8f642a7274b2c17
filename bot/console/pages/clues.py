"""The clue inbox (线索), for the community police only; every clue shown is written to the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.console.access import may_read_clues
from bot.console.clues import clue_inbox
from bot.console.pages.deps import CurrentStaff, render, require
from bot.privacy import audit
from bot.web.deps import RuntimeDep

router = APIRouter(prefix="/console/clues")


@router.get("", response_class=HTMLResponse)
async def clue_inbox_page(request: Request, runtime: RuntimeDep, me: CurrentStaff) -> HTMLResponse:
    require(may_read_clues(me.staff), f"{me.staff.key} may not read clues: police only")
    now = runtime.clock()
    async with runtime.sessions() as session, session.begin():
        clues = await clue_inbox(session, me.staff)
        for clue in clues:  # the reading and its record commit together
            audit.record(session, me.staff.id, audit.READ_CLUE, audit.clue_subject(clue.id), now, detail=clue.receipt)
    categories = {category.key: category.name for category in runtime.profile.clues.categories}
    return render(request, runtime, "clues.html", me, clues=clues, categories=categories,
                  timezone=runtime.profile.timezone)
