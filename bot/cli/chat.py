"""`frontdoor chat`: a terminal REPL where you write as a resident."""

from __future__ import annotations

import uuid

from rich.console import Console

from bot.core.messages import InboundMessage, plain_texts
from bot.runtime import start_runtime
from bot.settings import Settings

CHANNEL = "terminal"


async def run_chat(settings: Settings, sender: str, community: str | None, console: Console) -> None:
    runtime = await start_runtime(settings)
    console.print(f"[dim]{runtime.profile.district.name} · chatting as '{sender}' · a number picks a choice · "
                  "Ctrl-D to quit[/]")
    try:
        while True:
            try:
                text = console.input("[bold green]resident> [/]").strip()
            except EOFError:
                break
            if not text:
                continue
            message = InboundMessage(CHANNEL, sender, uuid.uuid4().hex, text, runtime.clock(), community)
            for text in plain_texts(await runtime.pipeline.handle(message)):
                console.print(f"[bold cyan]bot>[/] {text}", highlight=False)
    finally:
        await runtime.close()
