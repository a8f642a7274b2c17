"""`frontdoor`: serve, chat as a resident, migrate, check and load profiles, train and try the NLU."""

from __future__ import annotations

import asyncio
import os
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.channels.registry import channels, push_channels
from bot.cli.bench import bench_app
from bot.cli.calendar import calendar_app
from bot.cli.database import opened
from bot.cli.evaluate import eval_app
from bot.cli.faq import faq_app
from bot.cli.ledger import ledger_app
from bot.cli.nlu import nlu_app
from bot.cli.notice import notice_app
from bot.cli.open311 import open311_app
from bot.cli.outbox import outbox_app
from bot.cli.privacy import audit_app, privacy_app
from bot.cli.publicity import publicity_app
from bot.cli.rota import rota_app
from bot.cli.staff import staff_app
from bot.conversation.profile_check import load_checked_profile
from bot.office.reach import Reach, reach_of
from bot.settings import Settings
from storage.clock import system_clock
from storage.profile import Profile, ProfileError

app = typer.Typer(help="The chatbot front door for residential communities.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
profile_app = typer.Typer(help="Community profiles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(profile_app, name="profile")
app.add_typer(faq_app, name="faq")
ticket_app = typer.Typer(help="Staff actions on tickets.", no_args_is_help=True)
app.add_typer(ticket_app, name="ticket")
app.add_typer(nlu_app, name="nlu")
app.add_typer(outbox_app, name="outbox")
app.add_typer(open311_app, name="open311")
app.add_typer(ledger_app, name="ledger")
app.add_typer(privacy_app, name="privacy")
app.add_typer(audit_app, name="audit")
app.add_typer(bench_app, name="bench")
app.add_typer(eval_app, name="eval")
app.add_typer(notice_app, name="notice")
app.add_typer(publicity_app, name="publicity")
app.add_typer(staff_app, name="staff")
app.add_typer(calendar_app, name="calendar")
app.add_typer(rota_app, name="rota")
for channel in channels():  # each channel's own commands: `frontdoor wechat ...`, `frontdoor telegram ...`
    if channel.commands is not None:
        module, _, attribute = channel.commands.partition(":")
        app.add_typer(getattr(import_module(module), attribute), name=channel.name)
console = Console()
errors = Console(stderr=True)

ProfileOption = Annotated[Path | None, typer.Option("--profile", help="Profile folder (default: settings).")]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None, port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes (uvicorn workers) sharing the port.")] = 1,
    fd: Annotated[int | None, typer.Option(
        help="Serve on this listening socket, already bound (systemd socket activation passes 3): it outlives "
             "the server, so connections made during a restart wait instead of being refused.")] = None,
) -> None:
    """Migrate the database, then serve the web app (webhooks, console, Open311 and the demo page)."""
    import uvicorn

    from bot.app import create_app
    from bot.privacy.log_masking import configure_logging
    from storage.migrate import upgrade_unless_unreachable

    configure_logging()  # uvicorn's logs, the access log included, go through it: log_config=None below
    settings = Settings()
    host, port = host or settings.host, port or settings.port
    settings = settings.serving_at(host, port)
    profile = _check_profile(settings.profile_dir)
    upgrade_unless_unreachable(settings.database_url)
    _warn_of_unknown_years(profile)
    if profile.policies_dir.is_dir():
        # Built (or found current) once here, so server processes starting together read it, not each build it.
        from nlu.policy_store import current_library

        current_library(profile.policies_dir, settings.profile_dir, settings.policy_index, settings.public_url,
                        settings.policy_dense)
    where: dict[str, object] = {"fd": fd} if fd is not None else {"host": host, "port": port}
    # uvloop's event loop and httptools' HTTP parser, both C: under load the pure-Python loop and parser took
    # a fifth of a server process's CPU (BENCHMARKS.md, the webhook under load).
    where |= {"loop": "uvloop", "http": "httptools"}
    if workers == 1:
        uvicorn.run(create_app(settings), **where, proxy_headers=True,  # type: ignore[arg-type]
                    forwarded_allow_ips=settings.forwarded_allow_ips, log_config=None)
        return
    from bot.web.processes import prepare_worker_processes

    os.environ["FRONTDOOR_PUBLIC_URL"] = settings.public_url  # the server processes read their settings from there
    prepare_worker_processes(settings)
    # A worker still importing the app on a busy machine answers the supervisor's ping late; at uvicorn's
    # default of 5 s it is killed mid-start and started again.
    uvicorn.run("bot.web.processes:app_from_environment", factory=True, **where, workers=workers,  # type: ignore[arg-type]
                proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips, log_config=None,
                timeout_worker_healthcheck=30)


@app.command()
def worker(name: Annotated[str | None, typer.Option(help="How this worker is named (default: host-pid).")] = None) \
        -> None:
    """Deliver the outbox and run scheduled jobs (deadline reminders, escalations, scheduled and expiring
    notices). Run several against PostgreSQL; stop with Ctrl-C or SIGTERM."""
    import uvloop

    from bot.privacy.log_masking import configure_logging
    from bot.workers.worker import serve_worker

    configure_logging()
    settings = Settings()
    _check_profile(settings.profile_dir)
    uvloop.run(serve_worker(settings, name))


@app.command()
def chat(
    sender: Annotated[str, typer.Option("--as", help="Who you are: any id; the same id is the same resident.")]
    = "terminal-resident",
    community: Annotated[str | None, typer.Option(help="Community id, e.g. baiyang; asked when not given.")] = None,
) -> None:
    """Migrate the database as `serve` does, then write as a resident in the terminal and see the replies and
    ticket numbers."""
    from bot.cli.chat import run_chat
    from storage.migrate import upgrade_unless_unreachable

    settings = Settings()
    _check_profile(settings.profile_dir)
    upgrade_unless_unreachable(settings.database_url)
    asyncio.run(run_chat(settings, sender, community, console))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from storage.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url, revision)
    console.print(f"database at {revision}")


