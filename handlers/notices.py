"""subscribe_notices / unsubscribe_notices: which notices a resident receives.

Topics come from the profile (`notices.yaml`); an area topic reaches the resident's area (片),
known from their building, a community topic the whole community. Saying no topic lists what
the resident has and offers the rest (or, to stop, what they have) as buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.core.messages import Choice, InboundMessage, Reply, TextReply
from handlers.base import HandlerContext
from handlers.community import resolve_community
from nlu.entities import find_address
from nlu.payloads import button_payload
from nlu.phrasing import ADDS_A_NOTICE, EVERYTHING, STOPS_A_NOTICE
from nlu.result import ParseResult
from storage.models import Area, Building, Community, Subscription
from storage.profile.engagement import NoticeScope, NoticeTopic
from storage.repositories.directory import get_building, get_building_by_id
from storage.repositories.subscriptions import Scope, active_subscriptions, subscribe, unsubscribe

REPLIES: dict[str, tuple[str, ...]] = {
    "notice_topics": (),
    "notice_subscribed": ("scope", "topic"),
    "notice_already_subscribed": ("scope", "topic"),
    "notice_unsubscribed": ("topic",),
    "notice_not_subscribed": ("topic",),
    "notice_list": ("topics",),
    "notice_list_item": ("scope", "topic"),
    "notice_none": (),
    "notice_which_to_stop": (),
    "notice_scope_unknown": (),
    "choice_unsubscribe_all": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


SUBSCRIBE = "subscribe_notices"
UNSUBSCRIBE = "unsubscribe_notices"
INTENTS = (SUBSCRIBE, UNSUBSCRIBE)
CHANGE_CHARS = 12
"""Words about notices longer than this tell of something (a water cut, a fraud) rather than change them."""
EVERY_TOPIC = "*"
"""The topic of the 「全部退订」 button."""


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    chosen = topics_named(ctx, nlu)
    await resolve_community(ctx, nlu.text)
    if nlu.intent.name == UNSUBSCRIBE:
        said_all = (entity := nlu.entity("topic")) is not None and entity.value == EVERY_TOPIC
        if said_all or (not chosen and EVERYTHING.search(nlu.text)):
            return await _stop_all(ctx)
        if not chosen:
            return [await _which_to_stop(ctx)]
        return [await _stop(ctx, topic) for topic in chosen]
    if not chosen:
        return [await _menu(ctx)]
    return [await _start(ctx, topic, nlu.text) for topic in chosen]


async def changes_subscriptions(nlu: ParseResult, ctx: HandlerContext) -> str | None:
    """The change a short message makes to the resident's notices, read against those they have: 「停水的不要了」
    gives up a topic subscribed (a report of a water cut to the classifier; one not subscribed, 「不要防诈骗的」 from a
    resident who has others, is told so), 「还有防诈骗的」 adds a topic to those subscribed (a safety tip to the
    classifier). None when the words do neither."""
    text = nlu.text
    if sum(ch.isalnum() for ch in text) > CHANGE_CHARS or not (named := topics_named(ctx, nlu)):
        return None
    subscribed = {s.topic for s in await active_subscriptions(ctx.session, ctx.resident.id)}
    if STOPS_A_NOTICE.search(text) and subscribed:
        return UNSUBSCRIBE
    if ADDS_A_NOTICE.search(text) and subscribed and any(topic.key not in subscribed for topic in named):
        return SUBSCRIBE
    return None


def topics_named(ctx: HandlerContext, nlu: ParseResult) -> list[NoticeTopic]:
    """The topic a button names, or every topic whose name or alias the message contains."""
    topics = ctx.profile.notice_topics
    chosen = nlu.entity("topic")
    if chosen is not None:
        return [topics[chosen.value]] if chosen.value in topics else []
    return [t for t in topics.values() if any(word in nlu.text for word in (t.name, *t.aliases))]


async def _start(ctx: HandlerContext, topic: NoticeTopic, text: str) -> Reply:
    scope, label = await _scope(ctx, topic, text)
    _, new = await subscribe(ctx.session, ctx.resident.id, topic.key, scope, ctx.now)
    return ctx.say("notice_subscribed" if new else "notice_already_subscribed", topic=topic.name, scope=label)


async def _stop(ctx: HandlerContext, topic: NoticeTopic) -> Reply:
    stopped = await unsubscribe(ctx.session, ctx.resident.id, topic.key)
    return ctx.say("notice_unsubscribed" if stopped else "notice_not_subscribed", topic=topic.name)


async def _stop_all(ctx: HandlerContext) -> list[Reply]:
    mine = [s for s in await active_subscriptions(ctx.session, ctx.resident.id) if s.topic in ctx.profile.notice_topics]
    if not mine:
        return [ctx.say("notice_none", ctx.offer(SUBSCRIBE))]
    topics = dict.fromkeys(s.topic for s in mine)
    return [await _stop(ctx, ctx.profile.notice_topics[topic]) for topic in topics]


async def _menu(ctx: HandlerContext) -> Reply:
    mine = await active_subscriptions(ctx.session, ctx.resident.id)
    taken = {s.topic for s in mine}
    offers = tuple(Choice(t.name, button_payload(SUBSCRIBE, topic=t.key))
                   for t in ctx.profile.notice_topics.values() if t.key not in taken)
    parts = [await _listing(ctx, mine)] if mine else []
    if offers:
        parts.append(ctx.wording.render("notice_topics"))
    return TextReply("\n".join(parts), offers)


async def _which_to_stop(ctx: HandlerContext) -> Reply:
    mine = [s for s in await active_subscriptions(ctx.session, ctx.resident.id) if s.topic in ctx.profile.notice_topics]
    if not mine:
        return ctx.say("notice_none", ctx.offer(SUBSCRIBE))
    offers = tuple(Choice(ctx.profile.notice_topics[s.topic].name, button_payload(UNSUBSCRIBE, topic=s.topic))
                   for s in mine)
    if len(mine) > 1:
        offers += (ctx.choice_of("choice_unsubscribe_all", button_payload(UNSUBSCRIBE, topic=EVERY_TOPIC)),)
    return TextReply("\n".join([await _listing(ctx, mine), ctx.wording.render("notice_which_to_stop")]), offers)


async def _listing(ctx: HandlerContext, mine: Sequence[Subscription]) -> str:
    """One line per subscription with its reach; areas and communities loaded in one query each."""
    area_ids = {s.area_id for s in mine if s.area_id is not None}
    community_ids = {s.community_id for s in mine if s.community_id is not None}
    areas = {a.id: a.name for a in await ctx.session.scalars(select(Area).where(Area.id.in_(area_ids)))}
    names = {c.id: c.name for c in await ctx.session.scalars(select(Community).where(Community.id.in_(community_ids)))}
    lines = []
    for subscription in mine:
        community = names.get(subscription.community_id or 0)
        if community is None:
            scope = ctx.wording.render("notice_scope_unknown")
        elif subscription.area_id in areas:
            scope = ctx.wording.render("notice_scope_area", community=community, area=areas[subscription.area_id])
        else:
            scope = ctx.wording.render("notice_scope_community", community=community)
        lines.append(ctx.wording.render("notice_list_item", topic=ctx.profile.notice_topics[subscription.topic].name,
                                        scope=scope))
    return ctx.wording.render("notice_list", topics="\n".join(lines))


async def _scope(ctx: HandlerContext, topic: NoticeTopic, text: str) -> tuple[Scope, str]:
    """Where the resident's notices on this topic come from, and how that reads."""
    community = ctx.community
    if community is None:
        return Scope(None), ctx.wording.render("notice_scope_unknown")
    building = await _building(ctx, text)
    if building is None:
        return Scope(community.id), ctx.wording.render("notice_scope_community", community=community.name)
    if topic.scope is NoticeScope.COMMUNITY:
        return (Scope(community.id, building_id=building.id),
                ctx.wording.render("notice_scope_community", community=community.name))
    return (Scope(community.id, building.area_id, building.id),
            ctx.wording.render("notice_scope_area", community=community.name, area=building.area.name))


async def _building(ctx: HandlerContext, text: str) -> Building | None:
    """A building named in the message (then remembered, as a complaint's address is), else the
    resident's own."""
    assert ctx.community is not None
    found = find_address(text)
    if found is not None:
        building = await get_building(ctx.session, ctx.community.id, found[0].building)
        if building is not None:
            ctx.resident.building_id = building.id
            return building
    if ctx.resident.building_id is None:
        return None
    building = await get_building_by_id(ctx.session, ctx.resident.building_id)
    return building if building.community_id == ctx.community.id else None
