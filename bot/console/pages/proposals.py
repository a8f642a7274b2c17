"""议事 in the console: the list with each proposal's turnout, writing a draft (from scratch or from a resident's
suggestion), one proposal's page with its counts, opening the vote and closing it. Votes are secret to staff:
the pages show counts per option and turnout, never who voted or how a household voted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.access import may_view
from bot.console.pages.deps import CurrentStaff, FormStaff, render, require
from bot.console.pages.notice_forms import FormValues, building_numbers, community_choice
from bot.console.pages.participation_forms import (
    ensure_seen,
    local_time,
    may_run,
    seen_communities,
)
from bot.console.sessions import SignedIn
from bot.core.errors import NoticeNotFoundError, NoticeStateError, TicketNotFoundError
from bot.core.masking import personal_data_in
from bot.notices.compose import area_label, public_numbers_of
from bot.notices.proposals import ProposalInput, close_proposal, create_proposal, list_proposals, open_proposal
from bot.office.votes import Tally, tally
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep
from storage.models import Community, Proposal, Staff, Ticket
from storage.profile import Profile
from storage.repositories.tickets import get_ticket_by_number

router = APIRouter(prefix="/console/proposals")
ProposalId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@dataclass(frozen=True)
class ProposalPage:
    proposal: Proposal
    tally: Tally
    community: str
    target: str
    suggestion: str | None
    """The number of the resident's suggestion it came from."""


@router.get("", response_class=HTMLResponse)
async def proposal_list(request: Request, runtime: RuntimeDep, me: CurrentStaff) -> HTMLResponse:
    async with runtime.sessions() as session:
        rows = await list_proposals(session, seen_communities(me.staff))
    return render(request, runtime, "proposals.html", me, rows=rows, may_run=may_run(me.staff),
                  timezone=runtime.profile.timezone)


@router.get("/new", response_class=HTMLResponse)
async def new_proposal(request: Request, runtime: RuntimeDep, me: CurrentStaff, community: str = "",
                       suggestion: str = "") -> HTMLResponse:
    """The form; from a suggestion, its community and the resident's words to start from."""
    require(may_run(me.staff), f"{me.staff.key} may not write a proposal")
    async with runtime.sessions() as session:
        ticket = await _suggestion(session, runtime.profile, me.staff, suggestion) if suggestion else None
        chosen, choices = await _community(session, me.staff, community, ticket)
    values = FormValues({"body": [ticket.description], "suggestion": [suggestion]} if ticket else {})
    return _form(request, runtime, me, chosen, choices, values)


async def _suggestion(session: AsyncSession, profile: Profile, staff: Staff, number: str) -> Ticket:
    """A resident's suggestion the staff member may see."""
    ticket = await get_ticket_by_number(session, number.strip().upper())
    settings = profile.participation.deliberation
    if ticket is None or settings is None or ticket.category_key != settings.suggestion_category:
        raise TicketNotFoundError(f"no suggestion numbered {number[:30]}")
    require(await may_view(session, staff, ticket), f"{staff.key} may not see {number}")
    return ticket


async def _community(session: AsyncSession, staff: Staff, wanted: str,
                     ticket: Ticket | None) -> tuple[Community, list[Community]]:
    """A suggestion's proposal is put to its own community."""
    if ticket is None:
        return await community_choice(session, staff, wanted)
    return await session.get_one(Community, ticket.community_id), []


def _form(request: Request, runtime: Runtime, me: SignedIn, community: Community, choices: list[Community],
          values: FormValues, problem: str = "") -> HTMLResponse:
    spec = runtime.profile.communities.get(community.key)
    now_local = runtime.clock().astimezone(runtime.profile.timezone)
    return render(request, runtime, "proposal_new.html", me, status=422 if problem else 200, community=community,
                  choices=choices, areas=spec.areas if spec else [], values=values, problem=problem,
                  now_local=now_local.strftime("%Y-%m-%dT%H:%M"))


