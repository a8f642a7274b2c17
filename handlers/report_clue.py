"""report_clue: a clue for the police (线索), anonymous by default.

The clue is stored with no resident, no contact, no channel and only the day it came
(`storage.models.Clue`); the resident gets a receipt number and a button to leave contact.
Only when they press it and give a phone are the phone and the resident's id stored with it.
Only the police role reads clues (`bot.console.clues.clue_inbox`, under `bot.console.access.may_read_clues`).

What the tables keep, so that someone reading them raw (a database administrator, not any role in
the application) cannot pair a clue with its resident:

- The retry cache's row for every turn of the clue's conversation has no resident, a sealed key
  (`bot.core.seal`: the key names the sender) and only the local day as its time; the reply carrying
  the receipt is recorded as a receipt-less replay (`ctx.replay_replies`).
- The police's alert in the outbox carries no resident and only the local day as its time.
- While the offer to leave contact is open, the conversation state holds a random token, not the
  receipt; the clue holds the token sealed with the server's secret, which is not in the database.

What is left, honestly: while that offer is open the state shows that *a* clue conversation is
under way, and the resident's last-message time (`channel_identities`, `conversations`) is the
moment they sent it; the day's clues are numbered in order. Pairing those needs the day to hold
only a few clues and the resident to write nothing more.
"""

from __future__ import annotations

import secrets

from bot.core.dialogue import DialogueState
from bot.core.messages import InboundMessage, Reply
from bot.office.categories import names_a_category
from bot.office.places import find_place
from handlers import appeal_report
from handlers.base import OFFERABLE_INTENTS, HandlerContext
from handlers.community import resolve_community
from nlu.entities import find_address, find_phones
from nlu.phrasing import ASKING, ASKS_WHAT_COMES_OF_IT, PLACING, REPORT_PREAMBLE, STAYS_NAMELESS, WISH_TO_REPORT
from nlu.result import ParseResult
from storage.profile.schema import StaffRole
from storage.repositories import outbox
from storage.repositories.clues import add_clue, add_to_clue, leave_contact
from storage.repositories.directory import first_staff_with_role