@profile_app.command("check")
def profile_check(profile: ProfileOption = None) -> None:
    """Validate a profile folder; exit 1 with the file and field when it is wrong."""
    loaded = _check_profile(profile or Settings().profile_dir)
    for community in loaded.communities.values():
        buildings = len(loaded.buildings(community.id))
        console.print(f"{community.id}: {community.name}, {len(community.areas)} areas, {buildings} buildings, "
                      f"{len(community.staff)} people on the roster")
    console.print(f"{len(loaded.categories)} categories, {len(loaded.district.intake_types)} intake types: ok")
    _warn_of_unknown_years(loaded)


@profile_app.command("load")
def profile_load(profile: ProfileOption = None) -> None:
    """Mirror the profile's communities, buildings and staff into the database."""
    from storage.profile.sync import sync_profile

    settings = Settings()
    loaded = _check_profile(profile or settings.profile_dir)

    async def load() -> None:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            counts = await sync_profile(session, loaded)
        console.print(f"loaded {counts.communities} communities, {counts.areas} areas, "
                      f"{counts.buildings} buildings, {counts.staff} staff")

    asyncio.run(load())


def _tell_reach(done: str, asked: str, reach: Reach) -> None:
    """What became of the message to the resident, as far as it is known now: queued for their channels (a
    platform that refuses it later shows on the ticket page and in `frontdoor outbox undeliverable`), or no
    channel at all, with the phone to call."""
    if reach.reachable:
        console.print(f"{done}; asking the resident {asked} is queued for {', '.join(reach.channels)} "
                      "(a platform that refuses it shows on the ticket page)")
        return
    call = f"call them on {reach.phone}" if reach.phone else "they left no phone number"
    console.print(f"{done}, but the resident cannot receive messages (no account the bot can write to): {call}")


@ticket_app.command("ready")
def ticket_ready(number: str) -> None:
    """Mark a certificate ready: the resident is told and asked to collect it or have it delivered."""

    from bot.core.errors import TicketNotFoundError
    from bot.office.certificates import mark_ready
    from storage.models import Ticket

    settings = Settings()
    profile = _check_profile(settings.profile_dir)

    async def ready() -> Reach:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            request = await mark_ready(session, profile, number, system_clock())
            ticket = await session.get_one(Ticket, request.ticket_id)
            return await reach_of(session, ticket.resident_id, push_channels())

    try:
        reach = asyncio.run(ready())
    except TicketNotFoundError as error:
        errors.print(str(error))
        raise typer.Exit(1) from error
    _tell_reach(f"{number} is ready", "how to receive it", reach)


@ticket_app.command("close")
def ticket_close(
    number: str,
    staff: Annotated[str, typer.Option("--staff", help="Staff id closing it, e.g. by-area-01.")],
    result: Annotated[str, typer.Option("--result", help="What was done, as the resident will read it.")],
) -> None:
    """Close a ticket with its result: the resident is told and asked 满意 / 不满意."""

    from bot.core.errors import FrontdoorError
    from bot.office.ticket_actions import close_ticket

    settings = Settings()
    profile = _check_profile(settings.profile_dir)

    async def close() -> Reach:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            ticket = await close_ticket(session, profile, number, staff, result, system_clock())
            return await reach_of(session, ticket.resident_id, push_channels())

    try:
        reach = asyncio.run(close())
    except FrontdoorError as error:
        errors.print(f"{error.code}: {error}")
        raise typer.Exit(1) from error
    _tell_reach(f"{number} is closed", "whether they are satisfied", reach)


@ticket_app.command("reply")
def ticket_reply(
    number: str,
    staff: Annotated[str, typer.Option("--staff", help="Staff id from the profile: the ticket's assignee.")],
    text: Annotated[str, typer.Option("--text", help="What the resident reads.")],
) -> None:
    """Answer the resident in an open hand-off (their channel delivers it)."""

    from bot.core.errors import FrontdoorError
    from bot.office.handoffs import reply_to_resident

    settings = Settings()
    profile = _check_profile(settings.profile_dir)

    async def reply() -> None:
        async with opened(settings) as sessions, sessions() as session, session.begin():
            await reply_to_resident(session, profile, number, staff, text, system_clock())

    try:
        asyncio.run(reply())
    except FrontdoorError as error:
        errors.print(str(error))
        raise typer.Exit(1) from error
    console.print(f"reply to {number} queued for the resident")


def _warn_of_unknown_years(profile: Profile) -> None:
    """A year whose holidays nobody knows counts Monday to Friday: say so while there is time to fill it in."""
    from storage.work_calendar import WorkCalendar

    today = system_clock().astimezone(profile.timezone).date()
    for year in WorkCalendar(profile.calendar_days).years_to_fill_in(today):
        errors.print(f"[bold yellow]calendar[/] {year}'s holidays and make-up working days are not known: "
                     f"deadlines count Monday to Friday; add them to {profile.root / 'calendar.yaml'} "
                     f"(`frontdoor calendar check {year}`)", highlight=False, soft_wrap=True)


def _check_profile(path: Path) -> Profile:
    try:
        return load_checked_profile(path)
    except ProfileError as error:
        errors.print(f"[bold red]profile error[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error
