"""The safety net: danger cues that make a message an emergency whatever the classifier says.

Cues come from the NLU data as Rasa regex blocks named `<intent>_cue` (today only
`emergency_cue`), so they are edited with the training data and exported to Rasa with it.

A cue word also turns up when the danger is not happening now, and three more regex blocks of the
data name such wording:

- `negated`, right before the cue: 「没着火」「不是煤气味」「万一着火了」. Such a cue never counts.
- `hedge`, just before or inside the cue: a hazard feared, not a fire burning (「楼道里充电，怕着火」,
  「担心燃气管漏气」). A hedged cue does not count when the classifier reads a complaint, a clue or a
  question (`NOT_NOW`); the same cue unhedged elsewhere in the message still does.
- `hypothetical`: asking how to stay safe (「万一家里起火了应该先干啥」). The cue is set aside only
  when the classifier itself reads the message as one of the `ASKING_HOW` intents.
- `not_now`: the past or a standing nuisance (「上个月被狗咬流血了」, 「每天早上冒黑烟」). The cue is set
  aside only when the classifier reads a complaint, a clue or a question (`NOT_NOW`).

Each needs the classifier's agreement, so 「我好怕 着火了」, read as an emergency, stays one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult

CUE_SUFFIX = "_cue"
HYPOTHETICAL = "hypothetical"
NOT_NOW_WORDING = "not_now"
HEDGE = "hedge"
NEGATED = "negated"
HEDGE_REACH = 4
"""How many characters before a cue a hedge may stand (「会不会着火」, 「怕有煤气味」)."""
ASKING_HOW = frozenset({"safety_tip", "policy_question"})
NOT_NOW = frozenset({*ASKING_HOW, "appeal_report", "report_clue"})


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _optional(data: TrainingData, name: str) -> re.Pattern[str] | None:
    patterns = data.regexes.get(name)
    return _alternation(patterns) if patterns else None


@dataclass(frozen=True)
class SafetyNet:
    cues: tuple[tuple[str, re.Pattern[str]], ...] = ()
    hypothetical: re.Pattern[str] | None = None
    not_now: re.Pattern[str] | None = None
    hedge: re.Pattern[str] | None = None
    negated: re.Pattern[str] | None = None

    @classmethod
    def from_training_data(cls, data: TrainingData) -> SafetyNet:
        cues = tuple((name.removesuffix(CUE_SUFFIX), _alternation(patterns))
                     for name, patterns in sorted(data.regexes.items()) if name.endswith(CUE_SUFFIX) and patterns)
        return cls(cues, _optional(data, HYPOTHETICAL), _optional(data, NOT_NOW_WORDING), _optional(data, HEDGE),
                   _optional(data, NEGATED))

    def restricted_to(self, intents: list[str]) -> SafetyNet:
        """Only the cues for intents a model knows (a foreign label set may have no emergency)."""
        return replace(self, cues=tuple((intent, cue) for intent, cue in self.cues if intent in intents))

    def apply(self, result: ParseResult) -> ParseResult:
        """The result, or the cued intent in its place (keeping the classifier's ranking)."""
        intent = self.cued(result)
        if intent is None or intent == result.intent.name:
            return result
        score = next((s for s in result.ranking if s.name == intent), IntentScore(intent, 0.0))
        return replace(result, intent=score, ambiguous=False)

    def cued(self, result: ParseResult) -> str | None:
        """The intent whose danger cue the message carries, unhedged; None without one, or when the
        wording and the classifier agree that the danger is not happening now."""
        if self._set_aside(result):
            return None
        text, hedging = result.text, self.hedge is not None and result.intent.name in NOT_NOW
        return next((intent for intent, pattern in self.cues
                     if any(not (hedging and self._hedged(text, match)) and not self._negated(text, match)
                            for match in pattern.finditer(text))), None)

    def _negated(self, text: str, match: re.Match[str]) -> bool:
        before = text[max(0, match.start() - HEDGE_REACH):match.start()]
        return self.negated is not None and self.negated.search(before) is not None

    def sounds_calm(self, text: str) -> bool:
        """Wording that says the danger is not happening now (asking how, the past, a standing nuisance):
        enough, without a cue, to doubt an emergency only the classifier saw."""
        return any(pattern is not None and pattern.search(text) for pattern in (self.hypothetical, self.not_now))

    def _hedged(self, text: str, match: re.Match[str]) -> bool:
        assert self.hedge is not None
        return self.hedge.search(text[max(0, match.start() - HEDGE_REACH):match.end()]) is not None

    def _set_aside(self, result: ParseResult) -> bool:
        name, text = result.intent.name, result.text
        asks_how = self.hypothetical is not None and name in ASKING_HOW and self.hypothetical.search(text)
        not_now = self.not_now is not None and name in NOT_NOW and self.not_now.search(text)
        return bool(asks_how or not_now)
