"""The embedded classifier: character, word and pinyin n-grams into a linear SVM, with
confidences from a temperature-scaled softmax fitted on out-of-fold margins.

Why this shape (measured in `bench/nlu_candidates.py`, by cross-validation on the training data
and on the dev set): a linear SVM on these n-grams is as accurate as logistic regression here
and trains ten times faster; sentence embeddings that ship in a wheel added accuracy but cost
5-20 ms a message. SVM margins are not probabilities, so one temperature is fitted by minimising
the log-loss of cross-validated margins: "0.9" then means right about nine times in ten, which the
fallback threshold relies on. CPU only, deterministic, trains in about a second, answers in well
under a millisecond (`FeatureBlocks.vectorize` and one small matrix product). The data's
danger cues (`nlu.safety`) are part of the model, so every user of it gets them.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from scipy.sparse import csr_matrix
from scipy.special import log_softmax, softmax
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from nlu.entities import EntityExtractor, vocabulary_from_training_data
from nlu.features import FeatureBlocks, load_word_dictionary
from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult
from nlu.safety import SafetyNet

FORMAT_VERSION = 5
DEFAULT_TEMPERATURE = 5.0
"""Used when some intent has too few examples to cross-validate (tiny foreign data sets)."""


def _svm(c: float) -> LinearSVC:
    return LinearSVC(C=c, random_state=0)


def _weights(model: LinearSVC) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One row of weights and one bias per class (a two-class SVM stores only one)."""
    coef, bias = np.asarray(model.coef_, dtype=np.float64), np.asarray(model.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:
        return np.vstack([-coef, coef]), np.concatenate([-bias, bias])
    return coef, bias


def _fit_temperature(matrix: csr_matrix, labels: NDArray[np.str_], c: float, folds: int) -> float:
    classes, counts = np.unique(labels, return_counts=True)
    folds = min(folds, int(counts.min()))
    if folds < 2:
        return DEFAULT_TEMPERATURE
    index = np.searchsorted(classes, labels)
    out_of_fold = np.zeros((len(labels), len(classes)))
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(labels)), labels):
        model = _svm(c).fit(matrix[train], labels[train])
        weights, bias = _weights(model)
        columns = np.searchsorted(classes, model.classes_)
        out_of_fold[np.ix_(held, columns)] = matrix[held] @ weights.T + bias

    def log_loss(temperature: float) -> float:
        return float(-log_softmax(out_of_fold * temperature, axis=1)[np.arange(len(index)), index].mean())

    return float(minimize_scalar(log_loss, bounds=(0.05, 100.0), method="bounded").x)


@dataclass
class EmbeddedClassifier:
    features: FeatureBlocks
    weights: NDArray[np.float64]
    bias: NDArray[np.float64]
    temperature: float
    intents: list[str]
    extractor: EntityExtractor
    safety: SafetyNet

    @classmethod
    def train(cls, data: TrainingData, *, c: float = 1.0, folds: int = 3) -> EmbeddedClassifier:
        if len(data.intents) < 2:
            raise ValueError("training needs at least two intents")
        features = FeatureBlocks()
        matrix = features.fit_transform([e.text for e in data.examples])
        labels = np.array([e.intent for e in data.examples])
        temperature = _fit_temperature(matrix, labels, c, folds)
        model = _svm(c).fit(matrix, labels)
        weights, bias = _weights(model)
        extractor = EntityExtractor(vocabulary_from_training_data(data))
        intents = [str(n) for n in model.classes_]
        safety = SafetyNet.from_training_data(data).restricted_to(intents)
        return cls(features, weights, bias, temperature, intents, extractor, safety)

    def margins(self, text: str) -> NDArray[np.float64]:
        indices, values = self.features.vectorize(text)
        return self.weights[:, indices] @ values + self.bias

    def parse(self, text: str) -> ParseResult:
        probabilities = softmax(self.margins(text) * self.temperature)
        order = np.argsort(-probabilities, kind="stable")[:10]
        ranking = tuple(IntentScore(self.intents[i], round(float(probabilities[i]), 4)) for i in order)
        result = ParseResult(text=text, intent=ranking[0], ranking=ranking, entities=self.extractor.extract(text))
        return self.safety.apply(result)

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
        load_word_dictionary()
        return model
