"""`frontdoor notice`: write, preview, approve, send, follow and withdraw notices; export them as CAP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import opened
from bot.conversation.profile_check import load_checked_profile
from bot.core.errors import FrontdoorError
from bot.notices import sending
from bot.notices.cap import export_cap
from bot.notices.compose import (
    AnnouncementInput,
    ForecastInput,
    NoticeDraft,
    compose_announcement,
    compose_forecast,
)
from bot.settings import Settings
from storage.clock import system_clock
from storage.models import Notice, Staff
from storage.profile import Profile
from storage.repositories import notices
from storage.repositories.directory import get_community
from storage.repositories.notices import DeliveryReport
from storage.yaml_text import parse_yaml

notice_app = typer.Typer(help="Notices to residents (security forecasts, announcements) and their delivery.",
                         no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

NoticeId = Annotated[int, typer.Argument(help="The notice's number, as `notice create` printed it.")]
StaffOption = Annotated[str | None, typer.Option("--staff", help="Who does it: a staff id from the profile.")]
COMPOSERS: dict[str, Callable[[Profile, str, dict[str, Any]], NoticeDraft]] = {
    "forecast": lambda profile, community, data: compose_forecast(profile, community, ForecastInput.from_mapping(data)),
    "announcement": lambda profile, community, data: compose_announcement(
        profile, community, AnnouncementInput.from_mapping(data)),
}


def run_in_transaction(work: Callable[[AsyncSession, Profile], Awaitable[T]]) -> T:
    """Run `work` in one transaction; a typed or input error is printed and exits 1."""
    settings = Settings()
    profile = load_checked_profile(settings.profile_dir)

    async def go() -> T:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            return await work(session, profile)

    try:
        return asyncio.run(go())
    except (FrontdoorError, ValueError, LookupError) as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error


async def staff_named(session: AsyncSession, key: str | None) -> Staff | None:
    if key is None:
        return None
    staff = await session.scalar(select(Staff).where(Staff.key == key, Staff.active))
    if staff is None:
        raise LookupError(f"no active staff member {key!r}")
    return staff


@notice_app.command("create")
def create(
    community: Annotated[str, typer.Option(help="Community id, e.g. qingshui.")],
    data: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="The notice's content (YAML).")],
    kind: Annotated[str, typer.Option(help="forecast (the security-situation forecast) or announcement.")]
    = "forecast",
    staff: StaffOption = None,
    status: Annotated[str, typer.Option(help="CAP status: Actual, Exercise, Test or Draft.")] = "Actual",
    update: Annotated[int | None, typer.Option(help="Replace this sent notice (a CAP Update).")] = None,
) -> None:
    """Write a notice as a draft from a template and a data file; prints its number and reach."""
    if kind not in COMPOSERS:
        raise typer.BadParameter(f"--kind must be one of {', '.join(COMPOSERS)}")
    if status not in ("Actual", "Exercise", "Test", "Draft"):
        raise typer.BadParameter("--status must be Actual, Exercise, Test or Draft")
    content = parse_yaml(data.read_text(encoding="utf-8")) or {}

    async def work(session: AsyncSession, profile: Profile) -> tuple[int, sending.Preview]:
        found = await get_community(session, community)
        if found is None:
            raise LookupError(f"no community {community!r} (run `frontdoor profile load`)")
        draft = COMPOSERS[kind](profile, community, content)
        replaces = await sending.get_notice(session, update) if update is not None else None
        notice = sending.create_notice(session, profile, found, draft, await staff_named(session, staff),
                                       system_clock(), status=status, replaces=replaces)
        await session.flush()
        return notice.id, await sending.preview(session, profile, notice, system_clock())

    notice_id, seen = run_in_transaction(work)
    console.print(f"notice {notice_id} written as a draft")
    _print_preview(seen)


@notice_app.command("preview")
def preview(notice_id: NoticeId) -> None:
    """The notice exactly as residents will read it, and how many it would reach now."""
    async def work(session: AsyncSession, profile: Profile) -> sending.Preview:
        return await sending.preview(session, profile, await sending.get_notice(session, notice_id), system_clock())

    _print_preview(run_in_transaction(work))


def _print_preview(seen: sending.Preview) -> None:
    console.rule("what residents will read")
    typer.echo(seen.text)
    console.rule()
    channels = ", ".join(f"{name} {count}" for name, count in sorted(seen.by_channel.items())) or "none"
    console.print(f"recipients: {seen.recipients} (accounts: {channels})")
    if seen.missing_approvals:
        console.print(f"needs approval from: {', '.join(seen.missing_approvals)} (`frontdoor notice approve`)")


@notice_app.command("approve")
def approve(notice_id: NoticeId, staff: Annotated[str, typer.Option("--staff", help="The approver's staff id.")]) \
        -> None:
    """Approve a notice whose topic asks for approvals (e.g. the police and the secretary)."""
    async def work(session: AsyncSession, profile: Profile) -> list[str]:
        approver = await staff_named(session, staff)
        assert approver is not None
        notice = await sending.get_notice(session, notice_id, lock=True)
        return await sending.approve(session, profile, notice, approver, system_clock())

    missing = run_in_transaction(work)
    console.print("approved; " + (f"still needed: {', '.join(missing)}" if missing else "ready to send"))


@notice_app.command("send")
def send(notice_id: NoticeId, at: Annotated[datetime | None, typer.Option(
        help="Send later, at this time (ISO 8601 with offset, e.g. 2026-11-24T09:00+08:00).")] = None) -> None:
    """Send a notice now (one delivery per recipient, delivered by the workers) or at a set time."""
    if at is not None and at.tzinfo is None:
        raise typer.BadParameter("--at needs a UTC offset, e.g. 2026-11-24T09:00+08:00")

    async def work(session: AsyncSession, profile: Profile) -> int | None:
        notice = await sending.get_notice(session, notice_id, lock=True)
        if at is not None:
            await sending.schedule_send(session, profile, notice, at)
            return None
        return await sending.start_sending(session, profile, notice, system_clock())

    count = run_in_transaction(work)
    console.print(f"notice {notice_id} scheduled for {at:%Y-%m-%d %H:%M %z} (a `frontdoor worker` sends it)"
                  if at is not None
                  else f"notice {notice_id}: {count} deliveries queued (follow with `frontdoor notice status`)")


@notice_app.command("status")
def status(notice_id: NoticeId, watch: Annotated[bool, typer.Option(help="Refresh until none is pending.")] = False,
           interval: Annotated[float, typer.Option(min=0.2)] = 2.0) -> None:
    """The live delivery report: pending, sent, and given up with the reasons."""
    async def work(session: AsyncSession, profile: Profile) -> tuple[Notice, DeliveryReport]:
        notice = await sending.get_notice(session, notice_id)
        return notice, await notices.delivery_report(session, notice_id)

    while True:
        notice, report = run_in_transaction(work)
        _print_report(notice, report)
        if not watch or not report.pending:
            return
        time.sleep(interval)


def _print_report(notice: Notice, report: DeliveryReport) -> None:
    current = "in force" if notices.is_current(notice, system_clock()) else "not in force"
    console.print(f"notice {notice.id} [{notice.msg_type}] {notice.headline}: {notice.stage}, {current}")
    table = Table("state", "count")
    table.add_row("pending", f"{report.pending} ({report.retrying} retrying)")
    table.add_row("sent", str(report.sent))
    for reason, count in sorted(report.settled.items()):
        table.add_row(f"not delivered: {reason}", str(count))
    table.add_row("total", str(report.total))
    console.print(table)


@notice_app.command("cancel")
def cancel(notice_id: NoticeId, reason: Annotated[str, typer.Option(help="Why, as residents will read it.")] = "",
           staff: StaffOption = None) -> None:
    """Withdraw a notice: unsent, it is dropped; sent, a CAP Cancel goes to everyone it reached."""
    async def work(session: AsyncSession, profile: Profile) -> Notice | None:
        notice = await sending.get_notice(session, notice_id, lock=True)
        return await sending.cancel(session, profile, notice, await staff_named(session, staff), system_clock(), reason)

    withdrawal = run_in_transaction(work)
    console.print(f"notice {notice_id} cancelled" + (
        f"; cancel notice {withdrawal.id} queued to {withdrawal.recipients} residents" if withdrawal else ""))


@notice_app.command("list")
def list_notices(community: Annotated[str, typer.Option(help="Community id.")],
                 current: Annotated[bool, typer.Option(help="Only those in force now.")] = False) -> None:
    """The community's notices, newest first."""
    async def work(session: AsyncSession, profile: Profile) -> tuple[list[Notice], tzinfo]:
        found = await get_community(session, community)
        if found is None:
            raise LookupError(f"no community {community!r}")
        if current:
            return list(await notices.current(session, found.id, system_clock())), profile.timezone
        return list(await session.scalars(select(Notice).where(Notice.community_id == found.id)
                                          .order_by(Notice.id.desc()).limit(100))), profile.timezone

    listed, zone = run_in_transaction(work)
    table = Table("id", "type", "stage", "headline", "sent", "expires", "recipients")
    for notice in listed:
        table.add_row(str(notice.id), notice.msg_type, notice.stage, notice.headline,
                      *(f"{moment.astimezone(zone):%m-%d %H:%M}" if moment else ""
                        for moment in (notice.sent_at, notice.expires_at)), str(notice.recipients or ""))
    console.print(table)


@notice_app.command("export-cap")
def export(notice_id: NoticeId, output: Annotated[Path | None, typer.Option("-o", "--output")] = None) -> None:
    """The notice as an OASIS CAP 1.2 alert (XML), to a file or the terminal."""
    async def work(session: AsyncSession, profile: Profile) -> bytes:
        return await export_cap(session, profile, notice_id)

    document = run_in_transaction(work)
    if output is None:
        typer.echo(document.decode("utf-8"))
    else:
        output.write_bytes(document)
        console.print(f"written to {output}")
