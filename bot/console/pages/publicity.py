"""公示 in the console: the list with each one's window and objections, writing a draft, one 公示's page with
the objections filed against it, publishing it, and closing it with how the objections were handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.labels import console_labels
from bot.console.pages.deps import CurrentStaff, FormStaff, render, require
from bot.console.pages.notice_forms import FormValues, NoticeRefused, building_numbers, community_choice
from bot.console.pages.participation_forms import (
    ensure_seen,
    may_run,
    seen_communities,
)
from bot.console.sessions import SignedIn
from bot.core.errors import NoticeNotFoundError
from bot.notices.compose import area_label
from bot.notices.publicity import (
    PublicityContentError,
    PublicityInput,
    close_publicity,
    create_publicity,
    list_publicities,
    publish_outcome,
    publish_publicity,
)
from bot.office.objections import ObjectionRow, objections_of, on_last_day
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep
from nlu.names import listed_names
from storage.models import Community, Notice, Publicity, PublicityStage
from storage.profile import Profile

router = APIRouter(prefix="/console/publicity")
PublicityId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Outcome = Annotated[str, Form(max_length=1000)]


@dataclass(frozen=True)
class PublicityView:
    publicity: Publicity
    subject: str
    last_day: date | None
    """The window's last day, local (it ends at midnight after it); none until published."""
    objections: int


@dataclass(frozen=True)
class PublicityPage:
    row: PublicityView
    community: str
    target: str
    objections: list[ObjectionRow]
    names: list[str]
    """People's names the draft's text seems to list, for staff to check before publishing."""
    names_expected: bool
    recipients: int | None


def subject_name(profile: Profile, key: str) -> str:
    settings = profile.participation.publicity
    found = settings.subject(key) if settings else None
    return found.name if found else key


def last_day(profile: Profile, closes_at: datetime | None) -> date | None:
    return on_last_day(closes_at).astimezone(profile.timezone).date() if closes_at else None


@router.get("", response_class=HTMLResponse)
async def publicity_list(request: Request, runtime: RuntimeDep, me: CurrentStaff) -> HTMLResponse:
    async with runtime.sessions() as session:
        rows = await list_publicities(session, seen_communities(me.staff))
    profile = runtime.profile
    views = [PublicityView(row.publicity, subject_name(profile, row.publicity.subject),
                           last_day(profile, row.publicity.closes_at), row.objections) for row in rows]
    return render(request, runtime, "publicity_list.html", me, rows=views, may_run=may_run(me.staff))


@router.get("/new", response_class=HTMLResponse)
async def new_publicity(request: Request, runtime: RuntimeDep, me: CurrentStaff, community: str = "") -> HTMLResponse:
    require(may_run(me.staff), f"{me.staff.key} may not write a publicity")
    async with runtime.sessions() as session:
        chosen, choices = await community_choice(session, me.staff, community)
    return _form(request, runtime, me, chosen, choices, FormValues({}))


def _form(request: Request, runtime: Runtime, me: SignedIn, community: Community, choices: list[Community],
          values: FormValues, status: int = 200, refused: NoticeRefused | None = None) -> HTMLResponse:
    profile = runtime.profile
    spec = profile.communities.get(community.key)
    settings = profile.participation.publicity
    return render(request, runtime, "publicity_new.html", me, status=status, community=community, choices=choices,
                  areas=spec.areas if spec else [], values=values, subjects=settings.subjects if settings else [],
                  window_days=values.one("window_days") or (settings.window_days if settings else ""),
                  problem=refused.problem if refused else "", detail=refused.detail if refused else "")


@router.post("")
async def create(request: Request, runtime: RuntimeDep, me: FormStaff) -> Response:
    require(may_run(me.staff), f"{me.staff.key} may not write a publicity")
    values = FormValues.of(await request.form())
    try:
        async with runtime.sessions() as session, session.begin():
            community, _ = await community_choice(session, me.staff, values.one("community"))
            draft = await create_publicity(session, runtime.profile, community, _input(values), me.staff,
                                           runtime.clock())
    except NoticeRefused as refused:
        return await _refused(request, runtime, me, values, refused)
    except PublicityContentError as error:
        return await _refused(request, runtime, me, values, _content_problem(runtime, error))
    except ValueError:
        return await _refused(request, runtime, me, values, NoticeRefused("publicity_problem_input"))
    return RedirectResponse(f"/console/publicity/{draft.publicity.id}", status_code=303)


def _content_problem(runtime: Runtime, error: PublicityContentError) -> NoticeRefused:
    """What the text must not hold, in the console's words for its kind (the term itself, for a forbidden one)."""
    problem = f"publicity_problem_{error.kind}"
    return NoticeRefused(problem if problem in console_labels(runtime.profile.root) else "publicity_problem_input",
                            error.detail)


