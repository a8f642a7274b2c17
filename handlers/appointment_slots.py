"""Form slots of the booking flow: which service, and which time (a free slot of it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.messages import Choice, Reply
from bot.office.categories import names_a_category
from bot.office.ticketing import format_datetime
from handlers.base import HandlerContext
from handlers.conversation import AFFIRM, PICK_ONE_OFFERED
from handlers.forms.slot_readers import SlotOutcome, catalogue_match, catalogue_sound_match, describes
from nlu.phrasing import CHANGED_TO
from nlu.result import ParseResult
from nlu.zh_datetime import parse_zh_datetime
from storage.profile import Profile
from storage.profile.schema import Service, SlotSpec
from storage.repositories.appointments import free_slots
from storage.scheduling import is_bookable_time, nearest_slot_start

REPLIES: dict[str, tuple[str, ...]] = {
    "time_unavailable": ("reason", "service", "time"),
    "time_full": ("service", "time"),
    "reason_in_past": (),
    "reason_closed_day": (),
    "reason_not_a_slot": (),
    "reason_too_far": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


FREE_SLOTS_OFFERED = 3


def chosen_service(ctx: HandlerContext) -> Service | None:
    return ctx.profile.services.get(ctx.state.slots.get("service", ""))


def named_service(profile: Profile, text: str, *, described: bool = True) -> str | None:
    """The bookable service the words name, as written or heard, or (`described`) describe. A home visit named
    beside another service is how that one is wanted (「社保那些事能不能派人上门来办」)."""
    services = profile.services
    visits = {k: [s.name, *s.aliases] for k, s in services.items() if s.home_visit}
    return catalogue_match(text, visits) or catalogue_sound_match(
        text, {k: [s.name, *s.aliases] for k, s in services.items()},
        {k: s.examples for k, s in services.items()} if described else None)


async def read_service(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    key = named_service(ctx.profile, nlu.text, described=describes(ctx, awaited))
    if key is not None:
        return SlotOutcome(value=key)
    return SlotOutcome(replies=(await ask_service(slot, ctx),)) if awaited and nlu.text.strip() else None


async def ask_service(slot: SlotSpec, ctx: HandlerContext) -> Reply:
    return ctx.say(slot.ask, *(Choice(s.name, s.name) for s in ctx.profile.services.values()))


@dataclass(frozen=True)
class Requested:
    asked: datetime
    start: datetime
    """The slot start it means: the first slot at or after what was asked, that day."""
    has_time: bool


TIME_WORDS = "time_words"
"""Slot-state key: a time said before the service, read once the service is known."""
ASKED_DAY = "day_named"
"""Slot-state key: the day the resident last named, for a clock time said on its own afterwards."""


MAX_WORDS_AROUND_A_TIME = 12
"""「下周三上午十点吧 那天我有空」 answers "when?"; a longer message with a problem in it is another need."""


def _tells_a_problem(ctx: HandlerContext, text: str) -> bool:
    """「早上楼道有股煤气味…」 while the bot waits for a time: 早上 is no answer, the message is about a problem."""
    found = parse_zh_datetime(text, ctx.now)
    rest = len(text) - sum(f.end - f.start for f in found)
    return rest > MAX_WORDS_AROUND_A_TIME and names_a_category(ctx.profile, text)


def _requested(text: str, service: Service, ctx: HandlerContext) -> Requested | None:
    """What time the resident asked for; a pressed choice (an ISO time) is exact."""
    tz = ctx.profile.timezone
    try:
        exact = datetime.fromisoformat(text.strip())
    except ValueError:
        found = parse_zh_datetime(text, ctx.now.astimezone(tz))
        if not found:
            return None
        # 「周三要上班 改成周六上午十点吧」: a time changed to replaces the ones before it; else the first that names
        # a day and an hour (「上回排了一上午队… 明天上午九点行不行」: the story's 上午 is no request).
        change = CHANGED_TO.search(text)
        dated = next((f for f in found if f.has_date and f.has_time), found[0])
        said = next((f for f in reversed(found) if change and f.start >= change.end()), dated)
        asked = said.value
        day = ctx.state.slots.get(ASKED_DAY)
        if said.has_time and not said.has_date and day:
            # 「礼拜四下午」 then 「三点吧」: the clock time is on the day said before, not today.
            asked = datetime.combine(date.fromisoformat(day), asked.timetz())
        ctx.state.slots[ASKED_DAY] = asked.date().isoformat()
        start = nearest_slot_start(service, asked, tz, any_time=not said.has_time)
        return Requested(asked, start or asked, said.has_time)
    return Requested(exact, exact, True) if exact.tzinfo is not None else None


async def read_time(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    service, slots = chosen_service(ctx), ctx.state.slots
    text = nlu.text
    if service is None and parse_zh_datetime(text, ctx.now):
        # 「下周四早上八点半」 before saying what for: kept until the service is known.
        slots[TIME_WORDS] = text
    elif service is not None and slot.name not in slots and TIME_WORDS in slots \
            and not parse_zh_datetime(text, ctx.now):
        text = slots.pop(TIME_WORDS)
    if awaited and _tells_a_problem(ctx, text):
        return None
    offered = _offered_times(ctx)
    if awaited and service is not None and offered and nlu.intent.name == AFFIRM \
            and not parse_zh_datetime(text, ctx.now):
        # 「好」 to the free times offered: the one, if one was; else which of them, still those (not from today).
        if len(offered) == 1:
            return SlotOutcome(value=offered[0].payload)
        return SlotOutcome(replies=(ctx.say(PICK_ONE_OFFERED, *offered),))
    requested = _requested(text, service, ctx) if service and ctx.community else None
    if service is None or requested is None:
        return SlotOutcome(replies=(await ask_time(slot, ctx),)) if awaited and nlu.text.strip() and service else None
    asked, start = requested.asked, requested.start
    problem = is_bookable_time(service, start, ctx.now, ctx.profile.timezone)
    label = format_datetime(ctx.wording, ctx.profile, asked, with_time=requested.has_time)
    if problem is not None:
        reason = ctx.wording.render(f"reason_{problem.value}")
        offers = await _free_choices_near(ctx, service, asked)
        return SlotOutcome(replies=(ctx.say("time_unavailable", *offers, time=label, service=service.name,
                                            reason=reason),))
    offers = await _free_choices(ctx, service, start)
    if not offers or offers[0].payload != start.isoformat():
        offers = await _free_choices_near(ctx, service, start)
        return SlotOutcome(replies=(ctx.say("time_full", *offers, time=label, service=service.name),))
    return SlotOutcome(value=start.isoformat())


def _offered_times(ctx: HandlerContext) -> tuple[Choice, ...]:
    """The free times the last answer offered as choices (their payloads are the slots' ISO starts)."""
    return tuple(Choice(label, payload) for label, payload in ctx.state.offered if _is_a_time(payload))


def _is_a_time(payload: str) -> bool:
    try:
        return datetime.fromisoformat(payload).tzinfo is not None
    except ValueError:
        return False


async def ask_time(slot: SlotSpec, ctx: HandlerContext) -> Reply:
    service = chosen_service(ctx)
    assert service is not None, "the service slot comes before the time slot"
    return ctx.say(slot.ask, *await _free_choices(ctx, service, ctx.now), service=service.name,
                   location=service.location)


async def _free_choices(ctx: HandlerContext, service: Service, after: datetime) -> tuple[Choice, ...]:
    if ctx.community is None:
        return ()
    starts = await free_slots(ctx.session, ctx.community.id, service, after, ctx.now, ctx.profile.timezone,
                              limit=FREE_SLOTS_OFFERED)
    return _choices(ctx, [start for start, _ in starts])


async def _free_choices_near(ctx: HandlerContext, service: Service, asked: datetime) -> tuple[Choice, ...]:
    """The free times around the one asked that cannot be had: the last before it, then the first after (more
    before when few come after). 「能早点吗 明天行不」 when the service is not served tomorrow is offered this
    afternoon too, not only the day after."""
    if ctx.community is None:
        return ()
    starts = [start for start, _ in await free_slots(ctx.session, ctx.community.id, service, ctx.now, ctx.now,
                                                     ctx.profile.timezone, limit=None)]
    earlier = [start for start in starts if start < asked]
    later = [start for start in starts if start >= asked][:FREE_SLOTS_OFFERED - min(1, len(earlier))]
    return _choices(ctx, earlier[max(0, len(earlier) - (FREE_SLOTS_OFFERED - len(later))):] + later)


def _choices(ctx: HandlerContext, starts: list[datetime]) -> tuple[Choice, ...]:
    return tuple(Choice(format_datetime(ctx.wording, ctx.profile, start), start.isoformat()) for start in starts)
