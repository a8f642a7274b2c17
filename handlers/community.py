"""Which community a resident belongs to: known, named in the message, the only one, or asked."""

from __future__ import annotations

from bot.core.messages import Choice, Reply
from handlers.base import HandlerContext, asked_with_a_way_out
from nlu.address import AddressMatch, stated_address
from nlu.phrasing import LIVES_AT, SAYING_WHO_AND_WHERE
from nlu.text import sounds_like
from storage.profile import Profile
from storage.repositories.directory import get_community

REPLIES: dict[str, tuple[str, ...]] = {
    "ask_community": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


async def resolve_community(ctx: HandlerContext, text: str) -> bool:
    """Set `ctx.community` (and remember it on the resident) when it can be known; False if not."""
    if ctx.community is not None:
        return True
    communities = ctx.profile.communities
    named = named_communities(ctx.profile, text)
    key = named[0] if len(named) == 1 else (next(iter(communities)) if len(communities) == 1 else None)
    if key is None:
        return False
    ctx.community = await get_community(ctx.session, key)
    if ctx.community is not None:
        ctx.resident.community_id = ctx.community.id
    return ctx.community is not None


async def note_named_community(ctx: HandlerContext, text: str) -> None:
    """A community named in passing (「白杨小区」 said while the bot asked something else) is remembered."""
    if ctx.community is None and len(named := named_communities(ctx.profile, text)) == 1:
        ctx.community = await get_community(ctx.session, named[0])
        if ctx.community is not None:
            ctx.resident.community_id = ctx.community.id


def named_communities(profile: Profile, text: str) -> list[str]:
    """The communities the text names, by name or alias, or else by their sound (清水 for 青水)."""
    communities = profile.communities
    return [key for key, c in communities.items() if any(name in text for name in (c.name, *c.aliases))] or \
        [key for key, c in communities.items() if any(sounds_like(name, text) for name in (c.name, *c.aliases))]


def only_names_a_community(profile: Profile, text: str) -> bool:
    """「清水社区」「我是白杨小区的」 with nothing else: who the resident is, not a need (on the district's account,
    after the bot answered a question without knowing it)."""
    said = SAYING_WHO_AND_WHERE.sub("", text)
    return bool(said) and any(
        said == name or (len(said) == len(name) and sounds_like(name, said))
        for community in profile.communities.values()
        for name in {SAYING_WHO_AND_WHERE.sub("", n) for n in (community.name, *community.aliases)} if name)


def home_said(profile: Profile, text: str) -> AddressMatch | None:
    """「我是白杨小区的 住三十一栋」「我住白杨58座」: the building the resident says they live in, with where the
    words name it, the community named between or not; None when the words give no home."""
    found = stated_address(text)
    if found is None:
        return None
    before = text[:found[1]]
    names = {name for community in profile.communities.values() for name in (community.name, *community.aliases)}
    for name in sorted(names, key=len, reverse=True):
        before = before.replace(name, "")
    return found if LIVES_AT.search(before) is not None else None


def office_where_and_when(ctx: HandlerContext) -> dict[str, str]:
    """The community office's address and opening hours, as the `place` and `hours` blanks of a reply that sends the
    resident there."""
    community = ctx.profile.communities.get(ctx.community.key if ctx.community else "")
    hours = ctx.profile.district.office_hours
    return {"place": (community.address or "") if community else "", "hours": f"{hours.open:%H:%M}-{hours.close:%H:%M}"}


def ask_community(ctx: HandlerContext) -> Reply:
    """Which community, with the communities as buttons; asked again and again, with a person as a way out
    (but not while it is a person who waits for the answer)."""
    choices = tuple(Choice(c.name, c.name) for c in ctx.profile.communities.values())
    question = ctx.say("ask_community", *choices)
    return question if ctx.state.flow == "human_handoff" else asked_with_a_way_out(ctx, "community", [question])[0]
