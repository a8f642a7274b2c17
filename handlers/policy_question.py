"""policy_question: answered from the community's own policy texts, quoting the passage and naming
its source; when the texts do not cover the question the bot says so and offers a person or a
ticket instead of guessing. A question the texts do not cover that asks the office to act on an office
matter (「包工头拖着工钱不给 能帮俺找个律师不」) is filed as that matter: the resident asked for help, not
for a choice of buttons."""

from __future__ import annotations

from dataclasses import replace

from bot.core.messages import InboundMessage, Reply
from bot.office.categories import asks_office_to_act, names_a_category
from handlers import appeal_report, appointment_book, certificate_request, safety_tip
from handlers.appointment_slots import named_service
from handlers.base import HandlerContext
from handlers.conversation import DENY, GOODBYE, OUT_OF_SCOPE
from handlers.forms.slot_readers import named_certificate
from nlu.phrasing import (
    AGE_TOLD_ALONE,
    ALSO_ASKS,
    ASKING,
    ASKS_FOR_A_DOCUMENT,
    CANNOT_FOLLOW,
    CANNOT_GO_OUT,
    CERTIFICATE_WORD,
    GOES_FOR_SOMEONE,
    GOES_ON,
    TRIED_AND_FAILED,
)
from nlu.policy_index import Hit, names_the_guide
from nlu.result import FALLBACK_INTENT, IntentScore, ParseResult
from storage.profile.schema import Service

