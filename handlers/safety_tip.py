"""safety_tip: how to stay safe, by topic from the profile (`safety_tips.yaml`).

The topic is the one whose keywords the message matches most, or the one a menu button names, or, for words
that go on from what was said before (「那我以后咋防着点」), the one the conversation's last words match;
within a topic, tips whose own keywords match are shown alone (one kind of fraud), else all.
Every answer ends with the line that the community never asks for money, passwords or codes.
"""

from __future__ import annotations

from bot.core.messages import Choice, InboundMessage, Reply, TextReply
from handlers.base import HandlerContext
from nlu.features import with_heard_keywords
from nlu.payloads import button_payload
from nlu.phrasing import GOES_ON
from nlu.result import ParseResult
from storage.profile.engagement import SafetyTip, SafetyTopic

REPLIES: dict[str, tuple[str, ...]] = {
    "not_yet_online": (),
    "safety_topics": (),
    "safety_tip": ("tips", "topic"),
    "safety_tip_line": ("text", "title"),
    "safety_never_asks": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENT = "safety_tip"
INTENTS = (INTENT,)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    topics = ctx.profile.safety_topics
    if not topics:
        return [ctx.say("not_yet_online", ctx.offer("human_handoff"))]
    chosen = nlu.entity("topic")
    topic = topics.get(chosen.value) if chosen else match_topic(list(topics.values()), nlu.text)
    if topic is None and GOES_ON.match(nlu.text) and ctx.state.recent:
        # 「那我以后咋防着点」 after telling of a fraud call: the topic is the one the conversation is about.
        topic = match_topic(list(topics.values()), " ".join(ctx.state.recent))
    if topic is None:
        menu = (Choice(t.name, button_payload("safety_tip", topic=t.key)) for t in topics.values())
        return [ctx.say("safety_topics", *menu)]
    tips = [tip for tip in topic.tips if _hits(tip.keywords, nlu.text)] or topic.tips
    return [tip_reply(ctx, topic, tips)]


def match_topic(topics: list[SafetyTopic], text: str) -> SafetyTopic | None:
    text = with_heard_keywords(tuple(sorted({k for topic in topics for k in topic.keywords})), text)
    best = max(topics, key=lambda topic: _hits(topic.keywords, text))
    return best if _hits(best.keywords, text) else None


def tip_reply(ctx: HandlerContext, topic: SafetyTopic, tips: list[SafetyTip]) -> TextReply:
    lines = "\n".join(ctx.wording.render("safety_tip_line", title=tip.title, text=tip.text) for tip in tips)
    body = ctx.wording.render("safety_tip", topic=topic.name, tips=lines)
    return TextReply(f"{body}\n{ctx.wording.render('safety_never_asks')}")


def _hits(keywords: list[str], text: str) -> int:
    return sum(1 for keyword in keywords if keyword in text)
