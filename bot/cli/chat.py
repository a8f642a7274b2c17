"""`frontdoor chat`: a terminal REPL where you write as a resident, and see what the office sends meanwhile
(a staff reply, a closed ticket and its 满意 / 不满意 question) as it arrives."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text
from sqlalchemy import func, select

from bot.channels.terminal.channel import NAME as CHANNEL
from bot.conversation.offers import offer_choices, with_choices_as_words
from bot.core.messages import Choice, InboundMessage, TextReply, plain_texts
from bot.core.wording import Wording
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings
from bot.workers.polling import poll_until_stopped, running
from storage.models import OutboxMessage
from storage.repositories.inbox import messages_after
from storage.repositories.residents import identity_resident

INBOX_POLL_SECONDS = 1.0
PROMPT = "[bold green]resident> [/]"


async def run_chat(settings: Settings, sender: str, community: str | None, console: Console) -> None:
    runtime = await start_runtime(settings)
    console.print(f"[dim]{runtime.profile.district.name} · chatting as '{sender}' · a number picks a choice · "
                  "Ctrl-D to quit[/]")
    try:
        inbox = TerminalInbox(runtime, sender, console)
        await inbox.show_new()
        async with running(inbox):
            while True:
                try:
                    text = (await asyncio.to_thread(console.input, PROMPT)).strip()
                except EOFError:
                    break
                if not text:
                    continue
                message = InboundMessage(CHANNEL, sender, uuid.uuid4().hex, text, runtime.clock(), community)
                for text in plain_texts(await runtime.pipeline.handle(message)):
                    say(console, "bot>", "bold cyan", text)
    finally:
        await runtime.close()


def say(console: Console, who: str, style: str, text: str) -> None:
    """A line of the conversation, its words as written (brackets are no markup) and left to the terminal to wrap:
    Rich would break Chinese text at its few spaces, after a list's 「· 」, or put it all on the next line."""
    console.print(Text.assemble((who, style), " ", text), soft_wrap=True, highlight=False)


@dataclass
class TerminalInbox:
    """Prints what the office sends this resident from the chat's start on; its choices can be answered by
    number, as the bot's own."""

    runtime: Runtime
    sender: str
    console: Console
    cursor: int | None = None
    """The last outbox id shown or passed over; None until the first look, which passes over everything written
    before the chat started."""

    async def run(self, stop: asyncio.Event) -> None:
        await poll_until_stopped(stop, self.show_new, INBOX_POLL_SECONDS, "terminal inbox")

    async def show_new(self) -> int:
        async with self.runtime.sessions() as session, session.begin():
            if self.cursor is None:
                self.cursor = await session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0))) or 0
            resident_id = await identity_resident(session, CHANNEL, self.sender)
            if resident_id is None:
                return 0
            now = self.runtime.clock()
            shown = await messages_after(session, resident_id, self.cursor, now)
            for message in shown:
                choices = [[label, payload] for label, payload in message.choices]
                offered = await offer_choices(session, self.runtime.profile, resident_id, choices, now)
                reply = TextReply(message.text, tuple(Choice(label, payload) for label, payload in choices)) \
                    if offered is not None or not choices \
                    else TextReply(with_choices_as_words(Wording(self.runtime.profile, None), message.text, choices))
                self.console.print()
                say(self.console, "office>", "bold magenta", plain_texts([reply])[0])
                self.cursor = message.id
            if shown:
                self.console.print(PROMPT, end="")  # the resident's line, which the office's message pushed up
            return len(shown)