REPLIES: dict[str, tuple[str, ...]] = {
    "policy_answer": ("heading", "quote", "title"),
    "policy_form": ("link", "name"),
    "policy_unknown": (),
    "policy_offer_booking": ("service",),
    "policy_offer_home_visit": ("service",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENT = "policy_question"
INTENTS = (INTENT,)
QUOTE_CHARS = 320
"""Long enough for a list of materials, short enough for a phone screen."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if (visit := _home_visit_instead(nlu, ctx)) is not None:
        # The booking button starts from these words and the service's name, which the form reads as its service.
        ctx.state.pending_text = f"{nlu.text} {visit.name}"
        return [ctx.say("policy_offer_home_visit", ctx.offer(appointment_book.FLOW), ctx.offer("human_handoff"),
                        service=visit.name)]
    hit = answer_in_context(nlu.text, ctx) if nlu.text.strip() else None
    helpless = hit is None or TRIED_AND_FAILED.search(nlu.text)
    if helpless and not ctx.state.suspended and asks_office_to_act(ctx.profile, nlu.text):
        return await appeal_report.file_instead(message, nlu, ctx)
    if (hit is None or not ASKING.search(nlu.text)) and not ctx.state.suspended \
            and ASKS_FOR_A_DOCUMENT.search(nlu.text) and named_certificate(ctx.profile, nlu.text):
        # 「孩子报名要个户口方面的证明 派出所让先来社区开」: a certificate asked for, not asked about, whatever guide
        # shares its words.
        request = replace(nlu, intent=IntentScore(certificate_request.FLOW, 1.0))
        return await certificate_request.handle(message, request, ctx)
    booking = _booking_not_spoken_of(ctx, nlu.text, hit)
    if booking is not None:
        ctx.state.pending_text = nlu.text  # the booking button starts from the question's words
    if hit is None:
        return [ctx.say("policy_unknown", ctx.offer("human_handoff"), ctx.offer("appeal_report"),
                        *([ctx.offer(appointment_book.FLOW)] if booking else []))]
    if booking is None:
        return _quote(ctx, hit)
    return [*_quote(ctx, hit), ctx.say("policy_offer_booking", ctx.offer(appointment_book.FLOW), service=booking.name)]


def _booking_not_spoken_of(ctx: HandlerContext, question: str, hit: Hit | None) -> Service | None:
    """「我妈走不动路 能上门办高龄津贴吗」「社保卡丢了怎么补办」: a service the office books, named in a question the
    passage quoted does not speak of (or that no guide answers)."""
    key = named_service(ctx.profile, question, described=False)
    service = ctx.profile.services.get(key or "")
    if service is None or (hit is not None and any(word in hit.passage.text
                                                   for word in (service.name, *service.aliases))):
        return None
    return service


def answer_from_guides(nlu: ParseResult, ctx: HandlerContext) -> list[Reply] | None:
    """A guide's answer to words that ask (「养老金那个认证咋整啊」「居委会电话多少」) whatever need they were read
    as, or None when they do not ask or no guide answers."""
    hit = answer_in_context(nlu.text, ctx) if ASKING.search(nlu.text) else None
    return _quote(ctx, hit) if hit is not None else None


def asks_on_about_the_guide(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「我八十一了 一个月能领多少」 right after the 高龄津贴 guide, beyond the bot to the classifier: a question its
    guide answers. An age told alone there (「我老伴八十三了」) asks whether it is old enough, and 「他腿脚不好 我替他去
    行不行」 (a goodbye to the classifier) who may come instead, whatever need the classifier reads in them."""
    asks = AGE_TOLD_ALONE.search(nlu.text) is not None or (ASKING.search(nlu.text) is not None and (
        nlu.intent.name == OUT_OF_SCOPE or GOES_FOR_SOMEONE.search(nlu.text) is not None))
    return ctx.last_guide is not None and asks and answer_in_context(nlu.text, ctx) is not None


def cannot_follow_the_guide(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """「我不会用手机啊 孩子都不在身边」 right after the 养老金认证 guide's steps on the phone (to the classifier a
    safety tip, 0.8): the resident cannot do it the way just told, and another passage of the guide tells another
    way; or 「我腿脚不好 去不了」 (a goodbye to the classifier) after a guide that tells none, and the office comes to
    the home."""
    return (nlu.intent.name in (OUT_OF_SCOPE, FALLBACK_INTENT, safety_tip.INTENT, INTENT)
            and _another_way(nlu.text, ctx) is not None) or _home_visit_instead(nlu, ctx) is not None


CANNOT_COME_READINGS = (OUT_OF_SCOPE, FALLBACK_INTENT, safety_tip.INTENT, INTENT, GOODBYE, DENY, appeal_report.FLOW)
"""How the classifier reads 「我腿脚不好 去不了」 (a goodbye), 「俺腿脚不方便 下不了楼」 (a report) and the like."""


def _home_visit_instead(nlu: ParseResult, ctx: HandlerContext) -> Service | None:
    """The home-visit service for a resident who says, right after a guide that tells no other way, that they cannot
    come to the office; not for someone coming in their place (「我替他去行不行」), a day that does not suit
    (「明天去不了 后天行吗」) or a problem of the building (「电梯坏了 下不了楼」)."""
    text = nlu.text
    if ctx.last_guide is None or nlu.intent.name not in CANNOT_COME_READINGS or CANNOT_GO_OUT.search(text) is None \
            or GOES_FOR_SOMEONE.search(text) or nlu.entity("time") is not None or names_a_category(ctx.profile, text) \
            or _another_way(text, ctx) is not None:
        return None
    return next((service for service in ctx.profile.services.values() if service.home_visit), None)


def _another_way(question: str, ctx: HandlerContext) -> Hit | None:
    """The passage of the guide just quoted, other than the one quoted, for a resident who cannot follow that one."""
    if ctx.policies is None or ctx.last_guide is None or ctx.last_quoted is None \
            or CANNOT_FOLLOW.search(question) is None or GOES_FOR_SOMEONE.search(question) is not None:
        return None
    return ctx.policies.answer_about(ctx.last_guide, question, other_than=ctx.last_quoted)


def answer_in_context(question: str, ctx: HandlerContext) -> Hit | None:
    """The guides' answer to the question, or, when none answers it alone, the answer to a question that goes on
    about what the resident was at: the guide just quoted (「要带啥材料」), or the certificate of the form open or
    put aside (「开这个证明要带什么」, asked about the 居住证明 being requested), or one the words describe
    (「想办那个坐公交车不要钱的卡要怎么弄」: the 老年优待证)."""
    if ctx.policies is None:
        return None
    if (other_way := _another_way(question, ctx)) is not None:
        return other_way
    # 「那我能申请吗 我一个月退休金两千」 after the 低保 guide: its 申请条件, not the guide 退休 fits best alone;
    # 「他腿脚不好 我替他去行不行」: who may come in the resident's place, in that guide.
    goes_on = GOES_ON.match(question) is not None or GOES_FOR_SOMEONE.search(question) is not None
    hit = ctx.policies.answer_about(ctx.last_guide, question) if ctx.last_guide is not None and goes_on else None
    if hit is None:
        hit = ctx.policies.answer(question)
    if hit is not None and ctx.last_guide is not None and hit.passage.title != ctx.last_guide \
            and not names_the_guide(hit.passage.title, question):
        # 「我们户口不在这里 在老家 也能领吗」 after the 高龄津贴 guide: the same thing for another case, not the
        # 独生子女 guide its words fit alone; 「租房合同是必须的吗」 after the 居住证 guide, whose words it holds as
        # well as the 公租房 guide's; 「居住证也能办吗」 names a guide of its own.
        # The words are weighed first: answering about the guide embeds the question once more.
        source = next((passage.source for passage in ctx.policies.passages if passage.title == ctx.last_guide), None)
        covered = source is not None and ctx.policies.coverage(question, source) >= ctx.policies.coverage(
            question, hit.passage.source)
        if ALSO_ASKS.search(question) or covered:
            hit = ctx.policies.answer_about(ctx.last_guide, question) or hit
    if hit is None and ctx.last_guide is not None and not goes_on:
        hit = ctx.policies.answer_about(ctx.last_guide, question)
    certificate = _certificate_at_hand(ctx) if hit is None else None
    if hit is None and certificate is None:
        certificate = named_certificate(ctx.profile, question)
    if hit is None and certificate is not None:
        name = ctx.profile.certificates[certificate].name
        hit = ctx.policies.answer_about(name, question, title_holds=name.removesuffix(CERTIFICATE_WORD))
    return hit


def _certificate_at_hand(ctx: HandlerContext) -> str | None:
    """The key of the certificate chosen in the certificate form open or put aside."""
    state = ctx.state
    flow, slots = (state.flow, state.slots) if state.flow is not None \
        else ((state.suspended or {}).get("flow"), (state.suspended or {}).get("slots") or {})
    key = slots.get("certificate") if flow == certificate_request.FLOW else None
    return key if isinstance(key, str) and key in ctx.profile.certificates else None


def _quote(ctx: HandlerContext, hit: Hit) -> list[Reply]:
    passage = hit.passage
    ctx.state.guide, ctx.state.quoted = passage.title, passage.heading
    quote = passage.text if len(passage.text) <= QUOTE_CHARS else passage.text[:QUOTE_CHARS].rstrip() + "…"
    replies: list[Reply] = [ctx.say("policy_answer", title=passage.title, heading=passage.heading, quote=quote)]
    if ctx.policies is not None and passage.title != ctx.last_guide:  # not the same links again, message after message
        replies += [ctx.say("policy_form", name=name, link=ctx.policies.form_link(target))
                    for name, target in passage.forms]
    return replies
