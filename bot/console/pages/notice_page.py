"""One notice's page: the text as residents read it, whom it reaches, its approvals, sending it now or
at a set time, cancelling it, and its live delivery report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.access import may_send_notices
from bot.console.labels import console_labels
from bot.console.pages.deps import CurrentStaff, FormStaff, render, require
from bot.console.pages.notice_forms import NoticeRefused, channel_summary, visible_notice
from bot.console.pages.notices import notice_kind
from bot.console.sessions import SignedIn
from bot.core.errors import NoticeNeedsApproval
from bot.notices import sending
from bot.notices.compose import area_label
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep
from storage.models import Community, Notice, NoticeApproval, NoticeStage, Staff
from storage.profile import Profile
from storage.repositories.notices import DeliveryReport, delivery_report, is_current

router = APIRouter(prefix="/console/notices")
UNSENT = (NoticeStage.DRAFT, NoticeStage.SCHEDULED)
Reason = Annotated[str, Form(min_length=1, max_length=500)]
NoticeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
"""Within the id column's range on every database (a larger number is a 422, not a database error)."""


@dataclass(frozen=True)
class NoticeView:
    notice: Notice
    kind: str
    community: str
    target: str
    """Where it goes, as residents read it (白杨社区东一片, or the whole community)."""
    text: str
    recipients: int
    """Unsent: how many it would reach now; sent: how many it was sent to."""
    channels: str
    missing: list[str]
    """The roles (by name) whose approval is still missing."""
    approvers: list[tuple[str, str]]
    """Who approved, by name and role name."""
    may_approve: bool
    may_send: bool
    may_cancel: bool
    current: bool
    report: DeliveryReport | None
    """None until sending starts."""


def _role_names(profile: Profile) -> dict[str, str]:
    return {role.value: name for role, name in profile.district.role_names.items()}


async def load_view(session: AsyncSession, profile: Profile, staff: Staff, notice_id: int,
                    now: datetime) -> NoticeView:
    notice = await visible_notice(session, staff, notice_id)
    community = await session.get_one(Community, notice.community_id)
    unsent = notice.stage in UNSENT
    seen = await sending.preview(session, profile, notice, now) if unsent or notice.body is None else None
    approvals = (await session.execute(
        select(Staff.id, Staff.name, Staff.role).join(NoticeApproval, NoticeApproval.staff_id == Staff.id)
        .where(NoticeApproval.notice_id == notice.id).order_by(NoticeApproval.id))).all()
    roles, words = _role_names(profile), console_labels(profile.root)
    missing = seen.missing_approvals if seen is not None and unsent else []
    sendable = may_send_notices(staff)
    return NoticeView(
        notice=notice, kind=notice_kind(profile, notice), community=community.name,
        target=area_label(profile, community.key, notice.area_keys, notice.building_numbers),
        text=notice.body or (seen.text if seen else ""),
        recipients=seen.recipients if seen is not None and unsent else notice.recipients or 0,
        channels=channel_summary(seen.by_channel, words) if seen is not None and unsent else "",
        missing=[roles.get(role, role) for role in missing], approvers=[(name, roles.get(role, role))
                                                                        for _, name, role in approvals],
        may_approve=staff.role in missing and staff.id not in {approver for approver, _, _ in approvals},
        may_send=unsent and sendable,
        may_cancel=sendable and (unsent or (notice.stage == NoticeStage.SENT and notice.msg_type != "Cancel")),
        current=is_current(notice, now),
        report=None if unsent else await delivery_report(session, notice.id))


async def _page(request: Request, runtime: Runtime, me: SignedIn, notice_id: int, *, status: int = 200,
                problem: str = "", detail: str = "") -> HTMLResponse:
    async with runtime.sessions() as session:
        view = await load_view(session, runtime.profile, me.staff, notice_id, runtime.clock())
    now_local = runtime.clock().astimezone(runtime.profile.timezone)
    return render(request, runtime, "notice.html", me, status=status, view=view, problem=problem, detail=detail,
                  timezone=runtime.profile.timezone, now_local=now_local.strftime("%Y-%m-%dT%H:%M"),
                  reasons=_reasons(view.report.settled if view.report else {}, console_labels(runtime.profile.root)))


@router.get("/{notice_id:int}", response_class=HTMLResponse)
async def notice_page(request: Request, runtime: RuntimeDep, me: CurrentStaff, notice_id: NoticeId) -> HTMLResponse:
    return await _page(request, runtime, me, notice_id)


