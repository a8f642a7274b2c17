"""The form engine every multi-step flow shares; the flows themselves are data (profile flows.yaml).

Each message may fill several slots (「帮我约明天下午三点的法律咨询，电话13912345678」 fills three),
only what is still missing is asked, a full form is confirmed before anything is stored, and
`deny` (「算了」) cancels. Answers after the confirmation question may still correct a slot.
How a slot of a given kind is recognised and checked lives in `handlers.forms.slot_readers`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bot.core.dialogue import DialogueState
from bot.core.messages import Choice, Reply
from handlers.base import ASKED, HandlerContext, asked_with_a_way_out
from handlers.forms.slot_kinds import READERS, ask_slot
from handlers.forms.slot_readers import MISTYPED_NUMBER_DIGITS
from nlu.phrasing import (
    ABOUT_A_NUMBER,
    AGREES_WITH_THANKS,
    ASKING,
    CHOICE_LEADS,
    CORRECTING,
    GOES_AHEAD,
    LEAVES_NONE,
    SAYS_WHAT_FOR,
    THANKS_ONLY,
    cancels,
)
from nlu.result import ParseResult
from nlu.vocabulary import matcher
from storage.profile.schema import FlowSpec, SlotSpec

REPLIES: dict[str, tuple[str, ...]] = {
    "flow_cancelled": ("flow",),
    "confirm_still_open": ("flow",),
    "answer_noted_aside": ("words",),
    "answer_not_given": (),
    "choice_confirm": (),
    "choice_cancel": (),
    "ask_certificate": (),
    "ask_for_whom": (),
    "ask_purpose": (),
    "ask_phone": (),
    "ask_visit_address": (),
    "ask_id_number": (),
    "confirm_certificate": ("certificate", "for_whom", "id_number", "phone", "purpose"),
    "ask_service": (),
    "ask_time": ("location", "service"),
    "confirm_appointment": ("location", "phone", "service", "time"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


CONFIRM = "__confirm__"
"""The `awaiting` value while the bot waits for yes or no to its summary."""
NUMBER_KINDS = frozenset({"id_number", "phone"})

Action = Callable[[HandlerContext], Awaitable[list[Reply]]]
Summary = Callable[[HandlerContext], Awaitable[Mapping[str, object]]]
"""The blanks of the flow's confirmation reply, from the filled slots."""
Needs = Callable[[SlotSpec, HandlerContext], bool]
"""Whether a slot that is not `required` must still be asked, given what the form holds so far."""


def _never(slot: SlotSpec, ctx: HandlerContext) -> bool:
    return False


