"""`frontdoor eval conversations FILE`: play a conversation set through the real pipeline and judge it."""

from __future__ import annotations

import asyncio
import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the pipeline and its NLU load only when a command runs
    from bot.conversation.evaluation import Conversation, Report

eval_app = typer.Typer(help="Judge whole conversations against their expected outcomes.", no_args_is_help=True)
console = Console()

EVAL_MOMENT = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
"""Every conversation is held on one Monday morning in office hours, so the figures do not depend on the
day they are measured (relative dates such as 下周三 are read from it)."""


@eval_app.command("conversations")
def eval_conversations(
    file: Annotated[Path, typer.Argument(help="A conversation set (bench/conversations/README.md).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the figures and failures as JSON here.")] = None,
    show: Annotated[int, typer.Option("--show", help="How many failures to print with their transcripts.")] = 20,
) -> None:
    """Print task success, false emergencies, category accuracy and the failures."""
    from bot.conversation.evaluation import load_conversations

    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    try:
        conversations = load_conversations(file)
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="FILE") from None
    report = asyncio.run(play(conversations))
    failures = [p for p in report.played if not p.succeeded]
    for played in failures[:show]:
        console.rule(f"{played.conversation.id}  {played.conversation.voice}", style="red")
        for line, texts in played.transcript:
            console.print(f"[green]resident>[/] {line}", highlight=False)
            for text in texts:
                console.print(f"  [cyan]bot>[/] {text.replace(chr(10), ' / ')[:200]}", highlight=False)
        console.print(f"[red]{'; '.join(played.problems)}[/]", highlight=False)
    figures = report.figures()
    table = Table("figure", "value", title=f"{file}")
    for name, value in figures.items():
        table.add_row(name, str(value))
    console.print(table)
    console.print(f"reproduce: frontdoor eval conversations {file}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"file": str(file), **figures, "failures": [
            {"id": p.conversation.id, "problems": p.problems} for p in failures]}, ensure_ascii=False, indent=1))


async def play(conversations: list[Conversation], *, keyword_categories: bool = False) -> Report:
    """The conversations through the configured profile and NLU, on a fresh SQLite database. With
    `keyword_categories`, reports are filed by keyword counts, as before the profile had examples (the
    baseline the benchmark measures beside)."""
    from dataclasses import replace

    from bot.conversation.evaluation import play_all
    from bot.runtime import start_runtime
    from bot.settings import Settings
    from storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/eval.sqlite"
        upgrade(url)
        settings = Settings().model_copy(update={"database_url": url, "sync_profile_on_start": True})
        runtime = await start_runtime(settings, lambda: EVAL_MOMENT)
        pipeline = runtime.pipeline
        if keyword_categories:
            profile = pipeline.profile
            categories = {key: c.model_copy(update={"examples": []}) for key, c in profile.categories.items()}
            pipeline = replace(pipeline, profile=replace(profile, categories=categories))
        try:
            return await play_all(pipeline, conversations)
        finally:
            await runtime.close()
