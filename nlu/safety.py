"""The safety net: danger cues that make a message an emergency whatever the classifier says.

Cues come from the NLU data as Rasa regex blocks named `<intent>_cue` (today only
`emergency_cue`), so they are edited with the training data and exported to Rasa with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult

CUE_SUFFIX = "_cue"


@dataclass(frozen=True)
class SafetyNet:
    cues: tuple[tuple[str, re.Pattern[str]], ...] = ()

    @classmethod
    def from_training_data(cls, data: TrainingData) -> SafetyNet:
        cues = tuple((name.removesuffix(CUE_SUFFIX), re.compile("|".join(f"(?:{p})" for p in patterns)))
                     for name, patterns in sorted(data.regexes.items()) if name.endswith(CUE_SUFFIX) and patterns)
        return cls(cues)

    def restricted_to(self, intents: list[str]) -> SafetyNet:
        """Only the cues for intents a model knows (a foreign label set may have no emergency)."""
        return SafetyNet(tuple((intent, cue) for intent, cue in self.cues if intent in intents))

    def apply(self, result: ParseResult) -> ParseResult:
        """The result, or the cued intent in its place (keeping the classifier's ranking)."""
        for intent, pattern in self.cues:
            if result.intent.name != intent and pattern.search(result.text):
                score = next((s for s in result.ranking if s.name == intent), IntentScore(intent, 0.0))
                return replace(result, intent=score, ambiguous=False)
        return result
