"""What every NLU backend returns, whichever it is (embedded or Rasa over HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ParseResult:
    text: str
    intent: IntentScore
    ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    ambiguous: bool = False
    """Set with `nlu_fallback` when the top two were too close to choose between."""

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.entity == name), None)

    @property
    def is_fallback(self) -> bool:
        return self.intent.name == FALLBACK_INTENT


class NLUBackend(Protocol):
    def parse(self, text: str) -> ParseResult: ...


@dataclass(frozen=True)
class ConfidencePolicy:
    """When to say 'not sure' instead of answering, and which intents are never left unsaid.

    Below `threshold`, or with the runner-up within `margin` of the top, the result becomes
    `nlu_fallback` (the ranking stays, so the bot can ask which one was meant). An urgent intent
    (emergency) ranked at or above its floor wins outright: a needless 110 reminder costs little,
    a fraud victim sent to a form costs a great deal.
    """

    threshold: float = 0.5
    margin: float = 0.1
    urgent: tuple[tuple[str, float], ...] = (("emergency", 0.2),)

    def apply(self, result: ParseResult) -> ParseResult:
        for name, floor in self.urgent:
            score = next((s for s in result.ranking if s.name == name), None)
            if score is not None and score.confidence >= floor:
                return replace(result, intent=score)
        top = result.intent.confidence
        runner_up = result.ranking[1].confidence if len(result.ranking) > 1 else 0.0
        if top >= self.threshold and top - runner_up >= self.margin:
            return result
        ambiguous = top - runner_up < self.margin and top + runner_up >= self.threshold
        return replace(result, intent=IntentScore(FALLBACK_INTENT, round(1.0 - top, 4)), ambiguous=ambiguous)
