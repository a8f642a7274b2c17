"""Whole conversations played through the real pipeline and judged against what should have happened.

A conversation set (`bench/conversations/README.md` has the format) lists a resident's lines and
button presses and the outcome a competent office worker would call right: the tickets (category,
and building, listed place or words), the emergency reply given or not, a clue, a booking, reply keys.
Each conversation is a new resident on one database, all at one fixed moment (a Monday morning in
office hours), so the figures do not depend on the day they are measured; the bookings of one are
released before the next, so no conversation finds a slot taken by another.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage, Reply, plain_texts
from storage.models import Appointment, AppointmentSlot, ChannelIdentity, Clue, Resident, Ticket, TicketStatus
from storage.profile import Profile
from storage.yaml_text import parse_yaml

CHANNEL = "eval"
DEFAULT_COMMUNITY = "baiyang"
EMERGENCY_REPLY = "emergency_now"
FREE_WHERE = "free"
_BLANK = re.compile(r"\{[a-z_]+\}")
MIN_FRAGMENT_CHARS = 4


class ExpectedTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str
    building: str | None = None
    place: str | None = None
    where: str | None = None


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emergency: bool = False
    tickets: list[ExpectedTicket] = []
    clue: bool = False
    appointment: str | None = None
    replies: list[str] = []


class Conversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    voice: str = ""
    community: str | None = DEFAULT_COMMUNITY
    said: list[str] = Field(min_length=1)
    expect: Expectation = Expectation()


@dataclass(frozen=True)
class MadeTicket:
    category: str
    community: str
    building: str | None
    place: str | None


@dataclass
class Played:
    conversation: Conversation
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)
    tickets: list[MadeTicket] = field(default_factory=list)
    emergency: bool = False
    clue: bool = False
    appointments: list[str] = field(default_factory=list)
    missing_replies: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    categories_expected: int = 0
    categories_right: int = 0

    @property
    def succeeded(self) -> bool:
        return not self.problems


@dataclass
class Report:
    played: list[Played]

    @property
    def task_success(self) -> float:
        return sum(p.succeeded for p in self.played) / len(self.played) if self.played else 0.0

    @property
    def false_emergencies(self) -> int:
        return sum(p.emergency and not p.conversation.expect.emergency for p in self.played)

    @property
    def missed_emergencies(self) -> int:
        return sum(p.conversation.expect.emergency and not p.emergency for p in self.played)

    @property
    def category_accuracy(self) -> float:
        expected = sum(p.categories_expected for p in self.played)
        return sum(p.categories_right for p in self.played) / expected if expected else 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "conversations": len(self.played), "succeeded": sum(p.succeeded for p in self.played),
            "task_success": round(self.task_success, 4), "false_emergencies": self.false_emergencies,
            "missed_emergencies": self.missed_emergencies,
            "tickets_expected": sum(p.categories_expected for p in self.played),
            "category_accuracy": round(self.category_accuracy, 4),
        }


def load_conversations(path: Path) -> list[Conversation]:
    data = parse_yaml(path.read_text(encoding="utf-8")) or []
    conversations = [Conversation.model_validate(item) for item in data]
    repeated = [key for key, count in Counter(c.id for c in conversations).items() if count > 1]
    if repeated:
        raise ValueError(f"{path}: conversation ids used twice: {', '.join(repeated)}")
    return conversations


async def play_all(pipeline: Pipeline, conversations: list[Conversation]) -> Report:
    ids = itertools.count(1)
    return Report([await _play(pipeline, conversation, ids) for conversation in conversations])


async def _play(pipeline: Pipeline, conversation: Conversation, ids: itertools.count[int]) -> Played:
    played, sender, last = Played(conversation), f"eval-{conversation.id}", list[Reply]()
    clues_before = await _count_clues(pipeline)
    for line in conversation.said:
        text = _pressed(line, last)
        message = InboundMessage(CHANNEL, sender, f"{sender}-{next(ids)}", text, pipeline.clock(),
                                 conversation.community)
        last = await pipeline.handle(message)
        played.transcript.append((line, plain_texts(last)))
    said = "\n".join(text for _, texts in played.transcript for text in texts)
    played.emergency = _rendered(pipeline.profile, conversation.community, EMERGENCY_REPLY, said)
    played.missing_replies = [key for key in conversation.expect.replies
                              if not _rendered(pipeline.profile, conversation.community, key, said)]
    played.clue = await _count_clues(pipeline) > clues_before
    await _read_outcome(pipeline, sender, played)
    _judge(pipeline.profile, played)
    await _release_bookings(pipeline)
    await _close_tickets(pipeline)
    return played


async def _close_tickets(pipeline: Pipeline) -> None:
    """Each conversation is a resident on their own: the problems one reported are no open tickets for the next to
    join (`bot.office.duplicates`). Played back to back at one moment, the set's dozens of blocked drains and dark
    stairwells in the same few buildings would all be one ticket each, and every later report of one a follower."""
    async with pipeline.sessions() as session, session.begin():
        await session.execute(update(Ticket).where(Ticket.status != TicketStatus.CLOSED)
                              .values(status=TicketStatus.CLOSED))


async def _release_bookings(pipeline: Pipeline) -> None:
    """Each conversation is a resident on their own: the slot one booked is free again for the next. (Played
    back to back at one moment, hundreds of residents would fill the Friday afternoon as no office sees.)"""
    async with pipeline.sessions() as session, session.begin():
        await session.execute(delete(Appointment))
        await session.execute(delete(AppointmentSlot))


def _pressed(line: str, last: list[Reply]) -> str:
    """「[确认]」 presses the button so labelled in the last answer (its label, when there is none)."""
    if not (line.startswith("[") and line.endswith("]")):
        return line
    label = line[1:-1]
    return next((c.payload for reply in last for c in reply.choices if c.label == label), label)


async def _count_clues(pipeline: Pipeline) -> int:
    async with pipeline.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Clue)) or 0)


async def _read_outcome(pipeline: Pipeline, sender: str, played: Played) -> None:
    async with pipeline.sessions() as session:
        resident = await session.scalar(select(Resident).join(ChannelIdentity).where(
            ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == sender))
        if resident is None:
            return
        tickets = (await session.scalars(select(Ticket).where(Ticket.resident_id == resident.id)
                                         .options(selectinload(Ticket.building), selectinload(Ticket.community)))).all()
        played.tickets = [MadeTicket(t.category_key, t.community.key, t.building.number if t.building else None,
                                     t.place) for t in tickets]
        played.appointments = list((await session.scalars(
            select(Appointment.service_key).where(Appointment.resident_id == resident.id))).all())


def _judge(profile: Profile, played: Played) -> None:
    expect, problems = played.conversation.expect, played.problems
    if played.emergency != expect.emergency:
        problems.append("emergency reply given" if played.emergency else "no emergency reply")
    if played.clue != expect.clue:
        problems.append("a clue was stored" if played.clue else "no clue stored")
    booked = expect.appointment
    if (booked is None and played.appointments) or (booked is not None and played.appointments != [booked]):
        problems.append(f"booked {played.appointments or 'nothing'}, expected {booked or 'nothing'}")
    problems.extend(f"reply {key} not seen" for key in played.missing_replies)
    left = list(played.tickets)
    for wanted in expect.tickets:
        match = next((t for t in left if _same(wanted, t, profile)), None)
        if match is None:
            problems.append(f"no ticket {_describe(wanted)}")
        else:
            left.remove(match)
    problems.extend(f"unexpected ticket {t.category} at {t.building or t.place or '-'}" for t in left)
    played.categories_expected = len(expect.tickets)
    made = Counter(t.category for t in played.tickets)
    played.categories_right = sum(min(count, made[key]) for key, count in
                                  Counter(t.category for t in expect.tickets).items())


def _same(wanted: ExpectedTicket, made: MadeTicket, profile: Profile) -> bool:
    if wanted.category != made.category:
        return False
    places = {key: place.name for key, place in profile.places.get(made.community, {}).items()}
    if wanted.building is not None:
        return made.building == wanted.building
    if wanted.place is not None:
        return made.building is None and made.place == places.get(wanted.place)
    if wanted.where == FREE_WHERE:
        return made.building is None and made.place is not None and made.place not in places.values()
    return True


def _describe(wanted: ExpectedTicket) -> str:
    where = wanted.building or wanted.place or wanted.where
    return f"{wanted.category} at {where}" if where else wanted.category


def _rendered(profile: Profile, community: str | None, key: str, said: str) -> bool:
    """Whether a reply was given: the longest fixed stretch of its wording appears in what was said."""
    template = profile.reply_template(community, key)
    fragments = sorted((part.strip() for part in _BLANK.split(template)), key=len, reverse=True)
    longest = next((f for f in fragments if len(f) >= MIN_FRAGMENT_CHARS), fragments[0] if fragments else "")
    return bool(longest) and any(line.strip() in said for line in longest.splitlines() if line.strip())
