"""The embedded classifier: character and jieba-word n-grams into a linear model.

CPU only, deterministic, trains in seconds. Digits are masked so that addresses and phone
numbers do not become intent evidence. Entities come from the rule extractors.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlu.entities import extract_entities
from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult
from nlu.text import mask_digits, normalize

jieba.setLogLevel(logging.WARNING)
FORMAT_VERSION = 1


def _prepare(text: str) -> str:
    return mask_digits(normalize(text))


def _words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


def _build_pipeline() -> Pipeline:
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)),
        ("words", TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                  sublinear_tf=True)),
    ])
    classifier = LogisticRegression(C=20.0, max_iter=3000)
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass
class EmbeddedClassifier:
    pipeline: Pipeline
    intents: list[str]

    @classmethod
    def train(cls, data: TrainingData) -> EmbeddedClassifier:
        if len(data.intents) < 2:
            raise ValueError("training needs at least two intents")
        pipeline = _build_pipeline()
        pipeline.fit([_prepare(e.text) for e in data.examples], [e.intent for e in data.examples])
        return cls(pipeline, [str(c) for c in pipeline.classes_])

    def parse(self, text: str) -> ParseResult:
        probabilities = self.pipeline.predict_proba([_prepare(text)])[0]
        order = np.argsort(-probabilities)
        ranking = tuple(IntentScore(self.intents[i], round(float(probabilities[i]), 4)) for i in order[:10])
        return ParseResult(text=text, intent=ranking[0], ranking=ranking, entities=extract_entities(text))

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
