"""`frontdoor outbox`: what could not be delivered, so staff can reach those residents another way."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.database import opened
from bot.settings import Settings
from storage.repositories import outbox

outbox_app = typer.Typer(help="Messages waiting to be sent, and those that could not be.", no_args_is_help=True)
console = Console()


@outbox_app.command("undeliverable")
def list_undeliverable(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Messages no platform could take (outside WeChat's window, unfollowed, no account), newest first."""
    settings = Settings()

    async def load() -> list[tuple[str, ...]]:
        async with opened(settings) as sessions, sessions() as session:
            return [(str(m.id), m.kind, f"#{m.resident_id or ''}", m.undeliverable_reason or "",
                     m.created_at.strftime("%Y-%m-%d %H:%M"), str(m.payload.get("text", ""))[:60])
                    for m in await outbox.undeliverable(session, limit)]

    table = Table("id", "kind", "resident", "reason", "written", "text")
    for row in asyncio.run(load()):
        table.add_row(*row)
    console.print(table)