REPLIES: dict[str, tuple[str, ...]] = {
    "ask_clue": (),
    "clue_received": ("receipt",),
    "clue_received_replay": (),
    "choice_leave_contact": (),
    "choice_stay_anonymous": (),
    "clue_ask_contact": (),
    "clue_contact_saved": ("receipt",),
    "clue_stays_anonymous": (),
    "clue_stays_anonymous_more": (),
    "clue_added_to": ("receipt",),
    "clue_added_to_anonymous": ("receipt",),
    "clue_done": (),
    "clue_what_comes_of_it": (),
    "staff_new_clue": ("category", "receipt"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("report_clue",)
FLOW = "report_clue"
FREE_TEXT = "description"
"""Every step waits for free text, so the pipeline hands the next message here, not to another need."""
MIN_CLUE_CHARS = 12
"""Shorter than this ("我要举报", "匿名举报一个传销窝点") is a wish to report: ask what happened, unless
what follows the wish says where (「匿名举报 3栋有人吸毒」): then it is the clue."""
MIN_CONTENT_CHARS = 4
MORE = "more"
"""The step after the clue stays anonymous: more about it is still taken."""
NEW_CLUE_KIND = "clue_received"
MAX_WORDS_AROUND_PHONE = 6


async def answers(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Every step waits for free text but the last: once the clue stays anonymous, only more about it (where,
    when) is taken; another need said clearly is served instead."""
    return not only_takes_more(ctx.state) or _adds_to_it(nlu, ctx) or _asks_what_comes_of_it(nlu)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    step = ctx.state.slots.get("step") if ctx.state.flow == FLOW else None
    text = nlu.text.strip()
    if step == "offer":
        return await _offer_answered(nlu, ctx)
    if step == MORE:
        return await _more_told(nlu, ctx)
    if step == "phone":
        return await _phone_given(nlu, ctx)
    if step == "text" and nlu.intent.name == "deny":
        ctx.state.finish()
        return [ctx.say("flow_cancelled", flow=ctx.wording.render(f"intent_{FLOW}"))]
    if step == "text" and text:
        opening = ctx.state.slots.get("opening", "")
        return [await _store(ctx, f"{opening}\n{text}".strip())]
    tells_something = len(REPORT_PREAMBLE.sub("", text)) >= MIN_CONTENT_CHARS
    if (len(text) >= MIN_CLUE_CHARS and tells_something) or _says_what_and_where(ctx, text):
        return [await _store(ctx, text)]
    told = _report_put_aside(ctx.state)
    if told is not None and not tells_something and STAYS_NAMELESS.search(text):
        # 「不想留名字」 where the report form asked where 「楼下有人开麻将馆…」 is: that, as a clue, not asked again.
        ctx.state.suspended = None
        return [await _store(ctx, told)]
    _await(ctx, "text", opening=text)
    return [ctx.say("ask_clue")]


def _report_put_aside(state: DialogueState) -> str | None:
    """What the resident was reporting when the report form was put aside for this one, if anything."""
    suspended = state.suspended or {}
    told = (suspended.get("slots") or {}).get("description") if suspended.get("flow") == appeal_report.FLOW else None
    return told if isinstance(told, str) and told else None


async def _store(ctx: HandlerContext, text: str) -> Reply:
    await resolve_community(ctx, text)
    settings = ctx.profile.clues
    category = settings.category_of(text)
    token = secrets.token_urlsafe(16)
    clue = await add_clue(ctx.session, community_id=ctx.community.id if ctx.community else None, text=text,
                          category=category.key, prefix=settings.receipt_prefix, timezone=ctx.profile.timezone,
                          now=ctx.now, contact_seal=ctx.seal.of(token))
    receipt = clue.receipt or ""
    if ctx.community is not None:
        police = await first_staff_with_role(ctx.session, ctx.community.id, StaffRole.POLICE.value)
        if police is not None:
            notice = ctx.wording.render("staff_new_clue", receipt=receipt, category=category.name)
            alert = outbox.enqueue(ctx.session, NEW_CLUE_KIND, {"text": notice}, community_id=ctx.community.id,
                                   staff_id=police.id)
            alert.created_at = alert.available_at = clue.created_at
    _await(ctx, "offer", token=token)
    ctx.replay_replies = [ctx.say("clue_received_replay")]
    return ctx.say("clue_received", ctx.choice_of("choice_leave_contact", f"/{FLOW}"),
                   ctx.choice_of("choice_stay_anonymous", "/deny"), receipt=receipt)


async def _offer_answered(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    """The button (`/report_clue`, no words) or yes: ask for a phone; a phone: take it; where, or more about it
    (「就是15栋1单元一楼」, which the classifier reads as a yes): added to the clue; anything else leaves the clue
    anonymous, and a need said meanwhile is offered back as a button."""
    intent, text = nlu.intent.name, nlu.text.strip()
    if _asks_what_comes_of_it(nlu):
        return [_what_comes_of_it(ctx)]
    if _just_a_phone(text):
        return await _phone_given(nlu, ctx)
    if _adds_to_it(nlu, ctx):
        # 「就在8栋地下室」 right after the clue: where it happens, for the same clue; 「他们一般晚上八点以后开始」:
        # when.
        clue = await add_to_clue(ctx.session, ctx.seal.of(ctx.state.slots.get("token", "")), text)
        if clue is not None:
            ctx.replay_replies = [ctx.say("clue_received_replay")]
            return [ctx.say("clue_added_to", ctx.choice_of("choice_leave_contact", f"/{FLOW}"),
                            ctx.choice_of("choice_stay_anonymous", "/deny"), receipt=clue.receipt or "")]
    if (intent == FLOW and not text) or intent == "affirm":
        _await(ctx, "phone", token=ctx.state.slots.get("token", ""))
        return [ctx.say("clue_ask_contact")]
    if (intent == "deny" or STAYS_NAMELESS.search(text)) and not ctx.state.suspended:
        # 「不想留名」: anonymous it stays, and where or when said next (「12栋」「晚上十点以后」) still goes on it;
        # unless a form was put aside for the clue, which is offered back at once.
        _await(ctx, MORE, token=ctx.state.slots.get("token", ""))
        ctx.state.awaiting = None
        return [ctx.say("clue_stays_anonymous_more")]
    ctx.state.finish()
    if intent == FLOW and len(text) >= MIN_CLUE_CHARS:
        return [await _store(ctx, text)]
    offers = (ctx.offer(intent),) if intent in OFFERABLE_INTENTS else ()
    if offers:
        ctx.state.pending_text = text or None
    return [ctx.say("clue_stays_anonymous", *offers)]


async def _phone_given(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if nlu.intent.name == "deny":
        ctx.state.finish()
        return [ctx.say("clue_stays_anonymous")]
    phones = find_phones(nlu.text)
    if not phones:
        _await(ctx, "phone", token=ctx.state.slots.get("token", ""))
        return [ctx.say("phone_invalid")]
    token = ctx.state.slots.get("token", "")
    ctx.state.finish()
    clue = await leave_contact(ctx.session, ctx.seal.of(token), ctx.resident.id, phones[0][0]) if token else None
    return [ctx.say("clue_contact_saved", receipt=clue.receipt if clue is not None else "")]


async def _more_told(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if _asks_what_comes_of_it(nlu):
        return [_what_comes_of_it(ctx)]
    token = ctx.state.slots.get("token", "")
    clue = await add_to_clue(ctx.session, ctx.seal.of(token), nlu.text.strip()) if _adds_to_it(nlu, ctx) else None
    if clue is None:  # 「就这些」「谢谢」: the clue is done
        ctx.state.finish()
        return [ctx.say("clue_done")]
    ctx.replay_replies = [ctx.say("clue_received_replay")]
    return [ctx.say("clue_added_to_anonymous", receipt=clue.receipt or "")]


def _asks_what_comes_of_it(nlu: ParseResult) -> bool:
    """「那你们会去查吗」「查到了会告诉我吗」 right after the clue: a question, not more about the clue, and not a
    goodbye (as the classifier reads the first) or a wish for notices (the second)."""
    text = nlu.text.strip()
    return ASKING.search(text) is not None and ASKS_WHAT_COMES_OF_IT.search(text) is not None \
        and find_address(text) is None


def _what_comes_of_it(ctx: HandlerContext) -> Reply:
    """The police look into it; an anonymous clue's outcome reaches no one, so contact is offered again (its
    buttons work as they did under the receipt)."""
    _await(ctx, "offer", token=ctx.state.slots.get("token", ""))
    return ctx.say("clue_what_comes_of_it", ctx.choice_of("choice_leave_contact", f"/{FLOW}"),
                   ctx.choice_of("choice_stay_anonymous", "/deny"))


def only_takes_more(state: DialogueState) -> bool:
    """The clue stays anonymous, and the bot takes only more about it."""
    return state.flow == FLOW and state.slots.get("step") == MORE


def _adds_to_it(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Where (「就在8栋地下室」), when (「晚上十点以后」) or more words about the clue just given."""
    text = nlu.text.strip()
    short = sum(ch.isalnum() for ch in text) < MIN_CLUE_CHARS
    when = short and nlu.entity("time") is not None and not ASKING.search(text)
    return (len(text) < MIN_CLUE_CHARS and _says_where(ctx, text)) or when or _tells_more(nlu, ctx)


def only_offers_contact(state: DialogueState) -> bool:
    """The clue is stored and the bot only offers to take a phone: a question the resident may ignore."""
    return state.flow == FLOW and state.slots.get("step") == "offer"


def _tells_more(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Words read as a report, or not understood, that name no kind of problem and no place, or start with the place
    (「就在45栋2单元 具体哪家不知道 晚上七八点人最多」): more about the clue just given, not a report of something
    else (which filed as a report would have put the resident's name to the clue's words)."""
    text = nlu.text.strip()
    found = find_address(text)
    places_it = PLACING.match(text) is not None or (found is not None and not text[:found[1]].strip())
    return (nlu.intent.name == appeal_report.FLOW or nlu.is_fallback) and len(text) >= MIN_CONTENT_CHARS \
        and (places_it or not _says_where(ctx, text)) and not names_a_category(ctx.profile, text)


def _says_what_and_where(ctx: HandlerContext, text: str) -> bool:
    content = WISH_TO_REPORT.sub("", text).strip()
    return sum(ch.isalnum() for ch in content) >= MIN_CONTENT_CHARS and _says_where(ctx, content)


def _says_where(ctx: HandlerContext, text: str) -> bool:
    named_place = ctx.community is not None and find_place(ctx.profile, ctx.community.key, text) is not None
    return find_address(text) is not None or named_place


def _just_a_phone(text: str) -> bool:
    """"我的电话是138..." leaves contact; a new clue that mentions someone's number does not."""
    phones = find_phones(text)
    rest = text
    for _, start, end in reversed(phones):
        rest = rest[:start] + rest[end:]
    return bool(phones) and sum(ch.isalnum() for ch in rest) <= MAX_WORDS_AROUND_PHONE


def _await(ctx: HandlerContext, step: str, **slots: str) -> None:
    """Start (or restart) the flow at `step`, keeping only `slots`: nothing else lingers."""
    ctx.state.start(FLOW)
    ctx.state.awaiting = FREE_TEXT
    ctx.state.slots.update(step=step, **slots)
