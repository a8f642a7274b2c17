"""Not sure what the resident meant: ask which of the two, apply the answer to what was said;
a second miss brings a person. The NLU here is a scripted backend so the ranking is exact."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage
from handlers.base import MENU
from nlu.embedded import EmbeddedClassifier
from nlu.entities import extract_entities
from nlu.result import ConfidencePolicy, IntentScore, ParseResult
from storage.models import Ticket
from storage.profile import Profile
from tests.conftest import MONDAY_10AM, SAFETY_NET


@dataclass
class ScriptedNLU:
    """Answers each known text with a fixed ranking; anything else is out_of_scope at 0.3."""

    rankings: dict[str, list[tuple[str, float]]]

    def parse(self, text: str) -> ParseResult:
        ranking = tuple(IntentScore(n, c) for n, c in self.rankings.get(text, [("out_of_scope", 0.3)]))
        return ParseResult(text, ranking[0], ranking, extract_entities(text))


AMBIGUOUS = "9栋那个路灯的事儿咋弄"


def say(text: str, n: int) -> InboundMessage:
    return InboundMessage("web", "r-1", f"m-{n}", text, MONDAY_10AM, "baiyang")


async def test_close_call_offers_both_needs_and_the_answer_applies_to_the_first_words(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    nlu = ScriptedNLU({AMBIGUOUS: [("appeal_report", 0.46), ("policy_question", 0.41), ("greet", 0.1)]})
    pipeline = Pipeline(sessions, profile, nlu, ConfidencePolicy(), clock=lambda: MONDAY_10AM)

    [question] = await pipeline.handle(say(AMBIGUOUS, 1))
    assert [c.payload for c in question.choices] == ["/appeal_report", "/policy_question", "/human_handoff"]

    await pipeline.handle(say("/appeal_report", 2))

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert ticket.description == AMBIGUOUS
    assert ticket.category_key == "lighting"


async def test_low_confidence_twice_hands_over_to_a_person(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    pipeline = Pipeline(sessions, profile, ScriptedNLU({}), ConfidencePolicy(), clock=lambda: MONDAY_10AM)

    [first] = await pipeline.handle(say("嗯嗯那个", 1))
    assert len(first.choices) == 5
    [second] = await pipeline.handle(say("就是那个事", 2))

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert ticket.category_key == "handoff"
    assert ticket.number is not None
    assert ticket.number in second.text


async def test_a_danger_cue_wins_over_a_more_likely_form(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    text = "有人打电话说我涉嫌洗钱让我转账到安全账户"
    nlu = ScriptedNLU({text: [("appeal_report", 0.6), ("emergency", 0.25), ("report_clue", 0.15)]})
    pipeline = Pipeline(sessions, profile, nlu, ConfidencePolicy(), SAFETY_NET, clock=lambda: MONDAY_10AM)

    reply, _ = await pipeline.handle(say(text, 1))

    assert reply.text == profile.reply_template("baiyang", "emergency_now")


async def test_a_number_alone_with_nothing_offered_is_asked_about_not_taken_for_a_goodbye(
        sessions: async_sessionmaker[AsyncSession], profile: Profile, classifier: EmbeddedClassifier) -> None:
    """「1」 typed with the menu of some earlier day in mind, after an answer that offered nothing: the classifier's
    best guess is a goodbye, which would leave the resident with 「感谢您的反馈」 and nothing done."""
    pipeline = Pipeline(sessions, profile, classifier, ConfidencePolicy(), SAFETY_NET, clock=lambda: MONDAY_10AM)
    await pipeline.handle(say("谢谢", 1))

    [question] = await pipeline.handle(say("1", 2))
    [asked] = await pipeline.handle(say("1", 3))

    assert question.text == profile.reply_template("baiyang", "fallback_clarify")
    assert [c.payload for c in question.choices] == [f"/{intent}" for intent in MENU]
    assert asked.text == profile.reply_template("baiyang", "ask_description")
