"""Reply wording: Markdown files of `## key` sections, each a template with `{field}` blanks.

Here each template is read and checked on its own (not empty, its blanks well formed). Which keys must
exist and which blanks each may use is a contract with the code that renders them, declared next to
that code (`REPLIES` in its module) and checked by the bot when it loads the profile
(`bot.conversation.replies`), so a profile that misses a key or uses an unknown blank still fails on
load instead of in a conversation.
"""

from __future__ import annotations

import re
from string import Formatter

_SECTION = re.compile(r"^##\s+([a-z0-9_]+)\s*$", re.MULTILINE)


def parse_replies(markdown: str) -> dict[str, str]:
    """Split a replies file into {key: template}; text before the first section is a preamble."""
    parts = _SECTION.split(markdown)
    return {key: body.strip() for key, body in zip(parts[1::2], parts[2::2], strict=True)}


def blanks(template: str) -> set[str]:
    """The `{field}` blanks a template uses; ValueError when one is malformed."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def check_replies(replies: dict[str, str]) -> list[str]:
    """Problems with the templates themselves, as `key: message` strings (empty when they are fine)."""
    problems = []
    for key, text in replies.items():
        if not text:
            problems.append(f"{key}: the template is empty")
        try:
            blanks(text)
        except ValueError as error:
            problems.append(f"{key}: {error}")
    return problems
