"""greet, goodbye and small answers outside any flow; out_of_scope gets what the bot can do."""

from __future__ import annotations

from bot.core.messages import Choice, InboundMessage, Reply
from bot.office.duplicates import DIFFERENT_INTENT
from handlers.base import HandlerContext, menu
from handlers.community import home_said
from nlu.payloads import read_button_payload
from nlu.result import ParseResult
from storage.repositories.directory import get_building

REPLIES: dict[str, tuple[str, ...]] = {
    "greet": ("community",),
    "goodbye": (),
    "pick_one_offered": (),
    "acknowledged": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


GREETING = "greet"
GOODBYE = "goodbye"
DENY = "deny"
AFFIRM = "affirm"
PICK_ONE_OFFERED = "pick_one_offered"
OUT_OF_SCOPE = "out_of_scope"
INTENTS = (GREETING, GOODBYE, AFFIRM, DENY, OUT_OF_SCOPE)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    intent = nlu.intent.name
    await _note_home(ctx, nlu.text)
    if intent in ("goodbye", "deny"):
        return [ctx.say("goodbye")]
    if intent == OUT_OF_SCOPE:
        ctx.keep_guide_in_mind()
        return [ctx.say("out_of_scope", *menu(ctx))]
    if intent == AFFIRM and _only_heard(ctx) and ctx.state.recent:
        # 「嗯」「好的」 after a report was filed or a guide quoted: heard, not a hello to answer with the menu.
        return [ctx.say("acknowledged")]
    if intent == AFFIRM and len(ctx.state.offered) > 1:
        # 「要」 to 「您是想订阅通知，还是退订通知？」: a yes to several choices says none of them; the same again.
        return [ctx.say(PICK_ONE_OFFERED, *(Choice(label, payload) for label, payload in ctx.state.offered))]
    community = ctx.community.name if ctx.community else ctx.profile.district.name
    return [ctx.say("greet", *menu(ctx), community=community)]


def _only_heard(ctx: HandlerContext) -> bool:
    """Whether the last answer asked nothing a yes could answer: no choice offered, or only 「不是同一个问题」 after a
    report joined one already filed (a yes there says it is the same)."""
    return all((button := read_button_payload(payload)) is not None and button[0] == DIFFERENT_INTENT
               for _, payload in ctx.state.offered)


async def _note_home(ctx: HandlerContext, text: str) -> None:
    """「你好 我是白杨小区的 住三十一栋」: where the resident lives, offered when a report later needs a building."""
    home = home_said(ctx.profile, text)
    building = await get_building(ctx.session, ctx.community.id, home[0].building) if home and ctx.community else None
    if building is not None:
        ctx.resident.building_id, ctx.resident.unit, ctx.resident.room = building.id, None, None
