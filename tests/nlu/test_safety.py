"""The safety net turns danger cues into an emergency, whatever the classifier leaned towards."""

from __future__ import annotations

from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult
from nlu.safety import SafetyNet

CUES = {"emergency_cue": ["着火|起火", "煤气味"], "phone": ["1\\d{10}"]}
NET = SafetyNet.from_training_data(TrainingData(regexes=CUES))


def leaning(text: str, intent: str) -> ParseResult:
    ranking = (IntentScore(intent, 0.9), IntentScore("emergency", 0.05))
    return ParseResult(text, ranking[0], ranking)


def test_cue_overrides_a_confident_other_intent() -> None:
    result = NET.apply(leaning("8栋三楼着火了", "appeal_report"))

    assert result.intent == IntentScore("emergency", 0.05)


def test_no_cue_leaves_the_result_alone() -> None:
    original = leaning("楼道灯坏了", "appeal_report")

    assert NET.apply(original) is original


def test_only_cue_regexes_become_rules() -> None:
    assert [intent for intent, _ in NET.cues] == ["emergency"]
