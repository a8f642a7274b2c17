"""emergency: danger or fraud happening now. The numbers to call come first, with no question.

Behind the reply, the community's on-duty staff get an urgent ticket whose alert is delivered
ahead of every other outbox message (`bot.office.emergencies`). A false alarm must cost the resident
nothing: a second reply offers the non-urgent needs, and the choice applies to what they wrote
(the pending text), so a complaint is not lost.
"""

from __future__ import annotations

import logging

from bot.core.errors import RoutingError
from bot.core.messages import Choice, InboundMessage, Reply, TextReply
from bot.office.emergencies import alert_on_duty
from handlers.base import HandlerContext
from handlers.community import resolve_community
from nlu.dangers import danger_in
from nlu.payloads import button_payload
from nlu.result import ParseResult
from storage.repositories.directory import get_community

REPLIES: dict[str, tuple[str, ...]] = {
    "emergency_now": (),
    "emergency_not_urgent": (),
    "emergency_community_unknown": ("text",),
    "emergency_advice_gas": (),
    "emergency_advice_fire": (),
    "emergency_advice_fraud": (),
    "emergency_advice_medical": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


log = logging.getLogger(__name__)

INTENTS = ("emergency",)
NOT_URGENT_CHOICES = ("appeal_report", "safety_tip", "report_clue")


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    ctx.state.pending_text = nlu.text or None
    not_urgent = ctx.say("emergency_not_urgent", *not_urgent_offers(ctx))
    danger = danger_in(nlu.text)
    if danger is not None:  # what to do meanwhile, in the second reply: the first is the numbers and only them
        advice = ctx.wording.render(f"emergency_advice_{danger}")
        not_urgent = TextReply(f"{advice}\n\n{not_urgent.text}", not_urgent.choices)
    replies: list[Reply] = [ctx.say("emergency_now"), not_urgent]
    await _alert(ctx, nlu.text)
    return replies


def not_urgent_offers(ctx: HandlerContext) -> tuple[Choice, ...]:
    """The needs a false alarm may be instead, each applied to the words that raised it (the pending text)."""
    return tuple(Choice(ctx.wording.render(f"intent_{intent}"), button_payload("not_urgent", need=intent))
                 for intent in NOT_URGENT_CHOICES)


async def _alert(ctx: HandlerContext, text: str) -> None:
    """Alert the on-duty staff, of the district's duty community when the resident's own is not known; a gap
    in the profile must never cost the resident the numbers."""
    known = await resolve_community(ctx, text) and ctx.community is not None
    duty = ctx.profile.district.emergency_duty_community
    community = ctx.community if known else (await get_community(ctx.session, duty) if duty else None)
    if community is None:
        log.warning("emergency from resident #%s with no known community: no staff alert", ctx.resident.id)
        return
    said = text if known else ctx.wording.render("emergency_community_unknown", text=text)
    try:
        ticket = await alert_on_duty(ctx.session, ctx.profile, community, ctx.resident, ctx.channel, said, ctx.now)
        # 「42栋一楼 是个老头」 next: where the danger is, for this ticket (see appeal_report.corrects_where).
        ctx.state.filed = [ticket.number] if ticket.number and known else []
    except RoutingError:
        log.exception("emergency in community %s: no on-duty staff to alert", community.key)
