"""Who writes next: residents taking turns in their conversations, each turn after the answer to the last.

The schedule is open-loop (arrivals at a fixed rate, whatever the app does), so an arrival goes to a
resident who is free: first one in the middle of a conversation whose think time after the bot's last
answer is over, else one starting a new conversation. A resident whose message got `success` reads the
late reply (seen claimed for sending in `processed_messages`) before answering, as a person would.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass

from bench.load.conversations import Conversation, ResidentFacts, next_conversation, resident_facts

THINK_SECONDS = (1.0, 3.0)


@dataclass
class Resident:
    index: int
    openid: str
    facts: ResidentFacts
    conversation: Conversation | None = None
    turn: int = 0


@dataclass(frozen=True)
class Arrival:
    resident: Resident
    conversation: Conversation
    turn: int

    @property
    def text(self) -> str:
        return self.conversation.turns[self.turn].text

    @property
    def expect(self) -> str | None:
        return self.conversation.turns[self.turn].expect

    @property
    def last(self) -> bool:
        return self.turn == len(self.conversation.turns) - 1


class Residents:
    """`count` residents cycling through conversations, or (`fresh`) a new resident for every conversation,
    so that each has exactly one (the fault run counts tickets per resident)."""

    def __init__(self, count: int, rng: random.Random, run_tag: str, fresh: bool = False) -> None:
        self.rng, self.tag, self.fresh = rng, run_tag, fresh
        self.made = 0
        self.idle: deque[Resident] = deque(self._new() for _ in range(0 if fresh else count))
        self.continuing: list[tuple[float, int, Resident]] = []
        self.skipped = 0

    def _new(self) -> Resident:
        self.made += 1
        return Resident(self.made, f"o{self.tag}{self.made:06d}", resident_facts(self.rng))

    def next(self, now: float) -> Arrival | None:
        """The turn to send now, or None when nobody is free (counted as skipped)."""
        if self.continuing and self.continuing[0][0] <= now:
            resident = heapq.heappop(self.continuing)[2]
        elif self.fresh:
            resident = self._new()
        elif self.idle:
            resident = self.idle.popleft()
        else:
            self.skipped += 1
            return None
        if resident.conversation is None:
            resident.conversation, resident.turn = next_conversation(self.rng, resident.facts), 0
        return Arrival(resident, resident.conversation, resident.turn)

    def answered(self, arrival: Arrival, now: float, understood: bool) -> None:
        """The resident read the answer: next turn after a think time; a new conversation when this one is
        over or went astray (the scripted next words would make no sense)."""
        resident = arrival.resident
        if arrival.last or not understood:
            self._finish(resident)
            return
        resident.turn += 1
        heapq.heappush(self.continuing, (now + self.rng.uniform(*THINK_SECONDS), resident.index, resident))

    def lost(self, arrival: Arrival) -> None:
        self._finish(arrival.resident)

    def _finish(self, resident: Resident) -> None:
        resident.conversation, resident.turn = None, 0
        if not self.fresh:
            self.idle.append(resident)
