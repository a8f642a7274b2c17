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

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.entity == name), None)

    @property
    def is_fallback(self) -> bool:
        return self.intent.name == FALLBACK_INTENT


class NLUBackend(Protocol):
    def parse(self, text: str) -> ParseResult: ...


def apply_fallback(result: ParseResult, threshold: float) -> ParseResult:
    """Below the threshold the honest answer is 'not sure': the ranking stays for clarifying."""
    if result.intent.confidence >= threshold:
        return result
    return replace(result, intent=IntentScore(FALLBACK_INTENT, 1.0 - result.intent.confidence))
