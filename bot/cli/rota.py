"""`frontdoor rota show`: who is on duty on a day, shift by shift, with the changes made on the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.notice import run_in_transaction
from bot.office.rota import DutyShift, day_kind, shifts_on
from storage.clock import system_clock
from storage.models import Community, Staff
from storage.profile import Profile
from storage.profile.schema import StaffRole
from storage.work_calendar import WorkCalendar

rota_app = typer.Typer(help="Who is on duty: the profile's rota (rota.yaml) with the changes made for a date.",
                       no_args_is_help=True)
console = Console()


@dataclass(frozen=True)
class _Day:
    day: date
    kind: str
    communities: list[tuple[Community, list[DutyShift]]]
    names: dict[str, str]
    """Staff names by key."""
    roles: dict[StaffRole, str]


@rota_app.command("show")
def show(
    day: Annotated[str | None, typer.Argument(help="YYYY-MM-DD; default today in the district's time zone.")]
    = None,
    community: Annotated[str | None, typer.Option(help="Community id, e.g. baiyang; default every one.")] = None,
) -> None:
    """Each shift starting on DAY: role, hours, who is on duty and their backup, and any change for the day."""

    async def work(session: AsyncSession, profile: Profile) -> _Day:
        chosen = date.fromisoformat(day) if day else system_clock().astimezone(profile.timezone).date()
        query = select(Community).order_by(Community.id)
        if community is not None:
            query = query.where(Community.key == community)
        found = list((await session.scalars(query)).all())
        if not found:
            raise LookupError(f"no community '{community}'")
        names = {key: name for key, name in await session.execute(select(Staff.key, Staff.name))}
        return _Day(chosen, day_kind(WorkCalendar(profile.calendar_days), chosen).value,
                    [(c, await shifts_on(session, profile, c, chosen)) for c in found], names,
                    profile.district.role_names)

    shown = run_in_transaction(work)
    console.print(f"{shown.day.isoformat()} ({shown.kind})", highlight=False)
    table = Table("community", "role", "hours", "on duty", "backup", "change")
    for found, shifts in shown.communities:
        for duty in shifts:
            backup = duty.shift.backup
            change = f"instead of {_named(shown, duty.shift.person)}" if duty.changed else ""
            table.add_row(found.name, shown.roles[duty.shift.role], duty.shift.hours, _named(shown, duty.person),
                          _named(shown, backup) if backup else "-", change)
        if not shifts:
            table.add_row(found.name, "-", "-", "nobody", "-", "")
    console.print(table)


def _named(shown: _Day, key: str) -> str:
    return f"{shown.names.get(key, key)} ({key})"
