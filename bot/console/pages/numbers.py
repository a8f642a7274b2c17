"""The community's numbers: the dashboard with its charts, and the monthly ledger (台账) as files."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from bot.console.access import is_admin
from bot.console.charts import bar_chart, line_chart
from bot.console.labels import console_labels
from bot.console.ledger import Ledger, build_ledger
from bot.console.ledger_files import ledger_pdf, ledger_xlsx
from bot.console.pages.deps import CurrentStaff, render, require
from bot.console.pages.notice_forms import notice_community
from bot.console.stats import Dashboard, OnTime, compute_dashboard
from bot.core.errors import PermissionDenied
from bot.web.deps import RuntimeDep
from storage.models import Area, Community, Staff
from storage.profile.schema import StaffRole

router = APIRouter(prefix="/console")
LONGEST = timedelta(days=366)
"""The longest period the dashboard covers in one go."""
EXPORTS: dict[str, tuple[Callable[[Ledger], bytes], str]] = {
    "xlsx": (ledger_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (ledger_pdf, "application/pdf"),
}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def may_export_ledger(staff: Staff) -> bool:
    return staff.role in {StaffRole.SECRETARY.value, StaffRole.ADMIN.value}


def period(start: str, end: str, today: date) -> tuple[date, date]:
    """The first and last day asked for (both included); default: this month. ValueError if either
    is not a YYYY-MM-DD date, the last comes first, the period is longer than a year, or it touches the
    calendar's first or last year (whose midnights in the district's time cannot all be told in UTC)."""
    first = date.fromisoformat(start) if _DAY.fullmatch(start) else None
    last = date.fromisoformat(end) if _DAY.fullmatch(end) else None
    if (start and first is None) or (end and last is None):
        raise ValueError("dates are YYYY-MM-DD")
    if {day.year for day in (first, last) if day is not None} & {MINYEAR, MAXYEAR}:
        raise ValueError("the period is off the calendar")
    first = first or (last or today).replace(day=1)
    last = last or (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if last < first or last - first > LONGEST:
        raise ValueError("the period is backwards or longer than a year")
    return first, last


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Scope:
    community_id: int | None
    area_id: int | None
    label: str
    """Whose numbers these are: the community, the area, or every community (the console's word)."""


async def dashboard_scope(session: AsyncSession, staff: Staff, everything: str) -> Scope:
    """An admin sees every community; an area lead their area; anyone else their community."""
    if is_admin(staff):
        return Scope(None, None, everything)
    if staff.community_id is None:
        raise PermissionDenied(f"{staff.key} belongs to no community")
    community = await session.get_one(Community, staff.community_id)
    if staff.role == StaffRole.AREA_LEAD.value:
        area = await session.scalar(select(Area).where(Area.lead_id == staff.id).order_by(Area.id).limit(1))
        if area is not None:
            return Scope(community.id, area.id, f"{community.name}{area.name}")
    return Scope(community.id, None, community.name)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, runtime: RuntimeDep, me: CurrentStaff,
                    start: Annotated[str, Query(alias="from")] = "",
                    end: Annotated[str, Query(alias="to")] = "") -> HTMLResponse:
    tz, words = runtime.profile.timezone, console_labels(runtime.profile.root)
    try:
        first, last = period(start.strip(), end.strip(), runtime.clock().astimezone(tz).date())
    except ValueError:
        return render(request, runtime, "error.html", me, status=400, heading="dates_heading",
                      explanation="dates_explanation")
    async with runtime.sessions() as session:
        scope = await dashboard_scope(session, me.staff, words["dashboard_everything"])
        figures = await compute_dashboard(session, runtime.profile, scope.community_id, _midnight(first, tz),
                                          _midnight(last + timedelta(days=1), tz), scope.area_id,
                                          now=runtime.clock())
        communities = (await session.scalars(select(Community).order_by(Community.id))).all() \
            if is_admin(me.staff) else []
    return render(request, runtime, "dashboard.html", me, figures=figures, charts=dashboard_charts(figures, words),
                  scope=scope, first=first, last=last, month=f"{first:%Y-%m}", communities=communities,
                  may_export=may_export_ledger(me.staff), timezone=tz)


