"""Entities that are words from a list (certificate_type, service, notice_topic ...).

A vocabulary maps entity -> canonical value -> synonyms. It comes from the community profile or
from Rasa training data (lookup tables, synonyms and annotated examples), so any entity name a
data file uses works without code.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from nlu.rasa_data import TrainingData
from nlu.spans import Span, fold_width, overlaps

Vocabulary = Mapping[str, Mapping[str, Sequence[str]]]
VocabularyMatch = tuple[str, str, int, int]
"""Entity name, canonical value, start and end of the span."""

RULE_BASED_ENTITIES = frozenset({"phone", "id_number", "address", "time", "ticket_number"})
"""Entities found by pattern and check, never by a word list: a list of phone numbers seen in
training would match only those numbers."""


class VocabularyMatcher:
    """Finds vocabulary words; the longest wins, so 老年人优待证 beats a shorter 优待证."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        surfaces: dict[str, tuple[str, str]] = {}
        for entity, values in vocabulary.items():
            for canonical, synonyms in values.items():
                for surface in (canonical, *synonyms):
                    # A word listed under two entities keeps the first: the mapping order decides.
                    if key := _key(surface).strip():
                        surfaces.setdefault(key, (entity, canonical))
        self._surfaces = sorted(surfaces.items(), key=lambda item: -len(item[0]))

    def find(self, text: str, taken: Sequence[Span] = ()) -> list[VocabularyMatch]:
        """Matches in text order, none overlapping each other or a span in `taken`."""
        haystack, occupied = _key(text), list(taken)
        found: list[VocabularyMatch] = []
        for surface, (entity, canonical) in self._surfaces:
            start = haystack.find(surface)
            while start != -1:
                span = (start, start + len(surface))
                if not overlaps(span, occupied):
                    occupied.append(span)
                    found.append((entity, canonical, *span))
                start = haystack.find(surface, start + 1)
        return sorted(found, key=lambda match: match[2])


def matcher(vocabulary: Vocabulary) -> VocabularyMatcher:
    """The matcher of `vocabulary`, built once for each distinct one: forms and places look for the same few
    word lists in message after message, and building a matcher folds every word of its list."""
    return _built(tuple((entity, tuple((canonical, tuple(synonyms)) for canonical, synonyms in values.items()))
                        for entity, values in vocabulary.items()))


@functools.lru_cache(maxsize=512)
def _built(vocabulary: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]) -> VocabularyMatcher:
    return VocabularyMatcher({entity: dict(values) for entity, values in vocabulary})


def vocabulary_from_training_data(data: TrainingData) -> dict[str, dict[str, list[str]]]:
    """Lookup tables, annotated entity values and synonyms, for entities that are not rule-based.

    A synonym (text -> canonical) belongs to every entity that already has that canonical value;
    Rasa does not tie synonyms to an entity, so one with an unknown canonical value is dropped.
    """
    vocabulary: dict[str, dict[str, list[str]]] = {}

    def add(entity: str, canonical: str, surface: str) -> None:
        if entity in RULE_BASED_ENTITIES or not canonical.strip():
            return
        synonyms = vocabulary.setdefault(entity, {}).setdefault(canonical, [])
        if surface.strip() and surface != canonical and surface not in synonyms:
            synonyms.append(surface)

    for entity, items in data.lookups.items():
        for item in items:
            add(entity, data.synonyms.get(item, item), item)
    for example in data.examples:
        for entity, value, start, end in example.entities:
            surface = example.text[start:end] or value
            add(entity, value if value != surface else data.synonyms.get(surface, surface), surface)
    for surface, canonical in data.synonyms.items():
        for entity, values in list(vocabulary.items()):
            if canonical in values:
                add(entity, canonical, surface)
    return vocabulary


def _key(text: str) -> str:
    """Width-folded, ASCII lower-cased: the same length as text, so spans carry over."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in fold_width(text))
