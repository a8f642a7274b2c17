"""The safety net: danger cues that make a message an emergency whatever the classifier says.

Cues come from the NLU data as Rasa regex blocks named `<intent>_cue` (today only
`emergency_cue`), so they are edited with the training data and exported to Rasa with it.

A cue word also turns up when the danger is not happening now, and three more regex blocks of the
data name such wording:

- `negated`, right before the cue: 「没着火」「不是煤气味」, `supposed`, earlier in its clause:
  「万一着火了」「要是被骗子骗了转了钱」, and `supposed_after`, a consequence right after it with 就:
  「掉河里就出大事了」. Such a cue never counts.
- `hedge`, earlier in the cue's clause or inside the cue, or `feared_after`, right after it in its clause: a
  hazard feared, not a fire burning (「楼道里充电，怕着火」, 「担心燃气管漏气」, 「砸到人可不得了」). A
  hedged cue does not count when the classifier reads another need than the cue's own (a complaint, a
  question, a booking); the same cue unhedged elsewhere in the message still does.
- `exclamation`: a cry for help that is also an everyday exclamation (「救命😭 车库的灯坏了一大片」,
  「救命 这个居住证明到底怎么开」). A cue inside one does not count when the classifier reads anything but
  the cue's own intent.
- `hypothetical`: asking how to stay safe (「万一家里起火了应该先干啥」). The cue is set aside only
  when the classifier itself reads the message as one of the `ASKING_HOW` intents (first, or a close second).
- `not_now`: the past or a standing nuisance (「上个月被狗咬流血了」, 「每天早上冒黑烟」,
  「去年被骗了两万 想约个律师」). The cue is set aside only when the classifier reads another need than the
  cue's own.

Each of these needs the classifier's agreement, so 「我好怕 着火了」, read as an emergency, stays one.
One does not: `resolved`, the danger said to be over and dealt with (「燃气公司来过了 已经弄好了」,
「人已经稳住了」) with nothing said to be still going on. The classifier, trained on danger words, reads
such stories as emergencies; the words themselves say no help is needed now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nlu.phrasing import AGE_TOLD_ALONE, EVERYDAY_JUST_NOW, SAID_BEFORE
from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult

CUE_SUFFIX = "_cue"
HYPOTHETICAL = "hypothetical"
NOT_NOW_WORDING = "not_now"
HEDGE = "hedge"
NEGATED = "negated"
RESOLVED = "resolved"
HEDGE_REACH = 4
"""How many characters before a cue a negation may stand (「没着火」, 「不是煤气味」)."""
HEDGE_CLAUSE_REACH = 14
"""How far back in the cue's own clause a hedge may stand: 「就怕哪个老人一脚踩空掉河里」 fears the whole clause."""
CLAUSE_BREAK = re.compile(r"[，。,；;！!？?\s]")
FEARED_AFTER = "feared_after"
EXCLAMATION = "exclamation"
SUPPOSED = "supposed"
SUPPOSED_AFTER = "supposed_after"
ASKING_HOW = frozenset({"safety_tip", "policy_question"})
CLOSE_SECOND = 0.3
"""A runner-up this sure counts as the classifier's reading too, for a question asked "in case"."""
UNSURE = 0.5
"""A cued reading under this is not the classifier's own verdict when another need is a close second."""


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
    resolved: re.Pattern[str] | None = None
    exclamation: re.Pattern[str] | None = None
    supposed: re.Pattern[str] | None = None
    feared_after: re.Pattern[str] | None = None
    supposed_after: re.Pattern[str] | None = None

    @classmethod
    def from_training_data(cls, data: TrainingData) -> SafetyNet:
        cues = tuple((name.removesuffix(CUE_SUFFIX), _alternation(patterns))
                     for name, patterns in sorted(data.regexes.items()) if name.endswith(CUE_SUFFIX) and patterns)
        return cls(cues, _optional(data, HYPOTHETICAL), _optional(data, NOT_NOW_WORDING), _optional(data, HEDGE),
                   _optional(data, NEGATED), _optional(data, RESOLVED), _optional(data, EXCLAMATION),
                   _optional(data, SUPPOSED), _optional(data, FEARED_AFTER), _optional(data, SUPPOSED_AFTER))

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
        text, read_as = result.text, _read_as(result)
        doubting = self._reads_another_need(result)
        return next((intent for intent, pattern in self.cues
                     if any(not (doubting and self._hedged(text, match))
                            and not (read_as != intent and self._exclaimed(text, match))
                            and not self._negated(text, match)
                            for match in pattern.finditer(text))), None)

    def _reads_another_need(self, result: ParseResult) -> bool:
        """The classifier's agreement that wording of doubt asks for: it reads a need no cue stands for, first or
        a close second to an unsure cued reading (「前天电梯困人了 消防来撬开门的 现在还时好时坏」, 0.46 to 0.46)."""
        cued = {intent for intent, _ in self.cues}
        ranking = result.ranking or (result.intent,)
        if ranking[0].name not in cued:
            return True
        return ranking[0].confidence < UNSURE and len(ranking) > 1 and ranking[1].name not in cued \
            and ranking[1].confidence >= CLOSE_SECOND

    def _negated(self, text: str, match: re.Match[str]) -> bool:
        before = text[max(0, match.start() - HEDGE_REACH):match.start()]
        if self.negated is not None and self.negated.search(before) is not None:
            return True
        if self.supposed_after is not None and self.supposed_after.search(_clause_after(text, match)) is not None:
            return True
        return self.supposed is not None and self.supposed.search(_clause_before(text, match)) is not None

    def sounds_calm(self, text: str) -> bool:
        """Wording that says the danger is not happening now (asking how, the past, a standing nuisance, a
        hazard feared for some day, a danger named only to deny or suppose it: 「真着火了拿啥灭」, an age told and
        nothing more, a clause saying it was told already, an everyday errand that just happened): enough, without
        a cue, to doubt an emergency only the classifier saw."""
        told = any(wording.search(text) is not None for wording in (AGE_TOLD_ALONE, SAID_BEFORE, EVERYDAY_JUST_NOW))
        return told or any(pattern is not None and pattern.search(text)
                           for pattern in (self.hypothetical, self.not_now, self.resolved)) or any(
            self._negated(text, match) for _, pattern in self.cues for match in pattern.finditer(text))

    def _hedged(self, text: str, match: re.Match[str]) -> bool:
        before = self.hedge is not None and self.hedge.search(_clause_before(text, match) + match.group()) is not None
        after = self.feared_after is not None and self.feared_after.search(_clause_after(text, match)) is not None
        return before or after

    def without_opening_cry(self, text: str) -> str | None:
        """The words after a cry the message opens with (「救命😭 医保到底在哪交」 -> 「医保到底在哪交」), or None
        when it opens with none or the cry is all it says."""
        found = self.exclamation.match(text) if self.exclamation is not None else None
        rest = _OPENING_MARKS.sub("", text[found.end():]) if found is not None and found.end() > 0 else ""
        return rest if sum(ch.isalnum() for ch in rest) >= MIN_WORDS_AFTER_CRY else None

    def _exclaimed(self, text: str, match: re.Match[str]) -> bool:
        return self.exclamation is not None and any(
            found.start() <= match.start() and match.end() <= found.end() for found in self.exclamation.finditer(text))

    def _set_aside(self, result: ParseResult) -> bool:
        text = result.text
        asks_how = self.hypothetical is not None and _reads_a_question(result) and self.hypothetical.search(text)
        not_now = self.not_now is not None and self._reads_another_need(result) and self.not_now.search(text)
        over = self.resolved is not None and self.resolved.search(text)
        return bool(asks_how or not_now or over)


