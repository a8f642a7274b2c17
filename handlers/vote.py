"""vote: a resident votes on a 议事 proposal, one vote per household (`bot.office.votes`).

「我要投票」 lists the open proposals the resident may vote on, one button each; a proposal's button shows it
with one button per option (and how the household voted, if it has); an option's button (from that reply or
straight from the proposal's notice) casts the vote. A resident whose room the bot does not know is asked for
it first, and the vote they pressed goes on once it is given.
"""

from __future__ import annotations

from bot.core.messages import Choice, InboundMessage, Reply
from bot.office.ticketing import format_address, format_datetime
from bot.office.votes import (
    Outcome,
    cast_vote,
    electorate_words,
    get_proposal,
    household_vote,
    open_proposals_for,
)
from handlers.base import HandlerContext, asked_with_a_way_out
from handlers.community import ask_community, resolve_community
from nlu.address import stated_address
from nlu.payloads import button_payload
from nlu.result import ParseResult
from storage.models import Proposal
from storage.repositories.directory import get_building, get_community_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "intent_vote": (),
    "vote_none_open": (),
    "vote_open_list": ("community",),
    "vote_proposal": ("body", "closes", "electorate", "title", "voted"),
    "vote_household_has": ("option",),
    "vote_cast": ("closes", "option", "title"),
    "vote_changed": ("option", "title"),
    "vote_household_voted": ("option", "title"),
    "vote_outside_electorate": ("electorate", "title"),
    "vote_not_open": ("title",),
    "vote_ask_address": ("title",),
    "vote_address_needs_room": ("address",),
    "vote_address_unknown": ("building", "community"),
    "vote_cancelled": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("vote",)
FLOW = "vote"
WHERE = "building"
"""The slot the address question waits on (a shared location answers it too)."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    state = ctx.state
    if state.flow == FLOW and state.slots.get("step") == "address" and nlu.entity("proposal") is None:
        return await _address_given(nlu, ctx)
    state.finish()
    named, option = nlu.entity("proposal"), nlu.entity("option")
    proposal = await get_proposal(ctx.session, named.value) if named is not None else None
    if proposal is None:
        return await _open_ones(nlu, ctx)
    if option is None or not option.value.isdigit():
        return [await _shown(ctx, proposal)]
    return await _vote(ctx, proposal, int(option.value))


async def answers(nlu: ParseResult, ctx: HandlerContext) -> bool:
    """Asked for the home address, an address or 「不投了」 answers."""
    return ctx.state.awaiting != WHERE or stated_address(nlu.text) is not None or nlu.intent.name == "deny"


async def _open_ones(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if not await resolve_community(ctx, nlu.text):
        ctx.state.start(FLOW)
        ctx.state.awaiting = "community"
        return [ask_community(ctx)]
    assert ctx.community is not None
    proposals = await open_proposals_for(ctx.session, ctx.community.id, ctx.resident, ctx.now)
    if not proposals:
        return [ctx.say("vote_none_open")]
    choices = [Choice(p.title, button_payload(FLOW, proposal=str(p.id))) for p in proposals]
    return [ctx.say("vote_open_list", *choices, community=ctx.community.name)]


async def _shown(ctx: HandlerContext, proposal: Proposal) -> Reply:
    """The proposal, who votes, until when, the household's vote if it has one, and the options as buttons."""
    voted = await household_vote(ctx.session, proposal, ctx.resident)
    mine = ctx.wording.render("vote_household_has", option=proposal.options[voted.option]) if voted else ""
    choices = [Choice(option, button_payload(FLOW, proposal=str(proposal.id), option=str(i)))
               for i, option in enumerate(proposal.options)]
    return ctx.say("vote_proposal", *choices, title=proposal.title, body=proposal.body, voted=mine,
                   closes=_closes(ctx, proposal), electorate=await _electorate(ctx, proposal))


async def _vote(ctx: HandlerContext, proposal: Proposal, option: int) -> list[Reply]:
    result = await cast_vote(ctx.session, proposal, ctx.resident, option, ctx.now)
    title = proposal.title
    chosen = proposal.options[result.option] if result.option is not None else ""
    match result.outcome:
        case Outcome.CAST:
            return [ctx.say("vote_cast", title=title, option=chosen, closes=_closes(ctx, proposal))]
        case Outcome.CHANGED:
            return [ctx.say("vote_changed", title=title, option=chosen)]
        case Outcome.HOUSEHOLD_VOTED_BY_OTHER:
            return [ctx.say("vote_household_voted", title=title, option=chosen)]
        case Outcome.OUTSIDE_ELECTORATE:
            return [ctx.say("vote_outside_electorate", title=title, electorate=await _electorate(ctx, proposal))]
        case Outcome.NO_ADDRESS:
            ctx.state.start(FLOW)
            ctx.state.awaiting = WHERE
            ctx.state.slots.update(step="address", proposal=str(proposal.id), option=str(option))
            return [ctx.say("vote_ask_address", title=title)]
        case Outcome.NOT_OPEN:
            return [ctx.say("vote_not_open", title=title)]
        case Outcome.BAD_OPTION:
            return [await _shown(ctx, proposal)]


async def _address_given(nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    """The home address asked for before voting: kept on the resident, then the vote pressed goes on."""
    slots = dict(ctx.state.slots)
    if nlu.intent.name == "deny" and stated_address(nlu.text) is None:
        ctx.state.finish()
        return [ctx.say("vote_cancelled")]
    proposal = await get_proposal(ctx.session, slots.get("proposal", ""))
    found = stated_address(nlu.text)
    if proposal is None:
        ctx.state.finish()
        return [ctx.say("vote_none_open")]
    if found is None:
        return asked_with_a_way_out(ctx, WHERE, [ctx.say("vote_ask_address", title=proposal.title)])
    address = found[0]
    building = await get_building(ctx.session, proposal.community_id, address.building)
    if building is None:
        community = await get_community_by_id(ctx.session, proposal.community_id)
        return asked_with_a_way_out(ctx, WHERE, [ctx.say(
            "vote_address_unknown", community=community.name, building=format_address(ctx.wording, address.building))])
    if not address.room:
        shown = format_address(ctx.wording, address.building, address.unit)
        return asked_with_a_way_out(ctx, WHERE, [ctx.say("vote_address_needs_room", address=shown)])
    resident = ctx.resident
    resident.community_id = proposal.community_id
    resident.building_id, resident.unit, resident.room = building.id, address.unit, address.room
    ctx.state.finish()
    return await _vote(ctx, proposal, int(slots.get("option", "-1")))


async def _electorate(ctx: HandlerContext, proposal: Proposal) -> str:
    community = await get_community_by_id(ctx.session, proposal.community_id)
    return electorate_words(ctx.profile, community.key, proposal.area_keys, proposal.building_numbers)


def _closes(ctx: HandlerContext, proposal: Proposal) -> str:
    return format_datetime(ctx.wording, ctx.profile, proposal.closes_at)