async def run_form(flow_key: str, nlu: ParseResult, ctx: HandlerContext, summary: Summary,
                   action: Action, needs: Needs = _never) -> list[Reply]:
    spec = ctx.profile.flows[flow_key]
    state = ctx.state
    if state.flow != flow_key:
        state.start(flow_key)
    gives_value, sets_value, problem = False, False, None
    aside: SlotSpec | None = None  # a free-text question answered while another was asked
    for slot in spec.slots:
        # Slots are read in order and applied at once: the time slot needs the service just read.
        outcome = await READERS[slot.kind](slot, nlu, ctx, state.awaiting == slot.name)
        if outcome is None:
            continue
        if outcome.stop:
            state.finish()
            return list(outcome.replies)
        if outcome.value is not None and _may_set(state, slot.name, nlu.text):
            state.slots[slot.name], gives_value, sets_value = outcome.value, True, True
            aside = slot if slot.kind == "text" and state.awaiting not in (None, slot.name, CONFIRM) else aside
        elif outcome.value is not None and outcome.value == state.slots.get(slot.name):
            gives_value = True  # 「我妈」 again, asked for the ID number: an answer already taken, not a wrong one
        elif outcome.partial and state.awaiting == slot.name:
            gives_value = True  # 「我住12号楼」 asked the address: the rest (which door) is asked next
        if outcome.replies and problem is None and _may_set(state, slot.name, nlu.text):
            # 「北门外平房区5号」 asked the address: not the 5th, a time already chosen and not asked again.
            problem = (slot.name, list(outcome.replies))
    # 「办我阿爸的退休金继承手续」 asked the ID number: 阿爸 again, and what the certificate is for at last.
    stray = _text_slot_answered(spec, state, nlu) if not sets_value else None
    if stray is not None:
        state.slots[stray.name], gives_value, problem, aside = nlu.text.strip(), True, None, stray
    if _passed_over(spec, state, nlu, sets_value):
        # 「139 1234 5678」 or 「确认」 where the form asks what the certificate is for: the resident goes on past
        # the question; the summary says it was not answered, and staff ask when they call.
        state.slots[state.awaiting or ""] = ctx.wording.render("answer_not_given")
        problem = None if problem is not None and problem[0] == state.awaiting else problem
        gives_value = True
    if gives_value:  # asked again after an answer to something else is no loop: the count starts over
        state.slots.pop(f"{ASKED}{state.awaiting}", None)
    optional = next((slot for slot in spec.slots if slot.name == state.awaiting and not slot.required), None)
    if not gives_value and optional is not None and (GOES_AHEAD.match(nlu.text) or LEAVES_NONE.match(nlu.text)):
        state.slots[optional.name] = ""
        if GOES_AHEAD.match(nlu.text) and not _missing(spec, ctx, needs):
            return await action(ctx)
        return await _next_question(spec, ctx, summary, needs)
    # A message that gives a value is an answer or a correction, even if it reads like "no"
    # (「电话写错了，是139…」); only a message that gives nothing can cancel or confirm.
    # The 取消 button (a "no" with no words), or 「取消」 typed at the summary whatever need it reads as.
    pressed_no = nlu.intent.name == "deny" and not nlu.text.strip()
    typed_no = cancels(nlu.text) and (nlu.intent.name == "deny" or state.awaiting == CONFIRM)
    if not gives_value and (pressed_no or typed_no):
        state.finish()
        return [ctx.say("flow_cancelled", flow=spec.name)]
    if not gives_value and state.awaiting == CONFIRM and confirms(nlu):
        return await action(ctx)
    if not gives_value and state.awaiting == CONFIRM and THANKS_ONLY.match(nlu.text):
        # 「谢谢」 to 「确认预约吗？」: the resident may think it done; told it is not, without the whole summary again.
        return [ctx.say("confirm_still_open", *_confirm_choices(ctx), flow=spec.name)]
    # A message that answered another question (「给我本人开」 asked which certificate, 「先记我电话138…」 asked
    # the ID number) is not told its words are no answer to this one: the question is simply asked again.
    if problem is not None and not (gives_value and problem[0] == state.awaiting):
        state.awaiting = problem[0]
        return asked_with_a_way_out(ctx, problem[0], problem[1])
    asked = await _next_question(spec, ctx, summary, needs)
    if aside is None or state.awaiting == CONFIRM:
        return asked
    # Asked again for the ID number after saying what the certificate is for: told the words were heard.
    return [ctx.say("answer_noted_aside", words=state.slots[aside.name]), *asked]


def confirms(nlu: ParseResult) -> bool:
    """A yes to the summary: 「确认」「对」, or 「好的谢谢」 (a goodbye to the classifier)."""
    return nlu.intent.name == "affirm" or AGREES_WITH_THANKS.match(nlu.text) is not None


def _confirm_choices(ctx: HandlerContext) -> tuple[Choice, Choice]:
    return ctx.choice_of("choice_confirm", "/affirm"), ctx.choice_of("choice_cancel", "/deny")


def _may_set(state: DialogueState, slot_name: str, text: str) -> bool:
    """An answer fills the slot asked, or one still empty; a slot already filled changes only when it is the
    one asked, at the summary, or in a correction (「不对 是我自己的」), not because a word in passing names it."""
    return state.awaiting in (slot_name, CONFIRM) or slot_name not in state.slots or CORRECTING.match(text) is not None


def _passed_over(spec: FlowSpec, state: DialogueState, nlu: ParseResult, sets_value: bool) -> bool:
    """Whether the free-text question asked was passed over: another question answered instead, or 「确认」. An
    earlier answer corrected (「不对 身份证是1101…」 asked what the certificate is for) passes nothing over: the
    question is asked again."""
    awaited = next((slot for slot in spec.slots if slot.name == state.awaiting), None)
    corrects = CORRECTING.match(nlu.text) is not None
    return awaited is not None and awaited.kind == "text" and awaited.name not in state.slots \
        and ((sets_value and not corrects) or GOES_AHEAD.match(nlu.text) is not None)


