"""The safety net: danger cues that make a message an emergency whatever the classifier says.

Cues come from the NLU data as Rasa regex blocks named `<intent>_cue` (today only
`emergency_cue`), so they are edited with the training data and exported to Rasa with it.

A cue word also turns up when a resident asks how to stay safe (「万一家里起火了应该先干啥」).
The data's `hypothetical` regex names such wording; a cue is then not applied when the classifier
itself reads the message as one of the `ASKING_HOW` intents. Both must hold, so a danger message
the classifier misreads as a complaint is still made an emergency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult

CUE_SUFFIX = "_cue"
HYPOTHETICAL = "hypothetical"
ASKING_HOW = frozenset({"safety_tip", "policy_question"})


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class SafetyNet:
    cues: tuple[tuple[str, re.Pattern[str]], ...] = ()
    hypothetical: re.Pattern[str] | None = None

    @classmethod
    def from_training_data(cls, data: TrainingData) -> SafetyNet:
        cues = tuple((name.removesuffix(CUE_SUFFIX), _alternation(patterns))
                     for name, patterns in sorted(data.regexes.items()) if name.endswith(CUE_SUFFIX) and patterns)
        hypothetical = data.regexes.get(HYPOTHETICAL)
        return cls(cues, _alternation(hypothetical) if hypothetical else None)

    def restricted_to(self, intents: list[str]) -> SafetyNet:
        """Only the cues for intents a model knows (a foreign label set may have no emergency)."""
        return replace(self, cues=tuple((intent, cue) for intent, cue in self.cues if intent in intents))

    def apply(self, result: ParseResult) -> ParseResult:
        """The result, or the cued intent in its place (keeping the classifier's ranking)."""
        if self._asks_how(result):
            return result
        for intent, pattern in self.cues:
            if result.intent.name != intent and pattern.search(result.text):
                score = next((s for s in result.ranking if s.name == intent), IntentScore(intent, 0.0))
                return replace(result, intent=score, ambiguous=False)
        return result

    def _asks_how(self, result: ParseResult) -> bool:
        return (self.hypothetical is not None and result.intent.name in ASKING_HOW
                and self.hypothetical.search(result.text) is not None)
