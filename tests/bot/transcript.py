"""Conversation tests as transcripts.

    居民: 帮我开个居住证明        the resident writes this
    居民: [确认]                  the resident presses the button labelled 确认 in the last reply
    助手: 给谁开                  some reply of the bot to the line before (or a button) contains this
    助手: !编号                   ... and none contains this
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage, Reply
from tests.conftest import MONDAY_10AM

_ids = itertools.count()


@dataclass
class Resident:
    pipeline: Pipeline
    sender: str
    community: str | None = "baiyang"
    last: list[Reply] = field(default_factory=list)

    async def say(self, text: str) -> list[Reply]:
        if text.startswith("[") and text.endswith("]"):
            label = text[1:-1]
            choices = [c for reply in self.last for c in reply.choices if c.label == label]
            assert choices, f"no button {label!r} in {[c.label for r in self.last for c in r.choices]}"
            text = choices[0].payload
        message = InboundMessage("web", self.sender, f"{self.sender}-{next(_ids)}", text, MONDAY_10AM, self.community)
        self.last = await self.pipeline.handle(message)
        return self.last


async def play(resident: Resident, transcript: str) -> None:
    for number, raw in enumerate(transcript.strip().splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        who, _, text = line.partition(":")
        text = text.strip()
        if who == "居民":
            await resident.say(text)
            continue
        assert who == "助手", f"line {number}: start with 居民: or 助手:"
        said = "\n".join(r.as_plain_text() for r in resident.last)
        if text.startswith("!"):
            assert text[1:] not in said, f"line {number}: {text[1:]!r} should not be in:\n{said}"
        else:
            assert text in said, f"line {number}: {text!r} not in:\n{said}"