def _text_slot_answered(spec: FlowSpec, state: DialogueState, nlu: ParseResult) -> SlotSpec | None:
    """「办我阿爸的退休金继承手续」 typed where the ID number is asked: the answer to the form's free-text
    question still open (what the certificate is for), given in the resident's own order. Only words
    that say what something is for, without digits, not about the number asked (「他身份证找不到了」), not a
    question or a "no"; 「东门」 there is a stray word, not a purpose."""
    awaited = next((slot for slot in spec.slots if slot.name == state.awaiting), None)
    text = nlu.text.strip()
    if awaited is None or awaited.kind not in NUMBER_KINDS or not text or any(ch.isdigit() for ch in text) \
            or ABOUT_A_NUMBER.search(text) or not SAYS_WHAT_FOR.search(_without_choices(spec, text)) \
            or nlu.intent.name in ("deny", "human_handoff") or cancels(text):
        return None
    return next((slot for slot in spec.slots if slot.kind == "text" and slot.name not in state.slots), None)


def _without_choices(spec: FlowSpec, text: str) -> str:
    """The words less the form's choices they name, with the word that leads to one: 「给我儿子开」 says for whom
    (给 is no purpose there); 「办我阿爸的退休金继承手续」 still says what for."""
    words = {option: [option, *slot.synonyms.get(option, [])]
             for slot in spec.slots if slot.kind == "choice" for option in slot.options}
    kept, at = [], 0
    for _, _, start, end in matcher({"option": words}).find(text) if words else ():
        lead = start - 1 if start > at and text[start - 1] in CHOICE_LEADS else start
        kept.append(text[at:lead])
        at = end
    return "".join([*kept, text[at:]])


async def answers_slot(flow_key: str, nlu: ParseResult, ctx: HandlerContext, *, outright: bool = True) -> bool:
    """Whether the message answers the form (so it is not read as a new need): the question it waits on,
    or, unless `outright` is off, another of its questions said outright (「她电话138…」 while the ID number is
    asked) or its free-text question answered in the resident's own order (`_text_slot_answered`)."""
    spec, awaiting = ctx.profile.flows[flow_key], ctx.state.awaiting
    if awaiting == CONFIRM and (nlu.intent.name == "deny" or confirms(nlu) or THANKS_ONLY.match(nlu.text)):
        return True
    for slot in spec.slots:
        if not outright and slot.name != awaiting:
            continue
        outcome = await READERS[slot.kind](slot, nlu, ctx, slot.name == awaiting)
        if outcome is not None and slot.name == awaiting and slot.kind in NUMBER_KINDS and outcome.replies \
                and sum(ch.isdigit() for ch in nlu.text) >= MISTYPED_NUMBER_DIGITS:
            return True  # 「138-1234-567」 asked the phone: a number mistyped, told so, not another need
        if outcome is not None and outcome.partial and slot.name == awaiting:
            return True
        if outcome is None or (outcome.value is None and not outcome.stop):
            continue
        if slot.name == awaiting or outcome.stop or _tells_more(slot, outcome.value, nlu, ctx.state):
            return True
    return outright and _text_slot_answered(spec, ctx.state, nlu) is not None


def _tells_more(slot: SlotSpec, value: object, nlu: ParseResult, state: DialogueState) -> bool:
    """Whether another of the form's questions, said outright, adds to the form: something it does not know yet,
    not inside a question about something else. 「对了先问下 医保断缴了咋补交」 names the service already being
    booked and 「高龄津贴是怎么领的？我妈今年八十了」 a relative while the resident's own ID is asked: both ask
    another thing, and are answered before the form goes on."""
    return state.slots.get(slot.name) != value and (CORRECTING.search(nlu.text) is not None
                                                    or ASKING.search(nlu.text) is None)


def _missing(spec: FlowSpec, ctx: HandlerContext, needs: Needs) -> SlotSpec | None:
    return next((slot for slot in spec.slots
                 if slot.name not in ctx.state.slots and (slot.required or needs(slot, ctx))), None)


async def _next_question(spec: FlowSpec, ctx: HandlerContext, summary: Summary, needs: Needs) -> list[Reply]:
    missing = _missing(spec, ctx, needs)
    if missing is not None:
        ctx.state.awaiting = missing.name
        return asked_with_a_way_out(ctx, missing.name, [await ask_slot(missing, ctx)])
    ctx.state.awaiting = CONFIRM
    return [ctx.say(spec.confirm, *_confirm_choices(ctx), **await summary(ctx))]
