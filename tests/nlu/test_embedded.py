"""The first embedded classifier: trained from our Rasa data, judged on the held-out file."""

from __future__ import annotations

from pathlib import Path

from nlu.embedded import EmbeddedClassifier
from nlu.rasa_data import load_training_data
from nlu.result import FALLBACK_INTENT, apply_fallback
from tests.conftest import NLU_DATA

HELD_OUT = NLU_DATA.parent / "test" / "nlu_test.yml"
PRODUCT_INTENTS = {
    "greet", "goodbye", "affirm", "deny", "certificate_request", "appeal_report", "appointment_book",
    "appointment_cancel", "safety_tip", "emergency", "policy_question", "subscribe_notices", "unsubscribe_notices",
    "request_status", "feedback", "human_handoff", "report_clue", "out_of_scope",
}


def test_training_data_covers_the_intent_inventory() -> None:
    assert set(load_training_data([NLU_DATA]).intents) == PRODUCT_INTENTS


def test_held_out_examples_are_not_in_training() -> None:
    training = {e.text for e in load_training_data([NLU_DATA]).examples}
    held_out = {e.text for e in load_training_data([HELD_OUT]).examples}

    assert not training & held_out


def test_held_out_accuracy(classifier: EmbeddedClassifier) -> None:
    examples = load_training_data([HELD_OUT]).examples
    correct = sum(classifier.parse(e.text).intent.name == e.intent for e in examples)

    assert correct / len(examples) >= 0.80, f"held-out accuracy {correct}/{len(examples)}"


def test_complaint_of_the_acceptance_is_appeal_report(classifier: EmbeddedClassifier) -> None:
    result = classifier.parse("3栋2单元楼道里的下水道堵了，臭了好几天")

    assert result.intent.name == "appeal_report"
    assert result.entity("address") is not None


def test_low_confidence_becomes_fallback_with_ranking_kept(classifier: EmbeddedClassifier) -> None:
    result = apply_fallback(classifier.parse("qwerty zxcv"), threshold=0.45)

    assert result.intent.name == FALLBACK_INTENT
    assert len(result.ranking) >= 2


def test_saved_model_parses_the_same(classifier: EmbeddedClassifier, tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    classifier.save(path)

    loaded = EmbeddedClassifier.load(path)

    text = "帮我开个居住证明"
    assert loaded.parse(text) == classifier.parse(text)