async def _refused(request: Request, runtime: Runtime, me: SignedIn, values: FormValues,
                   refused: NoticeRefused) -> HTMLResponse:
    """The form again, as typed, with why it was refused."""
    async with runtime.sessions() as session:
        chosen, choices = await community_choice(session, me.staff, values.one("community"))
    return _form(request, runtime, me, chosen, choices, values, 422, refused)


def _input(values: FormValues) -> PublicityInput:
    days = values.one("window_days")
    if days and not days.isdigit():
        raise NoticeRefused("publicity_problem_input")
    return PublicityInput(subject=values.one("subject"), title=values.one("title"), body=values.one("body"),
                          area_keys=values.many("area_keys"),
                          building_numbers=building_numbers(values.one("building_numbers")),
                          window_days=int(days) if days else None)


async def _visible(session: AsyncSession, me: SignedIn, publicity_id: int, *, lock: bool = False) -> Publicity:
    publicity = await session.get(Publicity, publicity_id, with_for_update=lock)
    if publicity is None:
        raise NoticeNotFoundError(f"no publicity {publicity_id}")
    ensure_seen(me.staff, publicity.community_id, f"publicity {publicity_id}")
    return publicity


async def _load(session: AsyncSession, profile: Profile, me: SignedIn, publicity_id: int) -> PublicityPage:
    publicity = await _visible(session, me, publicity_id)
    community = await session.get_one(Community, publicity.community_id)
    objections = await objections_of(session, publicity.id)
    settings = profile.participation.publicity
    subject = settings.subject(publicity.subject) if settings else None
    notice = await session.get(Notice, publicity.notice_id) if publicity.notice_id else None
    draft = publicity.stage == PublicityStage.DRAFT
    return PublicityPage(
        PublicityView(publicity, subject_name(profile, publicity.subject), last_day(profile, publicity.closes_at),
                      len(objections)),
        community.name, area_label(profile, community.key, publicity.area_keys, publicity.building_numbers),
        objections, listed_names(f"{publicity.title}\n{publicity.body}") if draft else [],
        subject.names_expected if subject else True, notice.recipients if notice else None)


async def _page(request: Request, runtime: Runtime, me: SignedIn, publicity_id: int, *, status: int = 200,
                problem: str = "", detail: str = "", outcome: str = "") -> HTMLResponse:
    async with runtime.sessions() as session:
        page = await _load(session, runtime.profile, me, publicity_id)
    return render(request, runtime, "publicity.html", me, status=status, view=page, may_run=may_run(me.staff),
                  timezone=runtime.profile.timezone, problem=problem, detail=detail, outcome=outcome)


@router.get("/{publicity_id:int}", response_class=HTMLResponse)
async def publicity_page(request: Request, runtime: RuntimeDep, me: CurrentStaff,
                         publicity_id: PublicityId) -> HTMLResponse:
    return await _page(request, runtime, me, publicity_id)


@router.post("/{publicity_id:int}/publish")
async def publish(runtime: RuntimeDep, me: FormStaff, publicity_id: PublicityId) -> Response:
    require(may_run(me.staff), f"{me.staff.key} may not publish a publicity")
    async with runtime.sessions() as session, session.begin():
        publicity = await _visible(session, me, publicity_id, lock=True)
        await publish_publicity(session, runtime.profile, publicity, runtime.clock())
    return RedirectResponse(f"/console/publicity/{publicity_id}", status_code=303)


@router.post("/{publicity_id:int}/close")
async def close(request: Request, runtime: RuntimeDep, me: FormStaff, publicity_id: PublicityId,
                outcome: Outcome = "") -> Response:
    """Closed now, before the window ends by itself, with the result published to the same residents; once closed
    while its objections were looked into, the outcome published when staff have it."""
    require(may_run(me.staff), f"{me.staff.key} may not close a publicity")
    try:
        async with runtime.sessions() as session, session.begin():
            publicity = await _visible(session, me, publicity_id, lock=True)
            if publicity.stage == PublicityStage.CLOSED:
                await publish_outcome(session, runtime.profile, publicity, outcome, runtime.clock())
            else:
                await close_publicity(session, runtime.profile, publicity, runtime.clock(), outcome.strip() or None)
    except PublicityContentError as error:
        refused = _content_problem(runtime, error)
        return await _page(request, runtime, me, publicity_id, status=422, problem=refused.problem,
                           detail=refused.detail, outcome=outcome)
    return RedirectResponse(f"/console/publicity/{publicity_id}", status_code=303)
