"""`frontdoor publicity`: put up a 公示, follow its objections, close it with its result."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.notice import StaffOption, run_in_transaction, staff_named
from bot.core.errors import NoticeNotFoundError
from bot.notices.publicity import (
    PublicityDraft,
    PublicityInput,
    PublicityRow,
    close_publicity,
    create_publicity,
    list_publicities,
    publish_outcome,
    publish_publicity,
)
from bot.office.objections import ObjectionRow, objections_of
from storage.clock import system_clock
from storage.models import Publicity, PublicityStage
from storage.profile import Profile
from storage.repositories.directory import get_community

publicity_app = typer.Typer(help="Public notices residents may object to for a window, closed with their result.",
                            no_args_is_help=True)
console = Console()

PublicityId = Annotated[int, typer.Argument(help="The number `publicity create` printed.")]


async def _publicity(session: AsyncSession, publicity_id: int) -> Publicity:
    found = await session.get(Publicity, publicity_id, with_for_update=True)
    if found is None:
        raise NoticeNotFoundError(f"no publicity {publicity_id}")
    return found


@publicity_app.command("create")
def create(
    community: Annotated[str, typer.Option(help="Community id, e.g. baiyang.")],
    subject: Annotated[str, typer.Option(help="A subject of participation.yaml, e.g. dibao.")],
    title: Annotated[str, typer.Option(help="The title residents read.")],
    body: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="The text residents read (a text file).")],
    area: Annotated[list[str] | None, typer.Option(help="An area key it is put up in (repeat); none: all.")] = None,
    building: Annotated[list[str] | None, typer.Option(help="A building it is put up in (repeat).")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="The objection window; default from the profile.")]
    = None,
    staff: StaffOption = None,
) -> None:
    """Write a 公示 as a draft; prints its number and the names it seems to list, for you to check."""
    data = PublicityInput(subject=subject, title=title, body=body.read_text(encoding="utf-8"),
                          area_keys=area or [], building_numbers=building or [], window_days=days)

    async def work(session: AsyncSession, profile: Profile) -> PublicityDraft:
        found = await get_community(session, community)
        if found is None:
            raise LookupError(f"no community {community!r} (run `frontdoor profile load`)")
        return await create_publicity(session, profile, found, data, await staff_named(session, staff),
                                      system_clock())

    draft = run_in_transaction(work)
    console.print(f"publicity {draft.publicity.id} written as a draft ({draft.publicity.window_days}-day window)")
    if draft.names:
        expected = "" if draft.names_expected else " (this subject does not usually list people: check)"
        console.print(f"[yellow]it names {len(draft.names)} people: {', '.join(draft.names)}{expected}[/yellow]")


@publicity_app.command("publish")
def publish(publicity_id: PublicityId) -> None:
    """Send it to the subscribers in its target with 「我有异议」; it closes by itself when the window ends."""
    async def work(session: AsyncSession, profile: Profile) -> tuple[int, Publicity]:
        publicity = await _publicity(session, publicity_id)
        return await publish_publicity(session, profile, publicity, system_clock()), publicity

    recipients, publicity = run_in_transaction(work)
    assert publicity.closes_at is not None
    console.print(f"publicity {publicity_id}: {recipients} deliveries queued; objections taken until "
                  f"{publicity.closes_at:%Y-%m-%d %H:%M %z}")


@publicity_app.command("close")
def close(publicity_id: PublicityId, outcome: Annotated[str | None, typer.Option(
        help="How the objections were handled, as residents will read it.")] = None) -> None:
    """Close it now and publish its result (无异议, or 有异议 with the outcome); on one closed while its
    objections were looked into, publish the outcome."""
    async def work(session: AsyncSession, profile: Profile) -> int:
        publicity = await _publicity(session, publicity_id)
        if publicity.stage == PublicityStage.CLOSED and outcome:
            return (await publish_outcome(session, profile, publicity, outcome, system_clock())).recipients or 0
        result = await close_publicity(session, profile, publicity, system_clock(), outcome)
        return result.recipients or 0

    console.print(f"publicity {publicity_id} closed; its result goes to {run_in_transaction(work)} residents")


@publicity_app.command("list")
def list_all() -> None:
    """Every 公示, newest first, with its window and objections."""
    async def work(session: AsyncSession, profile: Profile) -> tuple[list[PublicityRow], tzinfo]:
        return await list_publicities(session, None), profile.timezone

    table = Table("id", "subject", "title", "stage", "window ends", "objections")
    rows, zone = run_in_transaction(work)
    for row in rows:
        ends = row.publicity.closes_at
        table.add_row(str(row.publicity.id), row.publicity.subject, row.publicity.title, row.publicity.stage,
                      f"{ends.astimezone(zone):%Y-%m-%d %H:%M}" if ends else "", str(row.objections))
    console.print(table)


@publicity_app.command("objections")
def objections(publicity_id: PublicityId) -> None:
    """Its objections: ticket, status, and whether the resident left contact (shown only as given or not)."""
    async def work(session: AsyncSession, profile: Profile) -> tuple[list[ObjectionRow], tzinfo]:
        return await objections_of(session, publicity_id), profile.timezone

    table = Table("ticket", "status", "due", "contact left")
    rows, zone = run_in_transaction(work)
    for row in rows:
        due = row.ticket.due_at.astimezone(zone)
        contact = "yes" if row.objection.name or row.objection.phone else "anonymous"
        table.add_row(row.ticket.number or "", row.ticket.status, f"{due:%Y-%m-%d %H:%M}", contact)
    console.print(table)
