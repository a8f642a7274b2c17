"""The embedded classifier: character and jieba-word n-grams into a linear SVM, with confidences
from a temperature-scaled softmax fitted on out-of-fold scores.

Why this shape (measured in `bench/nlu_candidates.py` and on the dev set): a linear SVM on
char 1-3 + word 1-2 grams is as accurate as logistic regression here and trains ten times faster;
its raw margins are not probabilities, so one temperature is fitted by minimising the
log-loss of cross-validated margins. That keeps "0.9" meaning right about nine times in ten, which
the fallback threshold relies on. CPU only, deterministic, trains in about a second.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from nlu.entities import EntityExtractor, vocabulary_from_training_data
from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult
from nlu.text import mask_digits, normalize

jieba.setLogLevel(logging.WARNING)
FORMAT_VERSION = 3
DEFAULT_TEMPERATURE = 5.0
"""Used when some intent has too few examples to cross-validate (tiny foreign data sets)."""


def _prepare(text: str) -> str:
    return mask_digits(normalize(text))


def _words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


def _build_features() -> FeatureUnion:
    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)),
        ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                  sublinear_tf=True)),
    ])


def _svm(c: float) -> LinearSVC:
    return LinearSVC(C=c, random_state=0)


def _margins(model: LinearSVC, features: object) -> NDArray[np.float64]:
    scores = np.asarray(model.decision_function(features), dtype=np.float64)
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def _fit_temperature(features: object, labels: NDArray[np.str_], classes: NDArray[np.str_], c: float,
                     folds: int) -> float:
    counts = np.unique(labels, return_counts=True)[1]
    folds = min(folds, int(counts.min()))
    if folds < 2:
        return DEFAULT_TEMPERATURE
    index = np.searchsorted(classes, labels)
    out_of_fold = np.zeros((len(labels), len(classes)))
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(labels)), labels):
        model = _svm(c).fit(features[train], labels[train])  # type: ignore[index]
        columns = np.searchsorted(classes, model.classes_)
        out_of_fold[np.ix_(held, columns)] = _margins(model, features[held])  # type: ignore[index]

    def log_loss(temperature: float) -> float:
        return float(-log_softmax(out_of_fold * temperature, axis=1)[np.arange(len(index)), index].mean())

    return float(minimize_scalar(log_loss, bounds=(0.05, 100.0), method="bounded").x)


@dataclass
class EmbeddedClassifier:
    features: FeatureUnion
    model: LinearSVC
    temperature: float
    intents: list[str]
    extractor: EntityExtractor

    @classmethod
    def train(cls, data: TrainingData, *, c: float = 1.0, folds: int = 3) -> EmbeddedClassifier:
        if len(data.intents) < 2:
            raise ValueError("training needs at least two intents")
        features = _build_features()
        matrix = features.fit_transform([_prepare(e.text) for e in data.examples])
        labels = np.array([e.intent for e in data.examples])
        classes = np.unique(labels)
        temperature = _fit_temperature(matrix, labels, classes, c, folds)
        model = _svm(c).fit(matrix, labels)
        extractor = EntityExtractor(vocabulary_from_training_data(data))
        return cls(features, model, temperature, [str(name) for name in model.classes_], extractor)

    def parse(self, text: str) -> ParseResult:
        margins = _margins(self.model, self.features.transform([_prepare(text)]))[0]
        probabilities = softmax(margins * self.temperature)
        order = np.argsort(-probabilities, kind="stable")[:10]
        ranking = tuple(IntentScore(self.intents[i], round(float(probabilities[i]), 4)) for i in order)
        return ParseResult(text=text, intent=ranking[0], ranking=ranking, entities=self.extractor.extract(text))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps({"version": FORMAT_VERSION, "model": self}))

    @classmethod
    def load(cls, path: Path) -> EmbeddedClassifier:
        """Load a model written by `save`. Pickle: only load models you trained yourself."""
        stored = pickle.loads(path.read_bytes())
        if not isinstance(stored, dict) or stored.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a frontdoor model of format {FORMAT_VERSION}: train it again")
        model = stored["model"]
        if not isinstance(model, cls):
            raise ValueError(f"{path} does not hold an embedded classifier")
        return model
