"""Retrieval over the community's policy texts, for policy_question.

Documents are Markdown; each `## section` becomes a passage carrying its document title, so a
question about 低保 materials finds 低保's 所需材料 section. Two rankers are measured side by side in
`bench/faq_bench.py`: BM25 over jieba words plus character bigrams (robust to typos and words jieba
splits differently), and TF-IDF cosine over character n-grams; `HybridIndex` fuses their ranks.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.features import words
from nlu.text import normalize

_FORM_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_SECTION = re.compile(r"^##\s+(.+)$", re.MULTILINE)
_PUNCTUATION = re.compile(r"[\s\W_]+")
STOP_WORDS = frozenset([
    *"的了吗呢啊吧呀么嘛是我你他她咱俺要想能会有在和跟就都也还哪啥咋",
    "请问", "一下", "怎么", "什么", "哪里", "多少", "可以", "需要", "这个", "那个",
])


@dataclass(frozen=True)
class Passage:
    source: str
    title: str
    heading: str
    text: str
    form: tuple[str, str] | None = None
    """(name, link) of a form to download, if the document names one."""

    @property
    def searchable(self) -> str:
        return f"{self.title} {self.heading} {self.text}"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


def read_passages(folder: Path) -> list[Passage]:
    passages: list[Passage] = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        title_line = next((line for line in text.splitlines() if line.startswith("# ")), path.stem)
        title = title_line.removeprefix("# ").strip()
        found = _FORM_LINK.search(text)
        form = (found.group(1), found.group(2)) if found else None
        parts = _SECTION.split(text)
        intro = parts[0].replace(title_line, "").strip()
        if intro:
            passages.append(Passage(path.name, title, title, intro, form))
        passages.extend(Passage(path.name, title, heading.strip(), body.strip(), form)
                        for heading, body in zip(parts[1::2], parts[2::2], strict=True) if body.strip())
    return passages


def terms(text: str) -> list[str]:
    """jieba words and character bigrams, without punctuation and the commonest function words."""
    clean = normalize(text)
    found = [w for w in words(clean) if w not in STOP_WORDS and not _PUNCTUATION.fullmatch(w)]
    compact = _PUNCTUATION.sub("", clean)
    return found + [compact[i:i + 2] for i in range(len(compact) - 1)]


class Ranker(Protocol):
    passages: list[Passage]

    def scores(self, question: str) -> NDArray[np.float64]: ...


@dataclass
class BM25Index:
    passages: list[Passage]
    k1: float = 1.5
    b: float = 0.75
    _docs: list[Counter[str]] = field(init=False, repr=False)
    _idf: dict[str, float] = field(init=False, repr=False)
    _lengths: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._docs = [Counter(terms(p.searchable)) for p in self.passages]
        self._lengths = np.array([sum(d.values()) for d in self._docs], dtype=np.float64)
        frequency = Counter(term for doc in self._docs for term in doc)
        total = len(self._docs)
        self._idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}

    def idf(self, term: str) -> float | None:
        return self._idf.get(term)

    def idf_values(self) -> list[float]:
        return list(self._idf.values())

    def scores(self, question: str) -> NDArray[np.float64]:
        average = float(self._lengths.mean()) if len(self._lengths) else 1.0
        result = np.zeros(len(self._docs))
        for term in set(terms(question)):
            idf = self._idf.get(term)
            if idf is None:
                continue
            tf = np.array([doc.get(term, 0) for doc in self._docs], dtype=np.float64)
            result += idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self._lengths / average))
        return result


@dataclass
class CharTfidfIndex:
    passages: list[Passage]
    _vectorizer: TfidfVectorizer = field(init=False, repr=False)
    _matrix: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform([normalize(p.searchable) for p in self.passages])

    def scores(self, question: str) -> NDArray[np.float64]:
        vector = self._vectorizer.transform([normalize(question)])
        return np.asarray((self._matrix @ vector.T).toarray()).ravel()


@dataclass
class HybridIndex:
    """Reciprocal-rank fusion of BM25 and character TF-IDF; the score is BM25's, for thresholds."""

    passages: list[Passage]
    rrf_k: float = 10.0
    bm25: BM25Index = field(init=False, repr=False)
    chars: CharTfidfIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.bm25, self.chars = BM25Index(self.passages), CharTfidfIndex(self.passages)

    def scores(self, question: str) -> NDArray[np.float64]:
        fused = np.zeros(len(self.passages))
        for scores in (self.bm25.scores(question), self.chars.scores(question)):
            ranks = np.empty(len(scores))
            ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
            fused += 1.0 / (self.rrf_k + ranks)
        return fused


def search(ranker: Ranker, question: str, k: int = 5) -> list[Hit]:
    scores = ranker.scores(question)
    order = np.argsort(-scores, kind="stable")[:k]
    return [Hit(ranker.passages[i], float(scores[i])) for i in order]


def coverage(question: str, passage: Passage, index: BM25Index) -> float:
    """The idf-weighted share of the question's words found in the passage's document section.

    BM25 scores grow with question length, so "is this answered at all?" is judged on coverage:
    a question whose rare words appear nowhere in the best passage is not answered by it.
    """
    found = set(terms(passage.searchable))
    question_words = [w for w in words(normalize(question)) if w not in STOP_WORDS and not _PUNCTUATION.fullmatch(w)]
    if not question_words:
        return 0.0
    ceiling = max(index.idf_values(), default=1.0)
    weights = [(index.idf(w) or ceiling, w in found) for w in question_words]
    return sum(weight for weight, hit in weights if hit) / sum(weight for weight, _ in weights)


@dataclass
class PolicyLibrary:
    """The ranked passages for a question, or None when the texts do not answer it."""

    ranker: HybridIndex
    min_coverage: float = 0.5

    @classmethod
    def from_folder(cls, folder: Path, min_coverage: float = 0.5) -> PolicyLibrary:
        return cls(HybridIndex(read_passages(folder)), min_coverage)

    def search(self, question: str, k: int = 5) -> list[Hit]:
        return search(self.ranker, question, k)

    def answer(self, question: str) -> Hit | None:
        hits = self.search(question, 1)
        if not hits or coverage(question, hits[0].passage, self.ranker.bm25) < self.min_coverage:
            return None
        return hits[0]
