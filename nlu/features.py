"""Text features for the embedded classifier: character, jieba-word and pinyin n-grams.

Training uses scikit-learn's TfidfVectorizer; answering one message at a time does not need its
sparse-matrix machinery, so `FeatureBlocks.vectorize` computes the same TF-IDF values with plain
dict look-ups (about a tenth of the time). Pinyin n-grams let homophone typos from voice input
(居注证明 for 居住证明) share evidence with the intended words.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import jieba
import numpy as np
from numpy.typing import NDArray
from pypinyin import lazy_pinyin
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.text import heard_names, mask_digits, normalize

jieba.setLogLevel(logging.WARNING)


def load_word_dictionary() -> None:
    """jieba reads its dictionary at its first use (about 1.5 s): a loaded model does it at once, not
    while the first resident waits. Training does it anyway."""
    jieba.initialize()


COMMON_WORD_FREQUENCY = 50
"""How often jieba's dictionary must have seen a word for it to count as one (正明, a name, has 3)."""


def is_common_word(text: str) -> bool:
    """Whether the text is a word of its own in jieba's dictionary (午夜, 清水), not a mishearing."""
    jieba.initialize()
    return (jieba.get_FREQ(text) or 0) >= COMMON_WORD_FREQUENCY


@lru_cache(maxsize=1024)
def heard_keywords(keywords: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The keywords the text holds only as heard (「店题又坏了」 holds 电梯, 「防小投」 holds 小偷), a word of its own
    not counting as a mishearing. Cached: one message is read against the same keywords several times."""
    return tuple(heard_names(keywords, text, is_common_word))


def with_heard_keywords(keywords: tuple[str, ...], text: str) -> str:
    """The text with the keywords it holds only as heard added: voice input writes homophones, and matching
    and classifiers learned the words as written."""
    heard = heard_keywords(keywords, text)
    return " ".join([text, *heard]) if heard else text


def prepare(text: str) -> str:
    return mask_digits(normalize(text))


def words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


def syllables(text: str) -> list[str]:
    return [s for s in lazy_pinyin(text) if s.strip()]


def _vectorizers() -> list[TfidfVectorizer]:
    def tokens(tokenizer: Callable[[str], list[str]]) -> TfidfVectorizer:
        return TfidfVectorizer(tokenizer=tokenizer, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                               sublinear_tf=True)

    return [TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True), tokens(words),
            tokens(syllables)]


@dataclass
class FeatureBlocks:
    """Fitted TF-IDF blocks side by side, each l2-normalised on its own."""

    vectorizers: list[TfidfVectorizer] = field(default_factory=_vectorizers)
    offsets: list[int] = field(default_factory=list)

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        prepared = [prepare(t) for t in texts]
        blocks = [v.fit_transform(prepared) for v in self.vectorizers]
        self.offsets = list(np.cumsum([0] + [b.shape[1] for b in blocks[:-1]]))
        return csr_matrix(hstack(blocks))

    @cached_property
    def analyzers(self) -> list[Callable[[str], list[str]]]:
        return [v.build_analyzer() for v in self.vectorizers]

    @property
    def size(self) -> int:
        return int(self.offsets[-1] + len(self.vectorizers[-1].vocabulary_))

    def vectorize(self, text: str) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Column indices and values of one text's feature row, equal to `fit_transform`'s."""
        prepared = prepare(text)
        indices: list[int] = []
        values: list[float] = []
        for vectorizer, analyze, offset in zip(self.vectorizers, self.analyzers, self.offsets, strict=True):
            vocabulary, idf = vectorizer.vocabulary_, vectorizer.idf_
            counts = Counter(g for g in analyze(prepared) if g in vocabulary)
            columns = [vocabulary[g] for g in counts]
            weights = np.array([(1.0 + np.log(c)) * idf[i] for c, i in zip(counts.values(), columns, strict=True)])
            norm = float(np.sqrt(weights @ weights)) if len(weights) else 0.0
            indices.extend(offset + c for c in columns)
            values.extend((weights / norm).tolist() if norm else [])
        return np.array(indices, dtype=np.intp), np.array(values, dtype=np.float64)
