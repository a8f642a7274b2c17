"""Policy-text retrieval measured side by side, on the demo guides and on real FAQ text.

    make bench-faq        # = .venv/bin/python -m bench.faq_bench

Sets: the 29 demo guides with 216 resident questions (`bench/faq/questions.yml`), and the policy
development set (`../shared/data/policy-dev`: 740 real FAQ answers, each with the question it answers),
split by line number into a tuning part (the fusion weights were chosen on it) and a report part (line
index % 3 == 2) nothing was tuned on. Rankers, each ranking whole documents: the naive baseline (BM25 over
jieba words), BM25 over character bigrams, character TF-IDF, the sentence embeddings alone (best passage
per document), and the fusion the bot uses (`nlu.policy_index.FUSION_WEIGHTS`). For each: top-1, top-5,
MRR, p50/p99 per question; then the index times and, on the demo guides, the do-not-know decision (how
many answerable questions are answered, from the right guide, and how many unanswerable ones declined).
Vectors are cached in build/ by text hash, so a second run does not embed again; the index time of a
first build (every passage embedded) is printed when the cache was empty.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from nlu.policy_embeddings import embed_question
from nlu.policy_index import BM25Index, PolicyLibrary, by_document
from nlu.policy_store import build_library, read_library, write_library
from nlu.policy_terms import PolicyTerms
from nlu.policy_texts import Passage

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/python -m bench.faq_bench"
POLICY_DEV = Path(os.environ.get("FRONTDOOR_POLICY_DEV", ROOT.parent / "shared/data/policy-dev"))
REPORT_EVERY = 3
"""Questions whose line index % 3 == 2 are the report part of the development set."""


@dataclass
class QuestionSet:
    name: str
    library: PolicyLibrary
    questions: list[tuple[str, str]]
    """(question, the source document that answers it)"""
    index_seconds: float
    embedded_all: bool


def demo_set(cache: Path) -> tuple[QuestionSet, list[str]]:
    data = yaml.safe_load((ROOT / "bench/faq/questions.yml").read_text(encoding="utf-8"))
    library, seconds, cold = _library(ROOT / "profiles/demo/policies", ROOT / "profiles/demo", cache)
    questions = [(item["q"], item["source"]) for item in data["questions"]]
    return QuestionSet("demo guides", library, questions, seconds, cold), \
        [item["q"] for item in data.get("unanswerable", [])]


def development_sets(cache: Path) -> list[QuestionSet]:
    library, seconds, cold = _library(POLICY_DEV / "docs", None, cache)
    rows = [line.split("\t") for line in (POLICY_DEV / "queries.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    tune = [(row[1], f"{row[0]}.md") for i, row in enumerate(rows) if i % REPORT_EVERY != REPORT_EVERY - 1]
    report = [(row[1], f"{row[0]}.md") for i, row in enumerate(rows) if i % REPORT_EVERY == REPORT_EVERY - 1]
    return [QuestionSet("policy-dev tune", library, tune, seconds, cold),
            QuestionSet("policy-dev report", library, report, seconds, cold)]


def _library(folder: Path, profile: Path | None, cache: Path) -> tuple[PolicyLibrary, float, bool]:
    previous = read_library(cache)
    cold = previous is None or previous.vectors is None or not previous.vectors.vectors
    started = time.perf_counter()
    library = build_library(folder, profile, previous=previous)
    seconds = time.perf_counter() - started
    write_library(library, cache)
    return library, seconds, cold


def rankers(library: PolicyLibrary) -> dict[str, Callable[[str], NDArray[np.float64]]]:
    """Each ranker as a function from a question to one score per document (`library.documents.sources`)."""
    sources = library.documents.sources
    naive = BM25Index(_whole_documents(library.passages), tokens=_jieba_words)
    terms: PolicyTerms = library.terms
    position = {source: i for i, source in enumerate(sources)}
    owner = np.array([position[p.source] for p in library.passages])
    vectors = library.vectors.matrix([f"{p.title} {p.heading} {p.text}" for p in library.passages]) \
        if library.vectors is not None else None

    def dense(question: str) -> NDArray[np.float64]:
        assert vectors is not None
        best = np.full(len(sources), -1.0)
        np.maximum.at(best, owner, vectors @ embed_question(question))
        return best

    found: dict[str, Callable[[str], NDArray[np.float64]]] = {
        "naive: BM25, jieba words": naive.scores,
        "BM25, character bigrams": library.bigram_documents.document_scores,
        "TF-IDF, characters 1-3": lambda q: library.documents.document_scores(terms.expand(q)),
    }
    if vectors is not None:
        found["dense: e5-small, best passage"] = dense
    found["fused (the bot)"] = library.document_scores
    return found


def _whole_documents(passages: list[Passage]) -> list[Passage]:
    return [Passage(source, "", "", " ".join(p.searchable for p in parts))
            for source, parts in by_document(passages).items()]


def _jieba_words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if w.strip() and any(ch.isalnum() for ch in w)]


def measure(question_set: QuestionSet) -> list[dict[str, Any]]:
    sources = question_set.library.documents.sources
    rows = []
    for name, scores in rankers(question_set.library).items():
        embed_question.cache_clear()  # each ranker embeds its questions itself: its latency includes that
        ranks, latencies = [], []
        for question, source in question_set.questions:
            started = time.perf_counter()
            order = np.argsort(-scores(question), kind="stable")
            latencies.append((time.perf_counter() - started) * 1000)
            ranks.append(int(np.flatnonzero(order == sources.index(source))[0]))
        ranked = np.array(ranks)
        rows.append({"set": question_set.name, "ranker": name, "questions": len(ranks),
                     "top1": float((ranked == 0).mean()), "top5": float((ranked < 5).mean()),
                     "mrr": float((1 / (ranked + 1)).mean()),
                     "p50_ms": float(np.percentile(latencies, 50)), "p99_ms": float(np.percentile(latencies, 99))})
    return rows


def do_not_know(library: PolicyLibrary, questions: list[tuple[str, str]], unanswerable: list[str]) -> dict[str, float]:
    answers = [library.answer(question) for question, _ in questions]
    right = [hit is not None and hit.passage.source == source for hit, (_, source) in zip(answers, questions,
                                                                                          strict=True)]
    return {"answered": sum(hit is not None for hit in answers) / len(questions),
            "answered_right": sum(right) / len(questions),
            "declined": sum(library.answer(q) is None for q in unanswerable) / max(len(unanswerable), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", type=Path, default=ROOT / "build/bench-faq.json")
    args = parser.parse_args()
    demo, unanswerable = demo_set(ROOT / "build/bench-faq-demo-index.pkl")
    sets = [demo, *development_sets(ROOT / "build/bench-faq-dev-index.pkl")]
    rows = [row for question_set in sets for row in measure(question_set)]
    decisions = do_not_know(demo.library, demo.questions, unanswerable)
    print(f"{'set':18s} {'ranker':30s} {'n':>4s} {'top-1':>6s} {'top-5':>6s} {'MRR':>6s} {'p50 ms':>7s} {'p99 ms':>7s}")
    for row in rows:
        print(f"{row['set']:18s} {row['ranker']:30s} {row['questions']:4d} {row['top1']:6.3f} {row['top5']:6.3f} "
              f"{row['mrr']:6.3f} {row['p50_ms']:7.2f} {row['p99_ms']:7.2f}")
    for name, question_set in (("demo guides", demo), ("policy-dev", sets[1])):
        passages, documents = len(question_set.library.passages), len(question_set.library.documents.sources)
        state = "every passage embedded" if question_set.embedded_all else "vectors from the cache in build/"
        print(f"index of {name}: {documents} documents, {passages} passages in {question_set.index_seconds:.1f} s "
              f"({state})")
    print(f"the bot's answers on the demo guides: answers {decisions['answered']:.3f} of the answerable "
          f"({decisions['answered_right']:.3f} from the right guide), declines {decisions['declined']:.3f} of "
          f"{len(unanswerable)} unanswerable")
    print(f"reproduce: {COMMAND}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"command": COMMAND, "rows": rows, **decisions}, ensure_ascii=False, indent=2),
                         encoding="utf-8")


if __name__ == "__main__":
    main()