def dashboard_charts(figures: Dashboard, words: Mapping[str, str]) -> list[Markup]:
    """The figures drawn as inline SVG, titled in the console's words. The chart functions escape
    every text they draw, so their output is safe to place in the page as is."""
    empty = words["chart_empty"]
    weeks: list[tuple[str, float]] = [(f"{monday:%m-%d}", count) for monday, count in figures.tickets_by_week]
    reach = [(notice.headline, round(100 * share, 1)) for notice in figures.notice_reach
             if (share := notice.share) is not None]
    charts = [
        bar_chart(words["chart_by_category"], _pairs(figures.tickets_by_category), empty=empty),
        bar_chart(words["chart_by_area"], _pairs(figures.tickets_by_area), empty=empty),
        line_chart(words["chart_by_week"], weeks, empty=empty),
        bar_chart(words["chart_on_time_by_intake"], _percents(figures.on_time_by_intake), "%", empty=empty,
                  maximum=100),
        bar_chart(words["chart_on_time_by_staff"], _percents(figures.on_time_by_staff), "%", empty=empty,
                  maximum=100),
        bar_chart(words["chart_satisfaction"], [(words["satisfied"], figures.satisfaction.satisfied),
                                                (words["unsatisfied"], figures.satisfaction.unsatisfied)],
                  empty=empty),
        bar_chart(words["chart_appointments"], _pairs(figures.appointments_by_service), empty=empty),
        bar_chart(words["chart_notice_reach"], reach, "%", empty=empty, maximum=100),
    ]
    return [Markup(chart) for chart in charts]


def _pairs(counts: Mapping[str, int]) -> list[tuple[str, float]]:
    return [(label, float(count)) for label, count in counts.items()]


def _percents(rates: Mapping[str, OnTime]) -> list[tuple[str, float]]:
    """On-time shares in per cent; a group with no known outcome yet is left out."""
    return [(label, round(100 * share, 1)) for label, rate in rates.items() if (share := rate.share) is not None]


def ledger_month(text: str, today: date) -> date:
    """`2026-11` -> 2026-11-01; blank: this month. ValueError otherwise (the calendar's first and last
    years too: their months' bounds cannot all be told in UTC)."""
    if not text:
        return today.replace(day=1)
    found = _MONTH.fullmatch(text)
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) in {MINYEAR, MAXYEAR}:
        raise ValueError("a month is YYYY-MM")
    return date(int(found[1]), int(found[2]), 1)


async def _ledger(request: Request, runtime: RuntimeDep, me: CurrentStaff, kind: str, month: str,
                  community: str) -> Response:
    require(may_export_ledger(me.staff), f"{me.staff.key} may not export the ledger")
    try:
        first = ledger_month(month.strip(), runtime.clock().astimezone(runtime.profile.timezone).date())
    except ValueError:
        return render(request, runtime, "error.html", me, status=400, heading="dates_heading",
                      explanation="dates_explanation")
    async with runtime.sessions() as session:
        found = await notice_community(session, me.staff, community.strip())
        ledger = await build_ledger(session, runtime.profile, found.id, first)
    write, media_type = EXPORTS[kind]
    body = await run_in_threadpool(write, ledger)  # building a PDF takes a moment: off the event loop
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="ledger-{found.key}-{first:%Y-%m}.{kind}"'})


@router.get("/ledger.xlsx")
async def ledger_workbook(request: Request, runtime: RuntimeDep, me: CurrentStaff,
                          month: str = "",
                          community: str = "") -> Response:
    return await _ledger(request, runtime, me, "xlsx", month, community)


@router.get("/ledger.pdf")
async def ledger_document(request: Request, runtime: RuntimeDep, me: CurrentStaff,
                          month: str = "",
                          community: str = "") -> Response:
    return await _ledger(request, runtime, me, "pdf", month, community)
