"""nlu_fallback: not understood. First a clarifying question, then a person, never a guess; but help asked
with an office matter plainly named is filed (`bot.office.categories.asks_office_to_act`).

When the classifier hesitated between two needs, the question offers exactly those two; the
answer then applies to what the resident first wrote (see `Pipeline.understand`).
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.dialogue import is_a_pick
from bot.core.messages import InboundMessage, Reply
from bot.office.categories import asks_office_to_act
from handlers import appeal_report, appointment_book, appointment_cancel, certificate_request, policy_question
from handlers.appointment_slots import named_service
from handlers.base import OFFERABLE_INTENTS, HandlerContext, menu
from handlers.forms.slot_readers import named_certificate
from handlers.human_handoff import hand_over
from nlu.phrasing import ASKS_FOR_A_DOCUMENT, ASKS_TO_BOOK
from nlu.result import FALLBACK_INTENT, IntentScore, ParseResult
from storage.repositories.appointments import open_appointments_of

REPLIES: dict[str, tuple[str, ...]] = {
    "fallback_clarify": (),
    "fallback_choose": ("first", "second"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = (FALLBACK_INTENT,)
MISSES_BEFORE_PERSON = 2
QUESTIONS = frozenset({"policy_question", "safety_tip"})


def _reading(nlu: ParseResult, intent: str) -> IntentScore | None:
    """The classifier's reading as `intent`, if one of its two best."""
    return next((score for score in nlu.ranking[:2] if score.name == intent), None)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    booking = _reading(nlu, appointment_book.FLOW)
    if booking is not None and ASKS_TO_BOOK.search(nlu.text) and named_service(ctx.profile, nlu.text, described=False):
        # 「…想找个律师问问 能约个法律咨询吗」: torn between a booking and something else, the words name a
        # service the office books; the story before it is why, not another need.
        return await appointment_book.handle(message, replace(nlu, intent=booking, ambiguous=False), ctx)
    certificate = _reading(nlu, certificate_request.FLOW)
    if certificate is not None and ASKS_FOR_A_DOCUMENT.search(nlu.text) \
            and named_certificate(ctx.profile, nlu.text, described=False):
        # 「银行让开个亲属关系证明才能办存款的手续」: the same for a certificate of the catalogue asked for by name.
        return await certificate_request.handle(message, replace(nlu, intent=certificate, ambiguous=False), ctx)
    report = _reading(nlu, appeal_report.FLOW)
    if report is not None and _reading(nlu, appointment_cancel.FLOW) is not None \
            and not await open_appointments_of(ctx.session, ctx.resident.id):
        # 「俺家那个暖气片不热 都一个礼拜了」, torn between a report and cancelling a booking, from someone with none
        # to cancel: the report.
        return await appeal_report.handle(message, replace(nlu, intent=report, ambiguous=False), ctx)
    readings = {score.name for score in nlu.ranking[:2]}
    # Torn between a report and a question (「9栋那个路灯的事儿咋弄」), the resident is asked which they meant.
    reports = appeal_report.FLOW in readings and not readings & QUESTIONS
    if not ctx.state.suspended and not ctx.state.misses and (
            asks_office_to_act(ctx.profile, nlu.text) or (reports and appeal_report.tells_where_what(ctx, nlu.text))):
        # 「包工头拖着工钱不给 能帮俺找个律师不」: whatever need the words are read as, they ask for the office's help
        # with a matter it plainly handles; 「…我们69栋的电梯最近也老是往下一沉」, a report among the readings,
        # names what is wrong and where. Asking "which of these?" first would only delay it.
        return await appeal_report.file_instead(message, nlu, ctx)
    answered = policy_question.answer_from_guides(nlu, ctx)  # a question the classifier could not place
    if answered is not None:
        return answered
    ctx.keep_guide_in_mind()
    ctx.state.misses += 1
    if ctx.state.misses >= MISSES_BEFORE_PERSON:
        return await hand_over(ctx, nlu.text)
    ctx.state.pending_text = None if is_a_pick(nlu.text) else nlu.text or None
    top = [score.name for score in nlu.ranking[:2]]
    if nlu.ambiguous and len(top) == 2 and all(name in OFFERABLE_INTENTS for name in top):
        first, second = (ctx.offer(name) for name in top)
        return [ctx.say("fallback_choose", first, second, ctx.offer("human_handoff"),
                        first=first.label, second=second.label)]
    return [ctx.say("fallback_clarify", *menu(ctx))]
