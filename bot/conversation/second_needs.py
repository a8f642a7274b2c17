"""Two needs in one message (「楼道灯坏了，另外我想开个居住证明」): the first is served, the second is
kept with its own words (a button serves it first), and taken up as soon as the first is done.

A message is split only where the words after a clause boundary clearly ask for another need than
the words before it, both being needs the bot can serve; one need told at length stays whole.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.dialogue import DialogueState
from bot.core.messages import Reply
from bot.office.categories import file_report
from handlers import policy_question
from handlers.base import OFFERABLE_INTENTS, HandlerContext
from nlu.phrasing import (
    ASKING,
    JUST_ASKING,
    NEED_BOUNDARY,
    NOBODY_ACTS,
    OPENING_PARTICLES,
    SENDS_SOMEONE,
    WANTS_TO_TALK,
    without_new_topic,
)
from nlu.result import FALLBACK_INTENT, ConfidencePolicy, IntentScore, NLUBackend, ParseResult
from storage.profile import Profile

REPLIES: dict[str, tuple[str, ...]] = {
    "second_need_noted": ("need", "text"),
    "second_need_now": ("need", "text"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


SECOND_NEED_CONFIDENCE = 0.85
"""How sure the classifier must be of the second need: a split that is wrong loses the first need's words."""
NEEDS = frozenset(OFFERABLE_INTENTS) - {"human_handoff", "emergency"}
FIRST_NEEDS = NEEDS - {"feedback", "request_status"}
"""「不满意 楼道里还是一股臭味」: what follows a rating or a status question is its reason, not a second need."""
SECOND_NEEDS = NEEDS | {"human_handoff"}
"""「登记完帮我转个人工」: a person, after the first need."""
STORY_NEEDS = frozenset({"appeal_report", "certificate_request", "policy_question", FALLBACK_INTENT})
"""What a story told before 「我就想问问…」 is read as, that the question it leads to overrides, whole
(「学校让交困难证明，我就想问问开这个要带什么材料」 asks about a certificate: it does not file a matter or ask
for the certificate yet)."""
MIN_PART_CHARS = 4


@dataclass(frozen=True)
class SecondNeeds:
    profile: Profile
    nlu: NLUBackend
    policy: ConfidencePolicy

    def split(self, said: ParseResult, state: DialogueState) -> tuple[ParseResult, bool]:
        """The reading of the first need's words and whether a second need was put aside (`state.later`)."""
        person_first = said.intent.name == "human_handoff"
        if said.intent.name not in FIRST_NEEDS and not said.is_fallback and not person_first:
            return said, False
        text, agreed = said.text, None
        only_asks = JUST_ASKING.search(text)
        if only_asks and said.intent.name in STORY_NEEDS and ASKING.search(text[only_asks.end():]):
            # 「楼上漏水吵了好几回了，我就想先了解一下，人民调解是怎么个流程？」: a question, with why it is asked.
            return replace(said, intent=IntentScore(policy_question.INTENT, 1.0), ambiguous=False), False
        for boundary in NEED_BOUNDARY.finditer(text):
            first, rest = text[:boundary.start()].strip(), OPENING_PARTICLES.sub("", text[boundary.end():]).strip()
            if min(_chars(first), _chars(rest)) < MIN_PART_CHARS:
                continue
            if person_first and not _turns_to_another_matter(boundary.group()):
                # Read whole as asking for a person, only 「…声控灯不亮了 报完帮我转个人工」 turns to it from a need.
                continue
            before, after = self._read(first), self._read(rest)
            booking = self._why_booked(before, after, first, rest) if not _turns_to_another_matter(boundary.group()) \
                else None
            if booking is not None:  # one need told with its reason: the booking, with all the words
                return replace(said, intent=booking.intent, ambiguous=False), False
            # A clue is one story however long (what, where, when): the police read all of it.
            told_on = before.intent.name == "report_clue" and not _turns_to_another_matter(boundary.group())
            if told_on or after.intent.name not in SECOND_NEEDS or after.intent.confidence < SECOND_NEED_CONFIDENCE \
                    or before.intent.name not in FIRST_NEEDS \
                    or (not _turns_to_another_matter(boundary.group()) and self._against_the_whole(said, before)) \
                    or (after.intent.name == "human_handoff" and _about_the_first(rest)):
                continue
            if before.intent.name != after.intent.name:
                state.later = [after.intent.name, rest]
                return before, True
            agreed = agreed or after.intent
        # A long message the classifier could not place as a whole, whose parts all ask for one need.
        return (replace(said, intent=agreed, ambiguous=False) if said.is_fallback and agreed else said), False

    def noted(self, ctx: HandlerContext) -> Reply:
        """The second need is kept while the first is asked about; a button serves it first instead."""
        assert ctx.state.later is not None
        need, words = ctx.state.later
        return ctx.say("second_need_noted", ctx.offer(need), need=ctx.wording.render(f"intent_{need}"), text=words)

    @staticmethod
    def now(ctx: HandlerContext, need: str, words: str) -> Reply:
        return ctx.say("second_need_now", need=ctx.wording.render(f"intent_{need}"), text=words)

    def _read(self, text: str) -> ParseResult:
        return self.policy.apply(self.nlu.parse(without_new_topic(text)))

    @staticmethod
    def _against_the_whole(said: ParseResult, before: ParseResult) -> bool:
        """The whole message read surely as one need, its first part as another, with no 「另外」「还有」 between
        (「举报19号楼那户，搭了个彩钢棚」 is a report, not a clue): the part read alone lost what the rest said
        about it."""
        return not said.is_fallback and said.intent.confidence >= SECOND_NEED_CONFIDENCE \
            and before.intent.name != said.intent.name


    def _why_booked(self, before: ParseResult, after: ParseResult, first: str, rest: str) -> ParseResult | None:
        """「我想约个律师咨询一下，房东扣着押金不退」「离婚时房子没写清楚… 想约个法律咨询当面问问」: beside a
        booking, a matter about the person (a deposit, a wage, a house), not a place, is what the appointment is
        for, not a second need. The booking's reading, or None."""
        readings = {before.intent.name: (before, first), after.intent.name: (after, rest)}
        if set(readings) != {"appointment_book", "appeal_report"}:
            return None
        booking, matter = readings["appointment_book"][0], file_report(self.profile, readings["appeal_report"][1])
        sure = booking.intent.confidence >= SECOND_NEED_CONFIDENCE
        return booking if sure and matter.confident and not matter.category.asks_where else None


def _about_the_first(rest: str) -> bool:
    """「找个人来看看」「打电话也不接」 after a problem: someone sent to it, or nobody acting on it so far; not a
    person to talk to, unless the words ask for one (「物业不管 我要找人当面谈谈」)."""
    return SENDS_SOMEONE.search(rest) is not None or (
        NOBODY_ACTS.search(rest) is not None and WANTS_TO_TALK.search(rest) is None)


def _turns_to_another_matter(boundary: str) -> bool:
    """A boundary in words (「另外」「还有」「顺便」), not only punctuation or a gap."""
    return any(ch.isalnum() for ch in boundary)


def _chars(text: str) -> int:
    return sum(ch.isalnum() for ch in text)
