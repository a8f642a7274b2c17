"""`frontdoor staff`: staff accounts on the chat channels."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.database import opened
from bot.errors import FrontdoorError
from bot.settings import Settings
from bot.staff_links import CODE_LIFETIME, issue_link_code

staff_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@staff_app.command("link-code")
def link_code(staff: Annotated[str, typer.Argument(help="Staff id from the profile, e.g. by-area-01.")],
              channel: Annotated[str, typer.Option(help="The chat the code links.")] = "telegram") -> None:
    """A one-time code the staff member sends the bot (`/link CODE`) to receive and act on tickets there."""
    settings = Settings()

    async def issue() -> str:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            return await issue_link_code(session, staff, channel, datetime.now(UTC))

    try:
        code = asyncio.run(issue())
    except FrontdoorError as error:
        errors.print(str(error))
        raise typer.Exit(1) from error
    hours = int(CODE_LIFETIME.total_seconds() // 3600)
    console.print(f"{code}  (send '/link {code}' to the bot within {hours} h; it works once)")