_OPENING_MARKS = re.compile(r"^[\W_]+")
MIN_WORDS_AFTER_CRY = 4
"""Fewer characters after 「救命」 (「救命 快来人」) say nothing else to judge the message by."""


def _reads_a_question(result: ParseResult) -> bool:
    """The classifier reads a question about how to stay safe, first or a close second (「in case 爸妈把钱转给骗子了
    第一时间该干嘛 先报警还是先打银行」 split 0.41 emergency to 0.40 safety tip)."""
    if not result.ranking:
        return result.intent.name in ASKING_HOW
    return any(score.name in ASKING_HOW and (rank == 0 or score.confidence >= CLOSE_SECOND)
               for rank, score in enumerate(result.ranking[:2]))


def _read_as(result: ParseResult) -> str:
    """What the classifier itself read (its top intent), before the confidence policy let an urgent runner-up
    win: the agreement the wording needs is the classifier's, not the policy's."""
    return result.ranking[0].name if result.ranking else result.intent.name


def _clause_after(text: str, match: re.Match[str]) -> str:
    """The rest of the cue's own clause: 「砸到人」 then 「可不得了」."""
    found = CLAUSE_BREAK.search(text, match.end())
    return text[match.end():found.start() if found else len(text)]


def _clause_before(text: str, match: re.Match[str]) -> str:
    """The cue's own clause up to the cue, at most `HEDGE_CLAUSE_REACH` characters back."""
    start = max(0, match.start() - HEDGE_CLAUSE_REACH)
    breaks = [b.end() for b in CLAUSE_BREAK.finditer(text, start, match.start())]
    return text[breaks[-1] if breaks else start:match.start()]
