"""`frontdoor ledger`: the monthly ledger (台账) of a community, out of the data, as XLSX and/or PDF."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.database import opened
from bot.console.ledger import Ledger, build_ledger
from bot.console.ledger_files import ledger_pdf, ledger_xlsx
from bot.conversation.profile_check import load_checked_profile
from bot.settings import Settings
from storage.profile import ProfileError
from storage.repositories.directory import get_community

ledger_app = typer.Typer(help="The monthly ledger: tickets, certificates, appointments, notices, ratings.",
                         no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def parse_month(text: str) -> date:
    """`2026-11` -> 2026-11-01."""
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise typer.BadParameter(f"'{text}' is not a month like 2026-11", param_hint="--month")
    return date(int(found[1]), int(found[2]), 1)


@ledger_app.command("export")
def export(
    community: Annotated[str, typer.Option(help="Community id from the profile, e.g. qingshui.")],
    month: Annotated[str, typer.Option(help="The month, e.g. 2026-11 (the district's local time).")],
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the workbook here.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the printable PDF here.")] = None,
) -> None:
    """Write the month's ledger; with neither --xlsx nor --pdf, both, named after community and month."""
    first = parse_month(month)
    if xlsx is None and pdf is None:
        stem = f"ledger-{community}-{first:%Y-%m}"
        xlsx, pdf = Path(f"{stem}.xlsx"), Path(f"{stem}.pdf")
    settings = Settings()
    try:
        profile = load_checked_profile(settings.profile_dir)
    except ProfileError as error:
        errors.print(f"[bold red]profile error[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error

    async def build() -> Ledger | None:
        async with opened(settings) as sessions, sessions() as session:
            found = await get_community(session, community)
            return None if found is None else await build_ledger(session, profile, found.id, first)

    ledger = asyncio.run(build())
    if ledger is None:
        errors.print(f"no community '{community}' in the database (run `frontdoor profile load`)")
        raise typer.Exit(1)
    for path, render in ((xlsx, ledger_xlsx), (pdf, ledger_pdf)):
        if path is not None:
            path.write_bytes(render(ledger))
            console.print(f"wrote {path}", highlight=False)
    totals = ledger.totals
    console.print(f"{ledger.title}: {totals.tickets} tickets ({totals.closed} closed, {totals.on_time} on time), "
                  f"{totals.certificates} certificates, {totals.appointments} appointments, {totals.notices} notices, "
                  f"{totals.satisfied} satisfied / {totals.unsatisfied} unsatisfied", highlight=False)
