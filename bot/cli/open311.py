"""`frontdoor open311`: API keys for civic tools that file requests through the Open311 API."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.database import opened
from bot.settings import Settings
from storage.clock import system_clock
from storage.repositories import api_keys
from storage.repositories.directory import get_community, get_community_by_id

open311_app = typer.Typer(help="The Open311 GeoReport v2 API (/open311/v2/).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@open311_app.command("key-create")
def key_create(
    name: Annotated[str, typer.Argument(help="Who uses the key, e.g. city-311-portal.")],
    community: Annotated[str | None, typer.Option("--community", help=(
        "Community key the key files for; without it, requests name theirs (jurisdiction_id or location)."))] = None,
) -> None:
    """Create an API key and print it once: only its hash is kept."""
    if not 0 < len(name) <= 60:
        errors.print("NAME: 1 to 60 characters")
        raise typer.Exit(2)
    settings = Settings()

    async def create() -> tuple[int, str] | None:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            found = await get_community(session, community) if community else None
            if community and found is None:
                return None
            key, plain = await api_keys.create_api_key(session, name, found.id if found else None, system_clock())
            return key.id, plain

    created = asyncio.run(create())
    if created is None:
        errors.print(f"no community '{community}'; load the profile first (`frontdoor profile load`)")
        raise typer.Exit(1)
    key_id, plain = created
    console.print(f"key {key_id} for {name}" + (f" (community {community})" if community else ""))
    console.print("store it now; it is not shown again:", style="bold")
    print(plain)  # plain stdout, never wrapped or styled, so it can be piped


@open311_app.command("key-list")
def key_list() -> None:
    """The keys (never their values): id, name, community, active."""
    settings = Settings()

    async def load() -> list[tuple[str, ...]]:
        async with opened(settings) as sessions, sessions() as session:
            rows: list[tuple[str, ...]] = []
            for key in await api_keys.list_api_keys(session):
                owner = (await get_community_by_id(session, key.community_id)).key if key.community_id else "-"
                rows.append((str(key.id), key.name, owner, "yes" if key.active else "no",
                             key.created_at.strftime("%Y-%m-%d")))
            return rows

    table = Table("id", "name", "community", "active", "created")
    for row in asyncio.run(load()):
        table.add_row(*row)
    console.print(table)


@open311_app.command("key-revoke")
def key_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see key-list).")]) -> None:
    """Deactivate a key: requests with it are refused with 403 from now on."""
    settings = Settings()

    async def revoke() -> bool:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            return await api_keys.revoke_api_key(session, key_id) is not None

    if not asyncio.run(revoke()):
        errors.print(f"no key {key_id}")
        raise typer.Exit(1)
    console.print(f"key {key_id} revoked")