@router.post("")
async def create(request: Request, runtime: RuntimeDep, me: FormStaff) -> Response:
    require(may_run(me.staff), f"{me.staff.key} may not write a proposal")
    values = FormValues.of(await request.form())
    profile = runtime.profile
    number = values.one("suggestion")
    try:
        async with runtime.sessions() as session, session.begin():
            ticket = await _suggestion(session, profile, me.staff, number) if number else None
            community, _ = await _community(session, me.staff, values.one("community"), ticket)
            data = ProposalInput(
                title=values.one("title"), body=values.one("body"), options=_options(values.one("options")),
                area_keys=values.many("area_keys"), building_numbers=building_numbers(values.one("building_numbers")),
                closes_at=local_time(values.one("closes_at"), profile))
            proposal = await create_proposal(session, profile, community, data, me.staff, runtime.clock(), ticket)
    except ValueError:
        texts = [values.one("title"), values.one("body"), values.one("options")]
        personal = any(personal_data_in(text, public_numbers_of(profile)) for text in texts)
        async with runtime.sessions() as session:
            ticket = await _suggestion(session, profile, me.staff, number) if number else None
            chosen, choices = await _community(session, me.staff, values.one("community"), ticket)
        return _form(request, runtime, me, chosen, choices, values,
                     "proposal_problem_personal" if personal else "proposal_problem_input")
    return RedirectResponse(f"/console/proposals/{proposal.id}", status_code=303)


def _options(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


async def _visible(session: AsyncSession, staff: Staff, proposal_id: int) -> Proposal:
    proposal = await session.get(Proposal, proposal_id)
    if proposal is None:
        raise NoticeNotFoundError(f"no proposal {proposal_id}")
    ensure_seen(staff, proposal.community_id, f"proposal {proposal_id}")
    return proposal


@router.get("/{proposal_id:int}", response_class=HTMLResponse)
async def proposal_page(request: Request, runtime: RuntimeDep, me: CurrentStaff,
                        proposal_id: ProposalId) -> HTMLResponse:
    async with runtime.sessions() as session:
        proposal = await _visible(session, me.staff, proposal_id)
        community = await session.get_one(Community, proposal.community_id)
        suggestion = await session.get(Ticket, proposal.suggestion_ticket_id) if proposal.suggestion_ticket_id \
            else None
        page = ProposalPage(proposal, await tally(session, proposal), community.name,
                            area_label(runtime.profile, community.key, proposal.area_keys, proposal.building_numbers),
                            suggestion.number if suggestion else None)
    return render(request, runtime, "proposal.html", me, view=page, may_run=may_run(me.staff),
                  timezone=runtime.profile.timezone)


@router.post("/{proposal_id:int}/open")
async def open_vote(runtime: RuntimeDep, me: FormStaff, proposal_id: ProposalId) -> Response:
    return await _step(runtime, me, proposal_id, open_proposal, "open")


@router.post("/{proposal_id:int}/close")
async def close_vote(runtime: RuntimeDep, me: FormStaff, proposal_id: ProposalId) -> Response:
    """Closed now, before its time, with the result published to the electorate."""
    return await _step(runtime, me, proposal_id, close_proposal, "close")


async def _step(runtime: Runtime, me: SignedIn, proposal_id: int,
                step: Callable[[AsyncSession, Profile, Proposal, datetime], Awaitable[object]], what: str) -> Response:
    """Open or close the vote; a proposal no longer in the stage for it (a second click, a closing time passed)
    is refused as a state error."""
    require(may_run(me.staff), f"{me.staff.key} may not {what} a vote")
    async with runtime.sessions() as session, session.begin():
        proposal = await _visible(session, me.staff, proposal_id)
        try:
            await step(session, runtime.profile, proposal, runtime.clock())
        except ValueError as error:
            raise NoticeStateError(str(error)) from None
    return RedirectResponse(f"/console/proposals/{proposal_id}", status_code=303)
