"""`frontdoor chat`: a terminal REPL where you write as a resident."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from rich.console import Console

from bot.messages import InboundMessage, Reply
from bot.runtime import start_runtime
from bot.settings import Settings

CHANNEL = "terminal"


async def run_chat(settings: Settings, sender: str, community: str | None, console: Console) -> None:
    runtime = await start_runtime(settings)
    console.print(f"[dim]{runtime.profile.district.name} · chatting as '{sender}' · a number picks a choice · "
                  "Ctrl-D to quit[/]")
    last: list[Reply] = []
    try:
        while True:
            try:
                text = console.input("[bold green]resident> [/]").strip()
            except EOFError:
                break
            if not text:
                continue
            text = _choice_payload(text, last)
            message = InboundMessage(CHANNEL, sender, uuid.uuid4().hex, text, datetime.now(UTC), community)
            last = await runtime.pipeline.handle(message)
            for reply in last:
                console.print(f"[bold cyan]bot>[/] {reply.as_plain_text()}", highlight=False)
    finally:
        await runtime.close()


def _choice_payload(text: str, replies: list[Reply]) -> str:
    """A bare number answers the numbered choices of the last reply."""
    choices = [c for r in replies for c in r.choices]
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1].payload
    return text
