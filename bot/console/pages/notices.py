"""The notice list, the compose page with its live preview, and writing a draft."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from bot.console.access import may_send_notices
from bot.console.labels import console_labels
from bot.console.pages.deps import CurrentStaff, FormStaff, render, require
from bot.console.pages.notice_forms import (
    ACTION_KINDS,
    CASE_ROWS,
    KINDS,
    FormValues,
    NoticeRefused,
    channel_summary,
    community_choice,
    compose,
    notice_community,
    preview_draft,
    visible_notices,
)
from bot.console.sessions import SignedIn
from bot.notices import sending
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep
from storage.models import Community, Notice
from storage.profile import Profile
from storage.repositories.notices import is_current

router = APIRouter(prefix="/console/notices")
PAGE = 100


@dataclass(frozen=True)
class NoticeRow:
    notice: Notice
    kind: str
    """The template's (or else the topic's) name."""
    current: bool


def notice_kind(profile: Profile, notice: Notice) -> str:
    template = profile.notice_templates.get(notice.template or "")
    if template is not None:
        return template.name
    topic = profile.notice_topics.get(notice.topic)
    return topic.name if topic is not None else notice.topic


@router.get("", response_class=HTMLResponse)
async def notice_list(request: Request, runtime: RuntimeDep, me: CurrentStaff) -> HTMLResponse:
    now = runtime.clock()
    async with runtime.sessions() as session:
        found = (await session.scalars(select(Notice).where(visible_notices(me.staff))
                                       .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(PAGE))).all()
    rows = [NoticeRow(notice, notice_kind(runtime.profile, notice), is_current(notice, now)) for notice in found]
    return render(request, runtime, "notices.html", me, rows=rows, may_send=may_send_notices(me.staff),
                  timezone=runtime.profile.timezone)


@router.get("/new", response_class=HTMLResponse)
async def compose_page(request: Request, runtime: RuntimeDep, me: CurrentStaff, kind: str = "forecast",
                       community: str = "") -> HTMLResponse:
    require(may_send_notices(me.staff), f"{me.staff.key} may not write notices")
    async with runtime.sessions() as session:
        chosen, choices = await community_choice(session, me.staff, community)
    return _compose(request, runtime, me, chosen, choices, FormValues({"kind": [kind]}))


def _compose(request: Request, runtime: Runtime, me: SignedIn, community: Community, choices: list[Community],
             values: FormValues, status: int = 200, refused: NoticeRefused | None = None) -> HTMLResponse:
    kind = values.one("kind") if values.one("kind") in KINDS else "forecast"
    profile = runtime.profile
    template = profile.notice_templates[KINDS[kind]]
    spec = profile.communities.get(community.key)
    return render(request, runtime, "notice_new.html", me, status=status, kind=kind, template=template,
                  community=community, choices=choices, areas=spec.areas if spec else [], values=values,
                  rows=range(CASE_ROWS), action_kinds=ACTION_KINDS,
                  problem=refused.problem if refused else "",
                  detail=refused.shown_detail(console_labels(profile.root)) if refused else "")


def _action_names(runtime: Runtime) -> dict[str, str]:
    """A police action's kind as staff may write it: its key or its console name (执法公告 ...)."""
    words = console_labels(runtime.profile.root)
    return {words[f"action_kind_{kind}"]: kind for kind in ACTION_KINDS}


@router.post("/preview")
async def preview(request: Request, runtime: RuntimeDep, me: FormStaff) -> JSONResponse:
    """The notice as residents will read it and how many it would reach now; nothing is written."""
    require(may_send_notices(me.staff), f"{me.staff.key} may not write notices")
    values = FormValues.of(await request.form())
    words = console_labels(runtime.profile.root)
    try:
        async with runtime.sessions() as session:
            community = await notice_community(session, me.staff, values.one("community"))
            draft = compose(runtime.profile, community.key, values, _action_names(runtime))
            seen = await preview_draft(session, runtime.profile, community, draft, runtime.clock())
    except NoticeRefused as refused:
        return JSONResponse({"problem": words[refused.problem], "detail": refused.shown_detail(words)},
                            status_code=422)
    roles = {role.value: name for role, name in runtime.profile.district.role_names.items()}
    approvals = words["list_separator"].join(roles.get(role, role) for role in seen.missing_approvals)
    return JSONResponse({"text": seen.text, "recipients": seen.recipients,
                         "channels": channel_summary(seen.by_channel, words), "approvals": approvals})


@router.post("")
async def create(request: Request, runtime: RuntimeDep, me: FormStaff) -> Response:
    require(may_send_notices(me.staff), f"{me.staff.key} may not write notices")
    values = FormValues.of(await request.form())
    try:
        async with runtime.sessions() as session, session.begin():
            community = await notice_community(session, me.staff, values.one("community"))
            draft = compose(runtime.profile, community.key, values, _action_names(runtime))
            notice = sending.create_notice(session, runtime.profile, community, draft, me.staff, runtime.clock())
            await session.flush()
    except NoticeRefused as refused:
        async with runtime.sessions() as session:
            chosen, choices = await community_choice(session, me.staff, values.one("community"))
        return _compose(request, runtime, me, chosen, choices, values, refused.status, refused)
    return RedirectResponse(f"/console/notices/{notice.id}", status_code=303)