@router.get("/{notice_id:int}/report.json")
async def report(runtime: RuntimeDep, me: CurrentStaff, notice_id: NoticeId) -> JSONResponse:
    """How far the notice got, for the page to refresh itself."""
    async with runtime.sessions() as session:
        notice = await visible_notice(session, me.staff, notice_id)
        found = await delivery_report(session, notice.id)
    words = console_labels(runtime.profile.root)
    return JSONResponse({"stage": notice.stage, "stage_label": words[f"notice_stage_{notice.stage}"],
                         "recipients": notice.recipients or 0, "pending": found.pending, "retrying": found.retrying,
                         "sent": found.sent, "not_delivered": sum(found.settled.values()),
                         "reasons": _reasons(found.settled, words)})


def _reasons(settled: Mapping[str, int], words: Mapping[str, str]) -> list[dict[str, str | int]]:
    """Why deliveries were given up, each in the console's words (an unknown reason: as recorded)."""
    return [{"reason": reason, "label": words.get(f"reason_{reason}", reason), "count": count}
            for reason, count in sorted(settled.items())]


Action = Callable[[AsyncSession, Notice], Awaitable[int | None]]


async def _act(request: Request, runtime: Runtime, me: SignedIn, notice_id: int, action: Action) -> Response:
    """Change the notice in one transaction, then back to its page (or the page `action` names); a
    refusal shows the page again with the reason."""
    try:
        async with runtime.sessions() as session, session.begin():
            notice = await visible_notice(session, me.staff, notice_id, lock=True)
            goto = await action(session, notice)
    except NoticeNeedsApproval:
        return await _page(request, runtime, me, notice_id, status=409, problem="notice_needs_approval")
    except NoticeRefused as refused:
        return await _page(request, runtime, me, notice_id, status=refused.status, problem=refused.problem,
                           detail=refused.detail)
    return RedirectResponse(f"/console/notices/{goto or notice_id}", status_code=303)


@router.post("/{notice_id:int}/approve")
async def approve(request: Request, runtime: RuntimeDep, me: FormStaff, notice_id: NoticeId) -> Response:
    async def run(session: AsyncSession, notice: Notice) -> None:
        await sending.approve(session, runtime.profile, notice, me.staff, runtime.clock())

    return await _act(request, runtime, me, notice_id, run)


@router.post("/{notice_id:int}/send")
async def send_now(request: Request, runtime: RuntimeDep, me: FormStaff, notice_id: NoticeId) -> Response:
    require(may_send_notices(me.staff), f"{me.staff.key} may not send notices")

    async def run(session: AsyncSession, notice: Notice) -> None:
        await sending.start_sending(session, runtime.profile, notice, runtime.clock())

    return await _act(request, runtime, me, notice_id, run)


@router.post("/{notice_id:int}/schedule")
async def schedule(request: Request, runtime: RuntimeDep, me: FormStaff, notice_id: NoticeId,
                   send_at: Annotated[str, Form()] = "") -> Response:
    require(may_send_notices(me.staff), f"{me.staff.key} may not send notices")

    async def run(session: AsyncSession, notice: Notice) -> None:
        when = sending_time(send_at, runtime.profile, runtime.clock(), notice.expires_at)
        await sending.schedule_send(session, runtime.profile, notice, when)

    return await _act(request, runtime, me, notice_id, run)


def sending_time(text: str, profile: Profile, now: datetime, expires_at: datetime | None) -> datetime:
    """A `datetime-local` value read in the district's time zone; it must be ahead, before expiry."""
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        raise NoticeRefused("notice_problem_time", text[:40]) from None
    at = (local if local.tzinfo else local.replace(tzinfo=profile.timezone)).astimezone(UTC)
    if at <= now or (expires_at is not None and at >= expires_at):
        raise NoticeRefused("notice_problem_time", at.astimezone(profile.timezone).strftime("%Y-%m-%d %H:%M"))
    return at


@router.post("/{notice_id:int}/cancel")
async def cancel(request: Request, runtime: RuntimeDep, me: FormStaff, notice_id: NoticeId, reason: Reason) -> Response:
    """A draft or scheduled notice is simply withdrawn; one sent gets a Cancel to those it reached,
    whose page comes next."""
    require(may_send_notices(me.staff), f"{me.staff.key} may not cancel notices")

    async def run(session: AsyncSession, notice: Notice) -> int | None:
        try:
            withdrawal = await sending.cancel(session, runtime.profile, notice, me.staff, runtime.clock(),
                                              reason.strip())
        except ValueError as error:  # the reason looks like it holds an ID or mobile number
            raise NoticeRefused("notice_problem_personal", why=str(error)) from None
        return withdrawal.id if withdrawal is not None else None

    return await _act(request, runtime, me, notice_id, run)
