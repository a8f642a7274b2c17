"""Intent evaluation in the shape of Rasa's `rasa test nlu` output (intent_report.json)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import classification_report, confusion_matrix

from nlu.rasa_data import Example
from nlu.result import FALLBACK_INTENT, NLUBackend


@dataclass(frozen=True)
class Prediction:
    text: str
    expected: str
    predicted: str
    confidence: float


@dataclass(frozen=True)
class Evaluation:
    predictions: list[Prediction]
    report: dict[str, Any]
    labels: list[str]
    matrix: list[list[int]]

    @property
    def accuracy(self) -> float:
        return float(self.report["accuracy"])

    def errors(self) -> list[dict[str, Any]]:
        """Rasa's intent_errors.json: every wrong prediction."""
        return [{"text": p.text, "intent": p.expected, "intent_prediction": {"name": p.predicted,
                                                                            "confidence": p.confidence}}
                for p in self.predictions if p.predicted != p.expected]


def evaluate(backend: NLUBackend, examples: list[Example]) -> Evaluation:
    predictions = []
    for example in examples:
        result = backend.parse(example.text)
        predictions.append(Prediction(example.text, example.intent, result.intent.name, result.intent.confidence))
    expected = [p.expected for p in predictions]
    predicted = [p.predicted for p in predictions]
    labels = sorted(set(expected) | set(predicted))
    report: dict[str, Any] = classification_report(expected, predicted, labels=labels, output_dict=True,
                                                   zero_division=0)
    report.setdefault("accuracy", sum(e == p for e, p in zip(expected, predicted, strict=True)) / len(expected))
    report.pop("micro avg", None)
    for label in labels:
        confused = Counter(p.predicted for p in predictions if p.expected == label and p.predicted != label)
        report[label]["confused_with"] = dict(confused.most_common(3))
    matrix = confusion_matrix(expected, predicted, labels=labels).tolist()
    return Evaluation(predictions, report, labels, matrix)


def write_reports(evaluation: Evaluation, out: Path) -> list[Path]:
    """intent_report.json, intent_errors.json and intent_confusion_matrix.png, as Rasa names them."""
    out.mkdir(parents=True, exist_ok=True)
    report_path, errors_path = out / "intent_report.json", out / "intent_errors.json"
    report_path.write_text(json.dumps(evaluation.report, ensure_ascii=False, indent=2), encoding="utf-8")
    errors_path.write_text(json.dumps(evaluation.errors(), ensure_ascii=False, indent=2), encoding="utf-8")
    return [report_path, errors_path, plot_confusion_matrix(evaluation, out / "intent_confusion_matrix.png")]


def plot_confusion_matrix(evaluation: Evaluation, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    size = max(6.0, 0.45 * len(evaluation.labels) + 2)
    figure, axes = pyplot.subplots(figsize=(size, size))
    axes.imshow(evaluation.matrix, cmap="Blues")
    ticks = range(len(evaluation.labels))
    axes.set_xticks(ticks, evaluation.labels, rotation=90)
    axes.set_yticks(ticks, evaluation.labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    for row, counts in enumerate(evaluation.matrix):
        for column, count in enumerate(counts):
            if count:
                axes.text(column, row, str(count), ha="center", va="center", fontsize=8,
                          color="white" if row == column else "black")
    axes.set_title(f"intent confusion matrix (accuracy {evaluation.accuracy:.3f})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path


def fallback_summary(evaluation: Evaluation) -> dict[str, int]:
    """How many answers were 'not sure', and how many of the confident ones were wrong."""
    unsure = [p for p in evaluation.predictions if p.predicted == FALLBACK_INTENT]
    confident_wrong = [p for p in evaluation.predictions if p.predicted not in (FALLBACK_INTENT, p.expected)]
    return {"total": len(evaluation.predictions), "fallback": len(unsure), "confident_wrong": len(confident_wrong)}
