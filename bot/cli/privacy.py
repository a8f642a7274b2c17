"""`frontdoor privacy` and `frontdoor audit`: a resident's copy of their data, erasure on request, the
retention purge, and the log of who touched personal data.

A resident is named by their number (`42`) or by a platform account (`telegram:12345`,
`wechat:<openid>`). The audit log records the number only, never the account.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import opened
from bot.conversation.profile_check import load_checked_profile
from bot.core.errors import FrontdoorError, ResidentNotFoundError, StaffNotFoundError
from bot.privacy import audit
from bot.privacy.residents import erase_resident, export_resident
from bot.privacy.retention import forget_old_conversations, purge_closed_tickets
from bot.settings import Settings
from storage.clock import system_clock
from storage.models import Staff
from storage.profile import Profile, ProfileError
from storage.repositories.residents import identity_resident

privacy_app = typer.Typer(help="Residents' data: export, erasure, retention.", no_args_is_help=True)
audit_app = typer.Typer(help="Who read or changed personal data.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

ResidentArgument = Annotated[str, typer.Argument(
    metavar="RESIDENT", help="Resident number, or a platform account as channel:id (e.g. telegram:12345).")]
StaffOption = Annotated[str | None, typer.Option(
    "--staff", help="Staff id doing this, for the audit log (default: the operator).")]


async def find_resident(session: AsyncSession, reference: str) -> int:
    """The resident a number or a `channel:external_id` names."""
    channel, colon, external_id = reference.partition(":")
    if not colon:
        if not reference.isdigit():
            raise ResidentNotFoundError("give a resident number or channel:id (e.g. telegram:12345)")
        return int(reference)
    resident_id = await identity_resident(session, channel, external_id)
    if resident_id is None:
        raise ResidentNotFoundError(f"no resident has that {channel} account")
    return resident_id


async def staff_id_of(session: AsyncSession, key: str | None) -> int | None:
    if key is None:
        return None
    staff_id = await session.scalar(select(Staff.id).where(Staff.key == key))
    if staff_id is None:
        raise StaffNotFoundError(f"no staff member {key}")
    return staff_id


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction; a typed error ends the command with its message."""
    settings = Settings()

    async def in_transaction() -> T:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            return await work(session)

    try:
        return asyncio.run(in_transaction())
    except FrontdoorError as error:
        errors.print(f"{error.code}: {error}")
        raise typer.Exit(1) from error


def _profile() -> Profile:
    try:
        return load_checked_profile(Settings().profile_dir)
    except ProfileError as error:
        errors.print(f"[bold red]profile error[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error


@privacy_app.command("export")
def export(resident: ResidentArgument, staff: StaffOption = None,
           output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE (default: stdout).")]
           = None) -> None:
    """Everything stored about one resident, as JSON (what to hand them when they ask)."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        resident_id = await find_resident(session, resident)
        data = await export_resident(session, resident_id)
        audit.record(session, await staff_id_of(session, staff), audit.EXPORT_RESIDENT,
                     audit.resident_subject(resident_id), system_clock())
        return data

    text = json.dumps(_run(work), ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
        return
    # Only the operator's account may read the file: it is everything we hold about a person.
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    console.print(f"written to {output}")


@privacy_app.command("erase")
def erase(resident: ResidentArgument, staff: StaffOption = None,
          yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False) -> None:
    """Erase a resident's personal data at their request; their tickets stay for the statistics."""
    profile = _profile()
    if not yes:
        typer.confirm(f"Erase the personal data of resident {resident}? This cannot be undone", abort=True)

    async def work(session: AsyncSession) -> dict[str, int]:
        resident_id = await find_resident(session, resident)
        now = system_clock()
        report = await erase_resident(session, profile, resident_id, now)
        audit.record(session, await staff_id_of(session, staff), audit.ERASE_RESIDENT,
                     audit.resident_subject(resident_id), now)
        return report.counts

    counts = _run(work)
    table = Table("table", "rows")
    for name, count in sorted(counts.items()):
        table.add_row(name, str(count))
    console.print(table)
    console.print("erased")


@privacy_app.command("purge")
def purge() -> None:
    """Run the retention purge now (workers also run it daily).

    Tickets closed longer ago than the district's ticket_retention_days lose their personal fields;
    the retry cache and dialogue states older than that are deleted."""
    profile = _profile()

    async def work(session: AsyncSession) -> tuple[int, int]:
        now = system_clock()
        return (await purge_closed_tickets(session, profile, now),
                await forget_old_conversations(session, profile, now))

    purged, forgotten = _run(work)
    days = profile.district.ticket_retention_days
    console.print(f"{purged} tickets purged (closed more than {days} days ago); "
                  f"{forgotten} retry-cache and conversation rows older than that deleted")


@audit_app.command("list")
def list_entries(limit: Annotated[int, typer.Option(min=1, max=10000)] = 50) -> None:
    """The newest audit entries first."""
    table = Table("at", "staff", "action", "subject", "detail")
    for line in _run(lambda session: audit.recent(session, limit)):
        table.add_row(line.at.isoformat(timespec="seconds"), line.staff_key or "operator", line.action,
                      line.subject, line.detail or "")
    console.print(table)
