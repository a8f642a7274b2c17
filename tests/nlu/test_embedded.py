"""The first embedded classifier: trained from our Rasa data, judged on the held-out file."""

from __future__ import annotations

import re
from pathlib import Path

from nlu.embedded import EmbeddedClassifier
from nlu.rasa_data import load_training_data
from tests.conftest import NLU_DATA

HELD_OUT = NLU_DATA.parent / "test" / "nlu_test.yml"
DEV = NLU_DATA.parent / "dev" / "nlu_dev.yml"
PRODUCT_INTENTS = {
    "greet", "goodbye", "affirm", "deny", "certificate_request", "appeal_report", "appointment_book",
    "appointment_cancel", "safety_tip", "emergency", "policy_question", "subscribe_notices", "unsubscribe_notices",
    "request_status", "feedback", "human_handoff", "report_clue", "out_of_scope",
}


def test_training_data_covers_the_intent_inventory() -> None:
    assert set(load_training_data([NLU_DATA]).intents) == PRODUCT_INTENTS


def _key(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text).lower()


def test_held_out_examples_are_in_neither_training_nor_dev() -> None:
    tuned_on = {_key(e.text) for e in load_training_data([NLU_DATA, DEV]).examples}
    held_out = {_key(e.text) for e in load_training_data([HELD_OUT]).examples}

    assert not tuned_on & held_out


def test_held_out_accuracy(classifier: EmbeddedClassifier) -> None:
    examples = load_training_data([HELD_OUT]).examples
    correct = sum(classifier.parse(e.text).intent.name == e.intent for e in examples)

    assert correct / len(examples) >= 0.80, f"held-out accuracy {correct}/{len(examples)}"


def test_complaint_of_the_acceptance_is_appeal_report(classifier: EmbeddedClassifier) -> None:
    result = classifier.parse("3栋2单元楼道里的下水道堵了，臭了好几天")

    assert result.intent.name == "appeal_report"
    assert result.entity("address") is not None


def test_confidence_means_what_it_says_on_the_dev_set(classifier: EmbeddedClassifier) -> None:
    """Expected calibration error: in each confidence band, accuracy is close to the confidence."""
    results = [(classifier.parse(e.text), e.intent) for e in load_training_data([DEV]).examples]
    bands: dict[int, list[tuple[float, bool]]] = {}
    for result, expected in results:
        bands.setdefault(min(int(result.intent.confidence * 10), 9), []).append(
            (result.intent.confidence, result.intent.name == expected))
    error = sum(len(band) / len(results) * abs(sum(c - ok for c, ok in band) / len(band)) for band in bands.values())

    assert error <= 0.06


def test_saved_model_parses_the_same(classifier: EmbeddedClassifier, tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    classifier.save(path)

    loaded = EmbeddedClassifier.load(path)

    text = "帮我开个居住证明"
    assert loaded.parse(text) == classifier.parse(text)
