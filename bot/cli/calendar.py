"""`frontdoor calendar`: whether the working-day calendar knows a year (deadlines count 工作日)."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import Settings
from storage.profile import load_profile
from storage.work_calendar import WorkCalendar

calendar_app = typer.Typer(help="Working days: national holidays, make-up working days and the profile's own.",
                           no_args_is_help=True)
console = Console()


@calendar_app.command("check")
def check(year: Annotated[int, typer.Argument(min=2004, max=2100)]) -> None:
    """Whether YEAR's holidays and make-up working days are known; exit 1 when they are not."""
    settings = Settings()
    profile = load_profile(settings.profile_dir)
    known = WorkCalendar(profile.calendar_days).known(year)
    package = f"chinese-calendar {version('chinese-calendar')}"
    overrides = settings.profile_dir / "calendar.yaml"
    if known.national:
        console.print(f"{year}: known: national holidays and make-up working days from {package}; "
                      f"{overrides} sets {known.overrides} day(s) in it.", highlight=False)
        return
    if known.overrides:
        console.print(f"{year}: set by {overrides} ({known.overrides} day(s)); {package} does not know it.",
                      highlight=False)
        return
    console.print(f"[bold red]{year}: not known[/]: {package} does not know it and {overrides} sets no day in it, "
                  "so Monday to Friday are taken as working days. Add the year's holidays and make-up working days "
                  f"from the State Council's notice to {overrides} (holidays: / workdays:), or upgrade "
                  "chinese-calendar once a release knows the year.", highlight=False)
    raise typer.Exit(1)
