"""A resident taking part in the community's decisions, read from the profile's cue words
(`participation.yaml`), which no intent of the inventory names: an objection to a 公示 (「对低保公示有意见」),
a wish to vote (「我要投票」), a suggestion for the community (「我有个建议」)."""

from __future__ import annotations

from dataclasses import replace

from nlu.result import IntentScore, ParseResult
from storage.profile import Profile

PUBLICITY_OBJECTION = "publicity_objection"
VOTE = "vote"
SUGGESTION = "suggestion"
_NOT_TAKEN_OVER = frozenset({"emergency", "report_clue", "human_handoff"})
"""Danger, a clue for the police and a wish for a person go where they always go, whatever else is said."""
_READ_AMISS = frozenset({"report_clue"})
"""Except where the classifier misreads the cue itself: 「我有个建议」 and a bare 「我有异议」 sound to it like
「我有个线索」."""


def taking_part(profile: Profile, nlu: ParseResult) -> ParseResult:
    """`nlu` with the intent of the part the resident takes, when their words name one; else unchanged."""
    intent = part_named(profile, nlu.text)
    if intent is None:
        return nlu
    misread = nlu.intent.name in _READ_AMISS and (intent == SUGGESTION or _bare(nlu.text))
    if nlu.intent.name in _NOT_TAKEN_OVER and not misread:
        return nlu
    return replace(nlu, intent=IntentScore(intent, 1.0))


BARE_OBJECTION_CHARS = 8
"""「我有异议」「我不同意」, said alone (as a 公示 asks residents to reply), object to it without naming it."""


def part_named(profile: Profile, text: str) -> str | None:
    publicity, deliberation = profile.participation.publicity, profile.participation.deliberation
    if publicity is not None and any(word in text for word in publicity.objection_words):
        names = [*publicity.publicity_words, *(name for s in publicity.subjects for name in (s.name, *s.aliases))]
        if any(name in text for name in names) or _bare(text):
            return PUBLICITY_OBJECTION
    if deliberation is not None:
        if any(word in text for word in deliberation.suggestion_words):
            return SUGGESTION
        if any(word in text for word in deliberation.vote_words):
            return VOTE
    return None


def _bare(text: str) -> bool:
    return len(text.strip()) <= BARE_OBJECTION_CHARS
