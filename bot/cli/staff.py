"""`frontdoor staff`: staff accounts on the chat channels."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.database import opened
from bot.console.accounts import add_console_staff, set_password
from bot.core.errors import FrontdoorError
from bot.office.staff_links import CODE_LIFETIME, issue_link_code
from bot.settings import Settings
from storage.clock import system_clock

staff_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@staff_app.command("link")
def link_code(staff: Annotated[str, typer.Argument(help="Staff id from the profile, e.g. by-area-01.")],
              channel: Annotated[str, typer.Option(help="The chat the code links.")] = "telegram") -> None:
    """A one-time code the staff member sends the bot (`/link CODE`) to receive and act on tickets there."""
    settings = Settings()

    async def issue() -> str:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            return await issue_link_code(session, staff, channel, system_clock())

    try:
        code = asyncio.run(issue())
    except FrontdoorError as error:
        errors.print(str(error))
        raise typer.Exit(1) from error
    hours = int(CODE_LIFETIME.total_seconds() // 3600)
    console.print(f"{code}  (send '/link {code}' to the bot within {hours} h; it works once)")


@staff_app.command("add")
def add(
    key: Annotated[str, typer.Argument(help="The staff id they sign in with, e.g. district-admin.")],
    name: Annotated[str, typer.Option(help="Their name as colleagues see it.")],
    role: Annotated[str, typer.Option(help="admin, secretary, area_lead, building_lead, police, window ...")],
    community: Annotated[str | None, typer.Option(help="Community id; none for district-wide staff.")] = None,
) -> None:
    """A console account outside the profile (e.g. an admin); profile loads keep it. Asks for a password."""
    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    _run_staff_change(lambda session: add_console_staff(session, key, name, role, community, password))
    console.print(f"{key} added ({role}); they can sign in at /console")


@staff_app.command("passwd")
def passwd(key: Annotated[str, typer.Argument(help="Staff id, e.g. qs-sec-01.")]) -> None:
    """Set a staff member's console password (asked twice, never shown)."""
    password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    _run_staff_change(lambda session: set_password(session, key, password))
    console.print(f"password of {key} set; their other console sessions are signed out")


def _run_staff_change(change: Callable[[AsyncSession], Awaitable[object]]) -> None:
    settings = Settings()

    async def run() -> None:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            await change(session)

    try:
        asyncio.run(run())
    except (FrontdoorError, ValueError) as error:
        errors.print(str(error))
        raise typer.Exit(1) from error
